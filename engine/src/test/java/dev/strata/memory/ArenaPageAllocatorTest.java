package dev.strata.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryBudgetExceededException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What only some slab sources promise: arena memory dies at close; JDK refusals become budget exceptions. */
class ArenaPageAllocatorTest {

    private static final long TIB = 1L << 40;

    @Test
    void closingAnArenaAllocatorKillsEverySegmentOfItsSlabs() {
        PageAllocator allocator = AllocatorFixtures.small(SlabSourceKind.ARENA, "arena-close");
        Page page = allocator.allocate("owner");
        MemorySegment kept = page.segment();
        kept.set(ValueLayout.JAVA_LONG, 0, 7L);
        allocator.free(page);
        assertEquals(7L, kept.get(ValueLayout.JAVA_LONG, 0), "a kept segment stays readable until close (documented)");
        allocator.close();
        assertFalse(kept.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> kept.set(ValueLayout.JAVA_LONG, 0, 1L));
    }

    @Test
    void aSlabTheOperatingSystemRefusesBecomesABudgetException() throws Exception {
        Path overcommit = Path.of("/proc/sys/vm/overcommit_memory");
        Assumptions.assumeTrue(Files.isReadable(overcommit) && !Files.readString(overcommit).trim().equals("1"),
                "needs a kernel that refuses impossible allocations (overcommit_memory 0 or 2)");
        long page = PageAllocatorConfig.MAX_PAGE_SIZE;
        try (PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("arena-refused", SlabSourceKind.ARENA,
                page, 16 * TIB, 16 * TIB, true, false))) {
            MemoryBudgetExceededException refused = assertThrows(MemoryBudgetExceededException.class,
                    () -> allocator.allocate("owner"));
            assertTrue(refused.getMessage().contains("the JDK refused"), refused.getMessage());
            assertEquals(page, refused.requestedBytes());
            assertEquals(null, allocator.tryAllocate("owner"));
            AllocatorFixtures.assertBalanced(allocator, 0);
            assertEquals(0, allocator.stats().slabs());
        }
    }

    @Test
    void aHeapSlabLargerThanTheHeapBecomesABudgetException() {
        long slab = SlabSourceKind.HEAP.maxSlabBytes();
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < slab, "needs a heap smaller than 8 GiB");
        try (PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("heap-refused", SlabSourceKind.HEAP,
                PageAllocatorConfig.MAX_PAGE_SIZE, slab, slab, true, false))) {
            MemoryBudgetExceededException refused = assertThrows(MemoryBudgetExceededException.class,
                    () -> allocator.allocate("owner"));
            assertTrue(refused.getMessage().contains("the JDK refused"), refused.getMessage());
            assertEquals(0, refused.availableBytes());
        }
    }
}
