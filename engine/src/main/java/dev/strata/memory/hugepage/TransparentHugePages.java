package dev.strata.memory.hugepage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's transparent huge page setting, as {@code /sys/kernel/mm/transparent_hugepage/enabled} shows it: the
 * choices with the selected one in brackets, for example {@code always [madvise] never}. Stateless and thread-safe.
 */
final class TransparentHugePages {

    /** Where Linux shows the setting. */
    static final Path ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private static final Pattern SELECTED = Pattern.compile("\\[(\\w+)]");

    private TransparentHugePages() {
    }

    /**
     * {@return the selected mode ({@code always}, {@code madvise} or {@code never}), or null when {@code file} is
     * missing or unreadable (a kernel without transparent huge pages, or a sandbox that hides it)}
     */
    static String mode(Path file) {
        String line;
        try {
            line = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | SecurityException e) {
            return null;
        }
        Matcher selected = SELECTED.matcher(line);
        return selected.find() ? selected.group(1) : null;
    }
}
