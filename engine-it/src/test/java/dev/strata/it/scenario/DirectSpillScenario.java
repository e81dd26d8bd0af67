package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;

/**
 * Ten times the memory budget through a heap + off-heap + disk cache whose off-heap tier uses the
 * {@code DIRECT_BUFFER} backend (run by {@code RealLimitsIT} with {@code -XX:MaxDirectMemorySize=16m}). Nothing may
 * throw (least of all {@link OutOfMemoryError}), every value must read back, and the JDK's {@code direct} buffer pool,
 * sampled every {@value TenfoldWorkload#PROBE_EVERY} operations, must stay within the limit. Facts:
 * {@code direct.limit}, {@code direct.offHeap}, {@code direct.maxUsed}, {@code direct.samples} and
 * {@link TenfoldWorkload}'s.
 *
 * <p>With the off-heap region at exactly the limit, the disk tier's read buffers (an automatic arena, which counts
 * against {@code MaxDirectMemorySize}) find the pool full and the first disk read throws {@link OutOfMemoryError}: an
 * engine bug the test of that configuration documents.
 *
 * <p>{@code args[0]}: the disk directory; {@code args[1]}: the off-heap region in MiB, at most 16.
 */
public final class DirectSpillScenario {

    static final long DIRECT_LIMIT = 16L << 20;
    static final DataSize HEAP_REGION = DataSize.ofMebibytes(4);
    static final int VALUE_SIZE = 8 * 1024;

    private DirectSpillScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args {@code args[0]}: the disk directory; {@code args[1]}: the off-heap region in MiB
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> run(report, Path.of(args[0]), DataSize.ofMebibytes(Long.parseLong(args[1]))));
    }

    private static void run(ScenarioReport report, Path disk, DataSize offHeap) {
        long[] maxUsedAndSamples = new long[2];
        try (Engine engine = Engine.builder().heap(HEAP_REGION)
                .offHeap(offHeap, OffHeapBackend.DIRECT_BUFFER)
                .disk(disk, DataSize.ofGibibytes(1)).build();
             Cache<Long, byte[]> cache = engine.newCache("direct-spill", Codecs.int64(), Codecs.bytes())
                     .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).build()) {
            long budget = HEAP_REGION.bytes() + offHeap.bytes();
            TenfoldWorkload.run(report, cache, 10 * budget, VALUE_SIZE, () -> {
                maxUsedAndSamples[0] = Math.max(maxUsedAndSamples[0], ProcessMemory.directBufferBytesUsed());
                maxUsedAndSamples[1]++;
            });
        }
        report.put("direct.limit", DIRECT_LIMIT);
        report.put("direct.offHeap", offHeap.bytes());
        report.put("direct.maxUsed", maxUsedAndSamples[0]);
        report.put("direct.samples", maxUsedAndSamples[1]);
        report.check("direct.withinLimit", maxUsedAndSamples[0] <= DIRECT_LIMIT);
        report.check("direct.offHeapTierUsedThePool", maxUsedAndSamples[0] >= offHeap.bytes() / 2);
    }
}
