package dev.strata.memory.hugepage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.memory.SlabSource.Slab;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Huge-page slabs against the kernel's own account ({@code /proc/self/smaps}). Runs in the build's {@code huge-pages}
 * test run, whose JVM has {@code --enable-native-access=ALL-UNNAMED}; {@code HugePagesWithoutNativeAccessTest} covers
 * the default run.
 */
class HugePageSlabSourceTest {

    private static final long MIB = 1L << 20;
    private static final long HUGE = HugePageSlabSource.HUGE_PAGE_BYTES;

    private final HugePageSlabSource source = new HugePageSlabSource();

    @BeforeAll
    static void needsHugePages() {
        assertEquals("", HugePageSlabSource.unavailableReason().orElse(""),
                "this test run must be able to map huge-page slabs (it runs with native access, on Linux)");
    }

    @Test
    void aSlabStartsOnAHugePageBoundaryIsZeroedAndTheKernelBacksItWithHugePages() throws Exception {
        Slab slab = source.take(8 * MIB);
        try {
            MemorySegment segment = slab.segment();
            assertEquals(8 * MIB, segment.byteSize());
            assertEquals(0, segment.address() % HUGE, "starts on a 2 MiB boundary");
            for (long offset = 0; offset < segment.byteSize(); offset += 4096) {
                assertEquals(0L, segment.get(ValueLayout.JAVA_LONG, offset), "zeroed at " + offset);
                segment.set(ValueLayout.JAVA_LONG, offset, offset + 1);
            }
            assertEquals(8 * MIB - 4096 + 1, segment.get(ValueLayout.JAVA_LONG, 8 * MIB - 4096));

            Smaps mapping = Smaps.mappingOf(segment.address());
            assertNotNull(mapping, "the slab is a mapping of its own");
            assertEquals(segment.address(), mapping.start(), "the unaligned head was unmapped");
            assertTrue(mapping.anonHugePageBytes() >= HUGE,
                    "at least one 2 MiB page of the touched 8 MiB is huge: " + mapping);
            long onHugePages = source.hugePageBytes(List.of(segment));
            long again = Smaps.mappingOf(segment.address()).anonHugePageBytes();   // khugepaged may collapse more
            assertTrue(onHugePages >= mapping.anonHugePageBytes() && onHugePages <= again,
                    "the source reads what the kernel shows for the slab's mapping: " + onHugePages + ", "
                            + mapping + ", then " + again);
        } finally {
            slab.release();
        }
    }

    @Test
    void aSlabThatIsNotAWholeNumberOfHugePagesKeepsItsTailOnSmallPages() throws Exception {
        long size = 3 * MIB + 100;
        Slab slab = source.take(size);
        try {
            MemorySegment segment = slab.segment();
            assertEquals(size, segment.byteSize());
            segment.fill((byte) 7);
            Smaps mapping = Smaps.mappingOf(segment.address());
            assertNotNull(mapping);
            assertEquals(3 * MIB + 4096, mapping.length(), "mapped in whole 4 KiB pages, no more: " + mapping);
            assertTrue(mapping.anonHugePageBytes() <= HUGE, "only the first 2 MiB can be one huge page: " + mapping);
        } finally {
            slab.release();
        }
    }

    @Test
    void releasingUnmapsTheSlabAndKillsItsSegments() throws Exception {
        Slab slab = source.take(4 * MIB);
        MemorySegment segment = slab.segment();
        MemorySegment page = segment.asSlice(MIB, 64 * 1024);
        page.set(ValueLayout.JAVA_INT, 0, 42);
        long address = segment.address();

        slab.release();

        assertFalse(segment.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> page.get(ValueLayout.JAVA_INT, 0));
        Smaps after = Smaps.mappingOf(address);
        assertTrue(after == null || after.start() != address, "the slab's mapping is gone: " + after);
        assertThrows(IllegalStateException.class, slab::release, "a second release is a double free");
    }

    @Test
    void aSlabTheKernelCannotMapIsAnOutOfMemoryErrorNamingTheCall() throws Exception {
        Path overcommit = Path.of("/proc/sys/vm/overcommit_memory");
        assumeTrue(Files.isReadable(overcommit) && !Files.readString(overcommit).trim().equals("1"),
                "needs a kernel that refuses impossible mappings (overcommit_memory 0 or 2)");
        OutOfMemoryError refused = assertThrows(OutOfMemoryError.class, () -> source.take(1L << 46));
        assertTrue(refused.getMessage().startsWith("mmap of ") && refused.getMessage().contains("ENOMEM"),
                refused.getMessage());
    }

    @Test
    void sizesOutsideTheSourcesRangeAreRefused() {
        for (long size : new long[] {0, -1, (1L << 46) + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source.take(size));
            assertTrue(e.getMessage().startsWith("byteSize: " + size + " "), e.getMessage());
        }
    }
}
