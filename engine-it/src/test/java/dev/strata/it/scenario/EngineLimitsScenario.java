package dev.strata.it.scenario;

import static dev.strata.it.scenario.Caught.thrownBy;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.EngineStats;
import dev.strata.MemoryMode;
import dev.strata.MemoryPlan;
import dev.strata.OffHeapBackend;
import java.lang.management.ManagementFactory;
import java.util.function.Function;

/**
 * {@link Engine.Builder#build()} against the JVM's real limits (run by {@code EngineLimitsIT} with a small
 * {@code -Xmx}, with and without {@code -XX:MaxDirectMemorySize}).
 *
 * <p>The scenario works out the limits itself as the JDK states them: the direct-memory limit is
 * {@code MaxDirectMemorySize}, or {@link Runtime#maxMemory()} when that option is unset (it then reads 0). It checks
 * that
 * <ul>
 *   <li>{@code directRefused}: a {@code DIRECT_BUFFER} off-heap region of twice that limit is refused with an
 *       {@link IllegalArgumentException} naming both sizes and {@code MaxDirectMemorySize};
 *   <li>{@code heapRefused}: a heap region of 1 GiB is refused, naming 1 GiB and the max heap;
 *   <li>{@code arenaBeyondDirectLimit}: an {@code ARENA} region of the same size builds (arena memory is not counted
 *       against {@code MaxDirectMemorySize}) and closes;
 *   <li>{@code directBoundary}: a {@code DIRECT_BUFFER} region of the limit rounded down to whole pages builds; one
 *       page more is refused naming both sizes;
 *   <li>{@code heapBoundary}: a heap region of what the heap can give (rounded down to whole pages) builds; one page
 *       more is refused naming both sizes;
 *   <li>{@code withinLimits}: an engine with small regions builds, reports its regions, closes, and refuses
 *       {@code stats()} afterwards with {@link IllegalStateException}; a second engine of the same size builds.
 * </ul>
 */
public final class EngineLimitsScenario {

    static final DataSize PAGE = DataSize.ofKibibytes(64);
    static final DataSize SMALL_REGION = DataSize.ofMebibytes(8);

    private EngineLimitsScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        ScenarioReport.run(EngineLimitsScenario::run);
    }

    private static void run(ScenarioReport report) {
        long maxHeap = Runtime.getRuntime().maxMemory();
        long configuredMaxDirect = configuredMaxDirectMemorySize();
        long directLimit = configuredMaxDirect > 0 ? configuredMaxDirect : maxHeap;
        report.put("jvm.maxHeap", maxHeap);
        report.put("jvm.maxDirectMemorySize", configuredMaxDirect);
        report.put("jvm.directLimit", directLimit);

        DataSize beyondDirect = DataSize.ofBytes(2 * directLimit / PAGE.bytes() * PAGE.bytes());
        directRefused(report, beyondDirect, directLimit);
        heapRefused(report, maxHeap);
        arenaBeyondDirectLimit(report, beyondDirect);
        boundary(report, "directBoundary", directLimit,
                size -> Engine.builder().offHeap(size, OffHeapBackend.DIRECT_BUFFER).heap(SMALL_REGION).pageSize(PAGE));
        long usableHeap = maxHeap - MemoryPlan.reservedHeap(maxHeap);
        report.put("jvm.usableHeap", usableHeap);
        boundary(report, "heapBoundary", usableHeap, size -> Engine.builder().heap(size).pageSize(PAGE));
        withinLimits(report);
        withinLimits(report);
    }

    private static void directRefused(ScenarioReport report, DataSize offHeap, long directLimit) {
        Throwable thrown = thrownBy(() -> Engine.builder().offHeap(offHeap, OffHeapBackend.DIRECT_BUFFER)
                .heap(SMALL_REGION).pageSize(PAGE).build().close());
        String message = messageOf(thrown);
        report.put("directRefused.offHeap", offHeap);
        report.putThrown("directRefused", thrown);
        report.check("directRefused.illegalArgument", thrown instanceof IllegalArgumentException);
        report.check("directRefused.namesBothSizes", message.contains(offHeap.toString())
                && message.contains(DataSize.format(directLimit)) && message.contains("MaxDirectMemorySize"));
    }

    private static void heapRefused(ScenarioReport report, long maxHeap) {
        DataSize heap = DataSize.ofGibibytes(1);
        Throwable thrown = thrownBy(() -> Engine.builder().heap(heap).pageSize(PAGE).build().close());
        String message = messageOf(thrown);
        report.putThrown("heapRefused", thrown);
        report.check("heapRefused.illegalArgument", thrown instanceof IllegalArgumentException);
        report.check("heapRefused.namesBothSizes",
                message.contains(heap.toString()) && message.contains(DataSize.format(maxHeap)));
    }

    private static void arenaBeyondDirectLimit(ScenarioReport report, DataSize offHeap) {
        Throwable thrown = thrownBy(() -> {
            try (Engine engine = Engine.builder().offHeap(offHeap, OffHeapBackend.ARENA).heap(SMALL_REGION)
                    .pageSize(PAGE).build()) {
                report.put("arenaBeyondDirectLimit.offHeapRegion",
                        engine.stats().pool(MemoryMode.OFF_HEAP).regionBytes());
            }
        });
        report.putThrown("arenaBeyondDirectLimit", thrown);
        report.check("arenaBeyondDirectLimit.builds", thrown == null);
    }

    /** The largest whole-page size within {@code limit} builds; one page more is refused naming both. */
    private static void boundary(ScenarioReport report, String prefix, long limit,
                                 Function<DataSize, Engine.Builder> builder) {
        DataSize atLimit = DataSize.ofBytes(limit / PAGE.bytes() * PAGE.bytes());
        DataSize over = DataSize.ofBytes(atLimit.bytes() + PAGE.bytes());
        Throwable atLimitThrown = thrownBy(() -> builder.apply(atLimit).build().close());
        Throwable overThrown = thrownBy(() -> builder.apply(over).build().close());
        String message = messageOf(overThrown);
        report.putThrown(prefix + ".atLimit", atLimitThrown);
        report.putThrown(prefix + ".over", overThrown);
        report.check(prefix + ".atLimitBuilds", atLimitThrown == null);
        report.check(prefix + ".onePageOverRefused", overThrown instanceof IllegalArgumentException
                && message.contains(over.toString()) && message.contains(DataSize.format(limit)));
    }

    private static void withinLimits(ScenarioReport report) {
        Throwable thrown = thrownBy(() -> {
            Engine engine = Engine.builder().offHeap(SMALL_REGION, OffHeapBackend.DIRECT_BUFFER).heap(SMALL_REGION)
                    .pageSize(PAGE).build();
            EngineStats stats = engine.stats();
            report.put("withinLimits.offHeapRegion", stats.pool(MemoryMode.OFF_HEAP).regionBytes());
            report.put("withinLimits.heapRegion", stats.pool(MemoryMode.ON_HEAP).regionBytes());
            report.check("withinLimits.regionsAsAsked",
                    stats.pool(MemoryMode.OFF_HEAP).regionBytes() == SMALL_REGION.bytes()
                            && stats.pool(MemoryMode.ON_HEAP).regionBytes() == SMALL_REGION.bytes());
            engine.close();
            Throwable afterClose = thrownBy(engine::stats);
            report.putThrown("withinLimits.statsAfterClose", afterClose);
            report.check("withinLimits.statsAfterCloseIsIllegalState", afterClose instanceof IllegalStateException);
        });
        report.putThrown("withinLimits", thrown);
        report.check("withinLimits.buildsAndCloses", thrown == null);
    }

    private static long configuredMaxDirectMemorySize() {
        HotSpotDiagnosticMXBean diagnostics = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return Long.parseLong(diagnostics.getVMOption("MaxDirectMemorySize").getValue());
    }

    private static String messageOf(Throwable thrown) {
        return thrown == null ? "" : String.valueOf(thrown.getMessage());
    }
}
