package dev.strata.memory.hugepage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much of some memory the kernel backs with transparent huge pages now, read from {@code /proc/self/smaps}: each
 * mapping there gives its bounds on a header line and, among its fields, {@code AnonHugePages}.
 *
 * <pre>
 *   7f3c00000000-7f3c04000000 rw-p 00000000 00:00 0        a mapping's bounds (hex), then its fields:
 *   ...
 *   AnonHugePages:     61440 kB                            the bytes of it on huge pages
 * </pre>
 *
 * A mapping holding a slab counts in full when it lies within the slabs; one the kernel merged with memory beside
 * them counts with at most the bytes it shares with them (the file does not say where in a mapping its huge pages
 * are). Linux only. Reading the file takes the kernel's lock on the process's mappings and lists all of them, so a
 * call costs milliseconds; it is for statistics, not for a hot path. Stateless and thread-safe.
 */
final class HugePageUsage {

    static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final String FIELD = "AnonHugePages:";

    private HugePageUsage() {
    }

    /**
     * {@return the bytes of {@code slabs} that {@code smaps} (a file in the format of {@code /proc/self/smaps}) shows
     * on huge pages}
     *
     * @param slabs the memory to look for, as segments of native memory (only their bounds are read)
     * @param smaps the file to read
     * @throws UncheckedIOException if the file could not be read
     */
    static long backedBytes(List<MemorySegment> slabs, Path smaps) {
        long[] starts = new long[slabs.size()];
        long[] ends = new long[slabs.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = slabs.get(i).address();
            ends[i] = starts[i] + slabs.get(i).byteSize();
        }
        return backedBytes(starts, ends, smaps);
    }

    /**
     * {@return the bytes of the ranges {@code starts[i]} to {@code ends[i]} (each end just past its range; the ranges
     * do not overlap) that {@code smaps} shows on huge pages}
     *
     * @throws UncheckedIOException if the file could not be read
     */
    static long backedBytes(long[] starts, long[] ends, Path smaps) {
        if (starts.length == 0) {
            return 0;
        }
        long backed = 0;
        long shared = 0;
        try (BufferedReader reader = Files.newBufferedReader(smaps)) {
            for (String line; (line = reader.readLine()) != null; ) {
                long[] bounds = headerBounds(line);
                if (bounds != null) {
                    shared = sharedBytes(bounds[0], bounds[1], starts, ends);
                } else if (shared > 0 && line.startsWith(FIELD)) {
                    backed += Math.min(shared, kibibytes(line) * 1024);
                    shared = 0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + smaps, e);
        }
        return backed;
    }

    /** {@return the bytes the mapping from {@code start} to {@code end} shares with the ranges} */
    private static long sharedBytes(long start, long end, long[] starts, long[] ends) {
        long shared = 0;
        for (int i = 0; i < starts.length; i++) {
            long from = Math.max(start, starts[i]);
            long to = Math.min(end, ends[i]);
            if (to > from) {
                shared += to - from;
            }
        }
        return shared;
    }

    /** {@return a mapping's bounds from its header line ({@code start-end perms ...}), or null for a field line} */
    private static long[] headerBounds(String line) {
        int dash = line.indexOf('-');
        int space = line.indexOf(' ');
        if (dash <= 0 || space <= dash || !isHex(line, 0, dash) || !isHex(line, dash + 1, space)) {
            return null;
        }
        return new long[] {Long.parseUnsignedLong(line, 0, dash, 16), Long.parseUnsignedLong(line, dash + 1, space, 16)};
    }

    private static boolean isHex(String line, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(line.charAt(i), 16) < 0) {
                return false;
            }
        }
        return to > from;
    }

    /** {@return the number of a field line ({@code Name:   123 kB})} */
    private static long kibibytes(String line) {
        return Long.parseLong(line.substring(FIELD.length()).replace("kB", "").strip());
    }
}
