package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;

/**
 * Builds, fills and closes a large {@code ARENA} engine again and again (run by {@code RealLimitsIT} with
 * {@code -Xms64m -Xmx64m -XX:+AlwaysPreTouch}, so the heap is resident from the start and does not blur the
 * measurement). Each cycle fills a 512 MiB off-heap cache by putting 8% more than fits, then closes the engine. Every
 * cycle must succeed, touch the memory ({@code VmRSS} at its peak at least 400 MiB above the baseline) and give it back
 * ({@code VmRSS} after close within {@value #RSS_BOUND_MIB} MiB of the baseline taken before the first cycle).
 * Facts per cycle {@code N}: {@code cycleN.rss.full}, {@code cycleN.rss.closed}, {@code cycleN.offHeapBytes},
 * {@code cycleN.thrown}; and {@code rss.baseline}, {@code rss.maxClosed}.
 *
 * <p>{@code args[0]}: the number of cycles.
 */
public final class ArenaCyclesScenario {

    static final DataSize OFF_HEAP = DataSize.ofMebibytes(512);
    static final int VALUE_SIZE = 16 * 1024;
    static final long RSS_BOUND_MIB = 96;

    private ArenaCyclesScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args {@code args[0]}: the number of cycles
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            int cycles = Integer.parseInt(args[0]);
            long baseline = ProcessMemory.residentBytes();
            report.put("rss.baseline", baseline);
            long maxClosed = 0;
            for (int cycle = 1; cycle <= cycles; cycle++) {
                String prefix = "cycle" + cycle + ".";
                long[] full = new long[2];
                Throwable thrown = Caught.thrownBy(() -> fillAndClose(full));
                long closed = ProcessMemory.residentBytes();
                maxClosed = Math.max(maxClosed, closed);
                report.putThrown("cycle" + cycle, thrown);
                report.put(prefix + "rss.full", full[0]);
                report.put(prefix + "offHeapBytes", full[1]);
                report.put(prefix + "rss.closed", closed);
                report.check(prefix + "noThrow", thrown == null);
                report.check(prefix + "touched", full[0] - baseline >= (400L << 20));
                report.check(prefix + "returned", closed - baseline <= (RSS_BOUND_MIB << 20));
            }
            report.put("rss.maxClosed", maxClosed);
        });
    }

    private static void fillAndClose(long[] rssAndBytes) {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4)).offHeap(OFF_HEAP, OffHeapBackend.ARENA)
                .build();
             Cache<Long, byte[]> cache = engine.newCache("arena-cycle", Codecs.int64(), Codecs.bytes())
                     .tiers(Tier.OFF_HEAP).build()) {
            byte[] value = CheckedValue.of(0, 0, VALUE_SIZE);
            long entries = OFF_HEAP.bytes() / VALUE_SIZE * 108 / 100;
            for (long key = 0; key < entries; key++) {
                cache.put(key, value);
            }
            rssAndBytes[0] = ProcessMemory.residentBytes();
            rssAndBytes[1] = cache.bytes(Tier.OFF_HEAP);
        }
    }
}
