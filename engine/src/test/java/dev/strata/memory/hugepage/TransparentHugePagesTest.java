package dev.strata.memory.hugepage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the kernel's transparent huge page setting: the bracketed choice, or null when there is none. */
class TransparentHugePagesTest {

    @TempDir
    Path directory;

    @Test
    void theSelectedModeIsTheOneInBrackets() throws Exception {
        assertEquals("madvise", TransparentHugePages.mode(write("always [madvise] never\n")));
        assertEquals("always", TransparentHugePages.mode(write("[always] madvise never\n")));
        assertEquals("never", TransparentHugePages.mode(write("always madvise [never]\n")));
    }

    @Test
    void aMissingOrUnbracketedFileHasNoMode() throws Exception {
        assertNull(TransparentHugePages.mode(directory.resolve("missing")));
        assertNull(TransparentHugePages.mode(write("always madvise never\n")));
        assertNull(TransparentHugePages.mode(write("")));
    }

    private Path write(String content) throws Exception {
        Path file = Files.createTempFile(directory, "enabled", "");
        return Files.writeString(file, content);
    }
}
