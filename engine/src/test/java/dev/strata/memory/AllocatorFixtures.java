package dev.strata.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.memory.hugepage.HugePageSlabSource;
import java.util.Optional;

/** Shared configurations and the invariant checker every allocator test runs after each step. */
final class AllocatorFixtures {

    static final long PAGE = 4096;
    /** Four pages per slab. */
    static final long SLAB = 4 * PAGE;
    /** Ten pages: slabs of 4, 4 and 2 pages (the last one cut to the budget). */
    static final long BUDGET = 10 * PAGE;

    private AllocatorFixtures() {
    }

    /**
     * Skips the test where this JVM cannot map {@code kind}'s slabs: {@code HUGE_PAGES} needs native access, which the
     * default test run does not have and the build's {@code huge-pages} run has.
     */
    static void assumeAvailable(SlabSourceKind kind) {
        if (kind == SlabSourceKind.HUGE_PAGES) {
            Optional<String> reason = HugePageSlabSource.unavailableReason();
            assumeTrue(reason.isEmpty(), reason::get);
        }
    }

    /** {@return the small configuration: 4 KiB pages, 4 to a slab, 10 in the budget} Skips an unavailable kind. */
    static PageAllocatorConfig config(SlabSourceKind kind, String name, boolean strict) {
        assumeAvailable(kind);
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
