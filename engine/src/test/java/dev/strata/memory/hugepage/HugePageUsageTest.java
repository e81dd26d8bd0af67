package dev.strata.memory.hugepage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HugePageUsage} reads a file in the format of {@code /proc/self/smaps}, written here with mappings inside,
 * around, beside and across the ranges asked about. Needs no native access: only the parsing is under test here;
 * {@code HugePageSlabSourceTest} reads the real file for real slabs.
 */
class HugePageUsageTest {

    private static final long MIB = 1L << 20;
    private static final long BASE = 0x7f00_0000_0000L;

    @TempDir
    Path dir;

    @Test
    void mappingsWithinTheRangesCountWholeAndOthersNotAtAll() throws Exception {
        Path smaps = write(
                mapping(BASE, BASE + 8 * MIB, 6 * 1024),                 // a slab: 6 MiB of its 8 on huge pages
                mapping(BASE + 8 * MIB, BASE + 16 * MIB, 8 * 1024),      // a second slab, whole
                mapping(BASE + 32 * MIB, BASE + 40 * MIB, 8 * 1024));    // not a slab
        long[] starts = {BASE, BASE + 8 * MIB};
        long[] ends = {BASE + 8 * MIB, BASE + 16 * MIB};
        assertEquals(14 * MIB, HugePageUsage.backedBytes(starts, ends, smaps));
    }

    @Test
    void aMappingMergedWithMemoryBesideTheRangesCountsAtMostWhatItSharesWithThem() throws Exception {
        Path smaps = write(mapping(BASE, BASE + 16 * MIB, 12 * 1024));   // a 4 MiB slab merged with 12 MiB of other
        assertEquals(4 * MIB, HugePageUsage.backedBytes(new long[] {BASE + 4 * MIB}, new long[] {BASE + 8 * MIB}, smaps));
        Path fewer = write(mapping(BASE, BASE + 16 * MIB, 2 * 1024));
        assertEquals(2 * MIB, HugePageUsage.backedBytes(new long[] {BASE + 4 * MIB}, new long[] {BASE + 8 * MIB}, fewer));
    }

    @Test
    void fieldLinesThatLookLikeRangesAreNotTakenForMappings() throws Exception {
        Path smaps = write(mapping(BASE, BASE + 4 * MIB, 2 * 1024) + "VmFlags: rd wr mr mw me ac sd hg\n"
                + "ProtectionKey:         0\n" + "THPeligible:    1\n",
                mapping(BASE + 4 * MIB, BASE + 8 * MIB, 4 * 1024));
        assertEquals(6 * MIB, HugePageUsage.backedBytes(new long[] {BASE}, new long[] {BASE + 8 * MIB}, smaps));
        assertEquals(0, HugePageUsage.backedBytes(new long[0], new long[0], smaps));
    }

    @Test
    void anUnreadableFileIsAnUncheckedIoExceptionNamingIt() {
        Path missing = dir.resolve("no-smaps");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> HugePageUsage.backedBytes(new long[] {BASE}, new long[] {BASE + MIB}, missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    /** {@return one mapping's block as the kernel writes it, with {@code anonHugeKib} kB on huge pages} */
    private static String mapping(long start, long end, long anonHugeKib) {
        return Long.toHexString(start) + "-" + Long.toHexString(end) + " rw-p 00000000 00:00 0 \n"
                + "Size:            " + (end - start) / 1024 + " kB\n"
                + "KernelPageSize:        4 kB\n"
                + "Rss:             " + (end - start) / 1024 + " kB\n"
                + "AnonHugePages:   " + anonHugeKib + " kB\n"
                + "ShmemPmdMapped:        0 kB\n";
    }

    private Path write(String... mappings) throws Exception {
        Path file = Files.createTempFile(dir, "smaps", "");
        Files.writeString(file, String.join("", mappings));
        return file;
    }
}
