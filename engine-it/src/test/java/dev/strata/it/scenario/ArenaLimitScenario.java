package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.EngineStats;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;

/**
 * Ten times the memory budget through a heap + off-heap + disk cache whose off-heap tier uses the {@code ARENA}
 * backend, in a JVM under a real address-space limit (run by {@code RealLimitsIT} under {@code prlimit --as}). Arena
 * memory is invisible to {@code MaxDirectMemorySize}, so the engine's own budget is the only guard: nothing may throw,
 * every value must read back, the arena allocator must never hold more than its budget, and the process's virtual
 * size (sampled every {@value TenfoldWorkload#PROBE_EVERY} operations) stays below the limit. Facts:
 * {@code vm.limit}, {@code vm.max}, {@code arena.maxReserved}, {@code arena.budget} and {@link TenfoldWorkload}'s.
 *
 * <p>{@code args[0]}: the disk directory; {@code args[1]}: the address-space limit in bytes.
 */
public final class ArenaLimitScenario {

    static final DataSize OFF_HEAP = DataSize.ofMebibytes(128);
    static final DataSize HEAP_REGION = DataSize.ofMebibytes(16);
    static final int VALUE_SIZE = 16 * 1024;

    private ArenaLimitScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args {@code args[0]}: the disk directory; {@code args[1]}: the address-space limit in bytes
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> run(report, Path.of(args[0]), Long.parseLong(args[1])));
    }

    private static void run(ScenarioReport report, Path disk, long limit) {
        long[] maxVmAndReserved = new long[2];
        report.put("vm.limit", limit);
        report.put("vm.start", ProcessMemory.virtualBytes());
        try (Engine engine = Engine.builder().heap(HEAP_REGION).offHeap(OFF_HEAP, OffHeapBackend.ARENA)
                .disk(disk, DataSize.ofGibibytes(4)).build();
             Cache<Long, byte[]> cache = engine.newCache("arena-limit", Codecs.int64(), Codecs.bytes())
                     .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).build()) {
            TenfoldWorkload.run(report, cache, 10 * (HEAP_REGION.bytes() + OFF_HEAP.bytes()), VALUE_SIZE, () -> {
                maxVmAndReserved[0] = Math.max(maxVmAndReserved[0], ProcessMemory.virtualBytes());
                maxVmAndReserved[1] = Math.max(maxVmAndReserved[1], arenaReserved(engine.stats()));
            });
        }
        report.put("vm.max", maxVmAndReserved[0]);
        report.put("arena.maxReserved", maxVmAndReserved[1]);
        report.put("arena.budget", OFF_HEAP.bytes());
        report.check("arena.withinBudget", maxVmAndReserved[1] <= OFF_HEAP.bytes());
        report.check("arena.used", maxVmAndReserved[1] >= OFF_HEAP.bytes() / 2);
        report.check("vm.belowLimit", maxVmAndReserved[0] < limit);
    }

    private static long arenaReserved(EngineStats stats) {
        return stats.allocators().stream().filter(a -> a.backend().equals("ARENA"))
                .mapToLong(EngineStats.Allocator::bytesReserved).sum();
    }
}
