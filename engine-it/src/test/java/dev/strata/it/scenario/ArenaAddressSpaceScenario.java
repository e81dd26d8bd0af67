package dev.strata.it.scenario;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.PageAllocatorStats;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code ARENA} allocator whose budget is larger than the process's address-space limit (run by
 * {@code ArenaCloseReturnsMemoryIT} under {@code prlimit --as}; the limit in bytes is {@code args[0]}).
 *
 * <p>{@code ARENA} memory is not counted against {@code MaxDirectMemorySize}, so here the operating system is the one
 * that refuses: {@code malloc} fails, the JDK throws {@link OutOfMemoryError}, and the allocator must turn that into
 * {@link MemoryBudgetExceededException}. The scenario allocates 1 MiB pages from 64 MiB slabs until it fails, checks
 * the failure, that a freed page can be had again, that closing gives the address space back ({@code VmSize}), and
 * that a fresh 256 MiB allocator then gets all its pages.
 *
 * <p>While the address space is nearly used up, any {@code malloc} in the JVM (say a JIT compiler thread's) could
 * fail and abort the JVM. To keep that window closed the scenario holds a 64 MiB ballast segment while it fills the
 * address space and closes it first thing after the failure.
 */
public final class ArenaAddressSpaceScenario {

    static final long PAGE = 1L << 20;
    static final long SLAB = 64L << 20;
    static final long BALLAST = 64L << 20;
    static final long AFTER_CLOSE_BUDGET = 256L << 20;

    private ArenaAddressSpaceScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args {@code args[0]}: the address-space limit in bytes
     */
    public static void main(String[] args) {
        long limit = Long.parseLong(args[0]);
        ScenarioReport.run(report -> run(report, limit));
    }

    private static void run(ScenarioReport report, long limit) {
        long budget = 2 * limit;
        report.put("limit", limit);
        report.put("budget", budget);
        report.put("vm.start", ProcessMemory.virtualBytes());
        PageAllocator allocator = PageAllocator.create(
                new PageAllocatorConfig("it-arena-beyond-as", SlabSourceKind.ARENA, PAGE, SLAB, budget, true, false));
        List<Page> pages = new ArrayList<>();
        Throwable thrown = fillUntilRefused(allocator, pages, budget / PAGE);
        PageAllocatorStats stats = allocator.stats();
        report.putThrown("fill", thrown);
        report.put("fill.pages", pages.size());
        report.put("fill.bytesReserved", stats.bytesReserved());
        long vmFull = ProcessMemory.virtualBytes();
        report.put("vm.full", vmFull);
        report.check("fill.throwsBudgetExceeded", thrown instanceof MemoryBudgetExceededException);
        report.check("fill.stopsBelowLimit", stats.bytesReserved() > 0 && stats.bytesReserved() < limit);

        allocator.free(pages.removeLast());
        Page again = allocator.tryAllocate("after failure");
        report.check("fill.pageReusableAfterFailure", again != null);
        if (again != null) {
            pages.add(again);
        }
        pages.forEach(allocator::free);
        allocator.close();
        long vmClosed = ProcessMemory.virtualBytes();
        report.put("vm.closed", vmClosed);
        report.check("closeReturnsAddressSpace", vmFull - vmClosed >= stats.bytesReserved() * 9 / 10);

        allocateAllAfterClose(report);
    }

    /** {@return what stopped the allocation, or null if the whole budget was had} Holds a ballast meanwhile. */
    private static Throwable fillUntilRefused(PageAllocator allocator, List<Page> pages, long budgetPages) {
        Arena ballast = Arena.ofShared();
        ballast.allocate(BALLAST);
        try {
            while (pages.size() < budgetPages) {
                pages.add(allocator.allocate("fill"));
            }
            return null;
        } catch (Throwable t) {
            return t;
        } finally {
            ballast.close();
        }
    }

    private static void allocateAllAfterClose(ScenarioReport report) {
        PageAllocatorConfig config = new PageAllocatorConfig("it-arena-after-close", SlabSourceKind.ARENA, PAGE, SLAB,
                AFTER_CLOSE_BUDGET, true, false);
        List<Page> pages = new ArrayList<>();
        try (PageAllocator allocator = PageAllocator.create(config)) {
            for (Page page = allocator.tryAllocate("again"); page != null; page = allocator.tryAllocate("again")) {
                pages.add(page);
            }
            report.put("afterClose.pages", pages.size());
            report.check("afterClose.allPagesOfBudget", pages.size() == config.budgetPages());
            pages.forEach(allocator::free);
        }
    }
}
