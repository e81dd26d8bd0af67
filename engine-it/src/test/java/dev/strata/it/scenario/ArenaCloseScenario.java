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
 * <p>A 512 MiB allocator (64 KiB pages, 16 MiB slabs) hands out every page; each page is written in full so it is
 * resident. After freeing the pages the scenario reads the GC counts, closes the allocator, and reads {@code VmRSS}
 * and the GC counts again. Facts: {@code rss.start}, {@code rss.touched}, {@code rss.closed}, {@code rss.returned}
 * ({@code touched - closed}), {@code gc.beforeClose}, {@code gc.afterClose}. A segment kept past the close must fail
 * with {@link IllegalStateException}, not crash the JVM.
 */
public final class ArenaCloseScenario {

    static final long BUDGET = 512L << 20;
    static final long PAGE = 64L << 10;
    static final long SLAB = 16L << 20;

    private ArenaCloseScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        ScenarioReport.run(ArenaCloseScenario::run);
    }

    private static void run(ScenarioReport report) {
        PageAllocatorConfig config = new PageAllocatorConfig("it-arena-close", SlabSourceKind.ARENA, PAGE, SLAB, BUDGET,
                true, false);
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

        report.put("pages", pages.size());
        report.put("rss.start", rssStart);
        report.put("rss.touched", rssTouched);
        report.put("rss.closed", rssClosed);
        report.put("rss.returned", rssTouched - rssClosed);
        report.put("gc.beforeClose", gcBeforeClose);
        report.put("gc.afterClose", gcAfterClose);
        report.check("allPagesOfBudget", pages.size() == config.budgetPages());
        report.check("touchedPagesResident", rssTouched - rssStart >= BUDGET * 8 / 10);
        report.check("closeReturnsMemory", rssTouched - rssClosed >= BUDGET * 8 / 10);
        report.check("noGcDuringClose", gcBeforeClose == gcAfterClose);

        Throwable access = thrownBy(() -> keptPastClose.get(ValueLayout.JAVA_BYTE, 0));
        report.putThrown("accessAfterClose", access);
        report.check("accessAfterCloseIsIllegalState", access instanceof IllegalStateException);
    }
}
