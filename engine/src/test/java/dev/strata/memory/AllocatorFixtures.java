package dev.strata.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared configurations and the invariant checker every allocator test runs after each step. */
final class AllocatorFixtures {

    static final long PAGE = 4096;
    /** Four pages per slab. */
    static final long SLAB = 4 * PAGE;
    /** Ten pages: slabs of 4, 4 and 2 pages (the last one cut to the budget). */
    static final long BUDGET = 10 * PAGE;

    private AllocatorFixtures() {
    }

    static PageAllocatorConfig config(SlabSourceKind kind, String name, boolean strict) {
        return new PageAllocatorConfig(name, kind, PAGE, SLAB, BUDGET, strict, false);
    }

    static PageAllocator small(SlabSourceKind kind, String name) {
        return PageAllocator.create(config(kind, name, true));
    }

    /**
     * Checks the allocator's invariants at a quiescent point: counts balance, the free stack holds exactly the free
     * pages, reserved bytes are whole slabs within the budget, and {@code expectedUsed} pages are allocated.
     */
    static void assertBalanced(PageAllocator allocator, long expectedUsed) {
        PageAllocatorStats stats = allocator.stats();
        assertEquals(expectedUsed, stats.pagesUsed(), () -> "pagesUsed in " + stats);
        assertEquals(stats.pagesTotal(), stats.pagesUsed() + stats.pagesFree(), () -> "used + free == total in " + stats);
        assertEquals(stats.pagesFree(), allocator.freeStackSizeWhenQuiescent(), () -> "free stack size in " + stats);
        assertEquals(stats.pagesTotal() * stats.pageSize(), stats.bytesReserved(), () -> "reserved == pages in " + stats);
        assertTrue(stats.bytesReserved() <= stats.budgetBytes(), () -> "reserved <= budget in " + stats);
        long fullSlabs = stats.bytesReserved() / allocator.config().slabSize();
        long expectedSlabs = fullSlabs + (stats.bytesReserved() % allocator.config().slabSize() == 0 ? 0 : 1);
        assertEquals(expectedSlabs, stats.slabs(), () -> "slab count in " + stats);
    }
}
