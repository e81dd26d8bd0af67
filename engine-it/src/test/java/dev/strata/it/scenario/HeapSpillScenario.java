package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.EngineStats;
import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;

/**
 * Ten times the heap region through a heap + disk cache in a JVM with a small {@code -Xmx} (run by
 * {@code RealLimitsIT} with {@code -Xmx64m}): the heap tier must stay inside the on-heap storage pool (sampled every
 * {@value TenfoldWorkload#PROBE_EVERY} operations), demote to disk instead of failing, never throw
 * {@link OutOfMemoryError}, and every value must read back. Facts: {@code heap.region}, {@code heap.maxTierBytes},
 * {@code heap.maxStorageUsed}, {@code heap.overPoolSamples} and {@link TenfoldWorkload}'s.
 *
 * <p>{@code args[0]}: the disk directory.
 */
public final class HeapSpillScenario {

    static final DataSize HEAP_REGION = DataSize.ofMebibytes(16);
    static final int VALUE_SIZE = 4 * 1024;

    private HeapSpillScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args {@code args[0]}: the disk directory
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> run(report, Path.of(args[0])));
    }

    private static void run(ScenarioReport report, Path disk) {
        long[] maxTierStorageOver = new long[3];
        try (Engine engine = Engine.builder().heap(HEAP_REGION).disk(disk, DataSize.ofGibibytes(1)).build();
             Cache<Long, byte[]> cache = engine.newCache("heap-spill", Codecs.int64(), Codecs.bytes())
                     .tiers(Tier.HEAP, Tier.DISK).build()) {
            TenfoldWorkload.run(report, cache, 10 * HEAP_REGION.bytes(), VALUE_SIZE, () -> {
                long tierBytes = cache.bytes(Tier.HEAP);
                EngineStats.Pool pool = engine.stats().pool(MemoryMode.ON_HEAP);
                maxTierStorageOver[0] = Math.max(maxTierStorageOver[0], tierBytes);
                maxTierStorageOver[1] = Math.max(maxTierStorageOver[1], pool.storageUsedBytes());
                if (pool.storageUsedBytes() > pool.storagePoolBytes() || tierBytes > pool.regionBytes()) {
                    maxTierStorageOver[2]++;
                }
            });
        }
        report.put("heap.region", HEAP_REGION.bytes());
        report.put("heap.maxTierBytes", maxTierStorageOver[0]);
        report.put("heap.maxStorageUsed", maxTierStorageOver[1]);
        report.put("heap.overPoolSamples", maxTierStorageOver[2]);
        report.check("heap.stayedInsideItsPool", maxTierStorageOver[2] == 0
                && maxTierStorageOver[1] <= HEAP_REGION.bytes());
        report.check("heap.tierWasUsed", maxTierStorageOver[0] >= HEAP_REGION.bytes() / 4);
    }
}
