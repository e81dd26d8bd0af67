package dev.strata.it.scenario;

import static dev.strata.it.scenario.Caught.thrownBy;

import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Closing an {@code ARENA} allocator gives its memory back to the operating system at once, with no garbage collection
 * involved (run by {@code ArenaCloseReturnsMemoryIT}).
 *
 * <p>A 512 MiB allocator (64 KiB pages) hands out every page; each page is written in full so it is resident. After
 * freeing the pages the scenario reads the GC counts, closes the allocator, and reads {@code VmRSS} and the GC counts
 * again. It does this once per argument, with that slab size; facts of round {@code n} are prefixed {@code roundN.}:
 * {@code slabSize}, {@code pages}, {@code rss.start}, {@code rss.touched}, {@code rss.closed}, {@code rss.returned}
 * ({@code touched - closed}), {@code gc.beforeClose}, {@code gc.afterClose}. A segment kept past the close must fail
 * with {@link IllegalStateException}, not crash the JVM.
 *
 * <p>Why the slab size matters from the second round on (measured on JDK 25, glibc, x86-64): arena memory comes from
 * {@code malloc}. glibc serves a request from {@code mmap} (and gives it back with {@code munmap} on free) only if it
 * is at least its mmap threshold, and freeing an mmapped block raises that threshold to the block's size, up to
 * 32 MiB. After a first round of 16 MiB slabs, later 16 MiB slabs come from the malloc heap instead, and closing
 * them left up to 144 MiB of 512 MiB resident (still reusable by the process, but not returned). Slabs above 32 MiB
 * (the JDK adds the alignment to the request, so 32 MiB slabs qualify) are always mmapped and always returned.
 */
public final class ArenaCloseScenario {

    static final long BUDGET = 512L << 20;
    static final long PAGE = 64L << 10;

    private ArenaCloseScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args the slab size of each round in MiB, for example {@code 16 64}
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            for (int round = 1; round <= args.length; round++) {
                fillTouchAndClose(report, "round" + round + ".", Long.parseLong(args[round - 1]) << 20);
            }
        });
    }

    private static void fillTouchAndClose(ScenarioReport report, String prefix, long slabSize) {
        PageAllocatorConfig config = new PageAllocatorConfig("it-arena-close", SlabSourceKind.ARENA, PAGE, slabSize,
                BUDGET, true, false);
        long rssStart = ProcessMemory.residentBytes();
        PageAllocator allocator = PageAllocator.create(config);
        List<Page> pages = new ArrayList<>();
        for (Page page = allocator.tryAllocate("touch"); page != null; page = allocator.tryAllocate("touch")) {
            page.segment().fill((byte) 0x5A);
            pages.add(page);
        }
        long rssTouched = ProcessMemory.residentBytes();
        MemorySegment keptPastClose = pages.getFirst().segment();
        pages.forEach(allocator::free);

        long gcBeforeClose = ProcessMemory.gcCollections();
        allocator.close();
        long rssClosed = ProcessMemory.residentBytes();
        long gcAfterClose = ProcessMemory.gcCollections();

        report.put(prefix + "slabSize", slabSize);
        report.put(prefix + "pages", pages.size());
        report.put(prefix + "rss.start", rssStart);
        report.put(prefix + "rss.touched", rssTouched);
        report.put(prefix + "rss.closed", rssClosed);
        report.put(prefix + "rss.returned", rssTouched - rssClosed);
        report.put(prefix + "gc.beforeClose", gcBeforeClose);
        report.put(prefix + "gc.afterClose", gcAfterClose);
        report.check(prefix + "allPagesOfBudget", pages.size() == config.budgetPages());
        report.check(prefix + "touchedPagesResident", rssTouched - rssStart >= BUDGET * 8 / 10);
        report.check(prefix + "closeReturnsMemory", rssTouched - rssClosed >= BUDGET * 8 / 10);
        report.check(prefix + "noGcDuringClose", gcBeforeClose == gcAfterClose);

        Throwable access = thrownBy(() -> keptPastClose.get(ValueLayout.JAVA_BYTE, 0));
        report.putThrown(prefix + "accessAfterClose", access);
        report.check(prefix + "accessAfterCloseIsIllegalState", access instanceof IllegalStateException);
    }
}
