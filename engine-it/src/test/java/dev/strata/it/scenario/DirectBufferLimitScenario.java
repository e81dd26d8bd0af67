package dev.strata.it.scenario;

import static dev.strata.it.scenario.Caught.thrownBy;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.MemoryBudgetExceededException;
import dev.strata.OffHeapBackend;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.PageAllocatorStats;
import dev.strata.memory.SlabSourceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code DIRECT_BUFFER} backend against {@code -XX:MaxDirectMemorySize=64m} (run by
 * {@code DirectBufferLimitIT}, which passes that flag).
 *
 * <ol>
 *   <li>{@code fill}: an allocator with a 64 MiB budget (64 KiB pages, 4 MiB slabs) hands out exactly 1024 pages, the
 *       JDK's {@code direct} pool then holds at most 64 MiB, and one more {@code allocate} throws
 *       {@link MemoryBudgetExceededException}.
 *   <li>{@code beyond}: an allocator whose 128 MiB budget is past the JVM's limit (created directly, bypassing the
 *       engine's check) stops at the JVM's limit with {@link MemoryBudgetExceededException}, never
 *       {@link OutOfMemoryError}, and keeps working afterwards. The {@code fill} allocator's buffers are garbage by
 *       then; the JDK collects them when {@code allocateDirect} reaches the limit.
 *   <li>{@code engine}: {@code Engine.builder().offHeap(128 MiB, DIRECT_BUFFER).build()} is refused with an
 *       {@link IllegalArgumentException} that names 128 MiB and 64 MiB.
 * </ol>
 * Each step runs in its own method so no frame keeps an earlier step's pages reachable.
 */
public final class DirectBufferLimitScenario {

    static final long JVM_LIMIT = 64L << 20;
    static final long PAGE = 64L << 10;
    static final long SLAB = 4L << 20;

    private DirectBufferLimitScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            report.put("jvm.maxDirectMemorySize", JVM_LIMIT);
            fillBudget(report);
            exceedJvmLimit(report);
            engineRefusesRegionAboveLimit(report);
        });
    }

    private static void fillBudget(ScenarioReport report) {
        PageAllocatorConfig config = new PageAllocatorConfig("it-direct-fill", SlabSourceKind.DIRECT_BUFFER, PAGE, SLAB,
                JVM_LIMIT, true, false);
        List<Page> pages = new ArrayList<>();
        try (PageAllocator allocator = PageAllocator.create(config)) {
            for (Page page = allocator.tryAllocate("fill"); page != null; page = allocator.tryAllocate("fill")) {
                pages.add(page);
            }
            long directUsed = ProcessMemory.directBufferBytesUsed();
            report.put("fill.pages", pages.size());
            report.put("fill.bytesReserved", allocator.stats().bytesReserved());
            report.put("fill.directUsed", directUsed);
            report.put("fill.directCount", ProcessMemory.directBufferCount());
            report.check("fill.allPagesOfBudget", pages.size() == config.budgetPages());
            report.check("fill.directUsedWithinLimit", directUsed <= JVM_LIMIT);

            Throwable oneMore = thrownBy(() -> allocator.allocate("one more"));
            report.putThrown("fill.oneMore", oneMore);
            report.check("fill.oneMoreThrowsBudgetExceeded", oneMore instanceof MemoryBudgetExceededException);
            if (oneMore instanceof MemoryBudgetExceededException e) {
                report.put("fill.oneMore.requestedBytes", e.requestedBytes());
                report.put("fill.oneMore.availableBytes", e.availableBytes());
            }
            pages.forEach(allocator::free);
        }
    }

    private static void exceedJvmLimit(ScenarioReport report) {
        PageAllocatorConfig config = new PageAllocatorConfig("it-direct-beyond", SlabSourceKind.DIRECT_BUFFER, PAGE, SLAB,
                2 * JVM_LIMIT, true, false);
        List<Page> pages = new ArrayList<>();
        try (PageAllocator allocator = PageAllocator.create(config)) {
            Throwable thrown = null;
            try {
                while (pages.size() <= config.budgetPages()) {
                    pages.add(allocator.allocate("beyond"));
                }
            } catch (Throwable t) {
                thrown = t;
            }
            PageAllocatorStats stats = allocator.stats();
            report.putThrown("beyond", thrown);
            report.put("beyond.pages", pages.size());
            report.put("beyond.bytesReserved", stats.bytesReserved());
            report.put("beyond.slabs", stats.slabs());
            report.put("beyond.directUsed", ProcessMemory.directBufferBytesUsed());
            report.check("beyond.throwsBudgetExceeded", thrown instanceof MemoryBudgetExceededException);
            report.check("beyond.stopsAtJvmLimit", stats.bytesReserved() <= JVM_LIMIT && stats.bytesReserved() > 0);

            if (!pages.isEmpty()) {
                allocator.free(pages.removeLast());
                Throwable again = thrownBy(() -> pages.add(allocator.allocate("after failure")));
                report.putThrown("beyond.afterFailure", again);
                report.check("beyond.pageReusableAfterFailure", again == null);
            }
            pages.forEach(allocator::free);
        }
    }

    private static void engineRefusesRegionAboveLimit(ScenarioReport report) {
        DataSize offHeap = DataSize.ofBytes(2 * JVM_LIMIT);
        Throwable thrown = thrownBy(() -> {
            try (Engine engine = Engine.builder().offHeap(offHeap, OffHeapBackend.DIRECT_BUFFER).build()) {
                report.put("engine.built", engine.name());
            }
        });
        report.putThrown("engine", thrown);
        String message = thrown == null ? "" : String.valueOf(thrown.getMessage());
        report.check("engine.refusedWithIllegalArgument", thrown instanceof IllegalArgumentException);
        report.check("engine.messageNamesBothSizes",
                message.contains(offHeap.toString()) && message.contains(DataSize.format(JVM_LIMIT)));
    }
}
