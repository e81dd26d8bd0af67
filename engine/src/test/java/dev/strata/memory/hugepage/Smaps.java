package dev.strata.memory.hugepage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's view of one mapping of this process, from {@code /proc/self/smaps}: its bounds and how much of it sits
 * on transparent huge pages. Linux only; for tests.
 *
 * @param start the mapping's first address
 * @param end the address just past it
 * @param anonHugePageBytes the bytes of it backed by transparent huge pages ({@code AnonHugePages})
 */
record Smaps(long start, long end, long anonHugePageBytes) {

    private static final Pattern HEADER = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) ");

    /** {@return the mapping holding {@code address}, or null if none does} */
    static Smaps mappingOf(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        for (int i = 0; i < lines.size(); i++) {
            String[] range = headerRange(lines.get(i));
            if (range == null) {
                continue;
            }
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                return new Smaps(start, end, field(lines, i + 1, "AnonHugePages:"));
            }
        }
        return null;
    }

    /** {@return the two hex bounds of a mapping's header line ({@code 7f..-7f.. rw-p ...}), or null for a field} */
    private static String[] headerRange(String line) {
        Matcher header = HEADER.matcher(line);
        return header.lookingAt() ? new String[] {header.group(1), header.group(2)} : null;
    }

    /** {@return the value in bytes of the {@code name} field in the block starting at line {@code from}} */
    private static long field(List<String> lines, int from, String name) {
        for (int i = from; i < lines.size() && headerRange(lines.get(i)) == null; i++) {
            String line = lines.get(i);
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).replace("kB", "").strip()) * 1024;
            }
        }
        throw new IllegalStateException("no " + name + " for the mapping at line " + from + " of /proc/self/smaps");
    }

    /** {@return the mapping's length in bytes} */
    long length() {
        return end - start;
    }
}
