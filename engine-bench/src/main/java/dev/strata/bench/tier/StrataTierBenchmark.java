package dev.strata.bench.tier;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.CacheWorkload;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * The tier ladder: {@link CacheWorkload} on a Strata cache with one tier at a time (heap, off-heap over arena slabs,
 * off-heap over direct-buffer slabs, disk), same data and key streams as the peers. No JVM flags beyond the fixed,
 * pre-touched heap every fork gets.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class StrataTierBenchmark extends CacheWorkload {

    /** The tier. */
    @Param({"HEAP", "OFF_HEAP_ARENA", "OFF_HEAP_DIRECT", "DISK"})
    public StrataTier tier;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new StrataAdapter(tier, 1L << 30, WorkingSet.CAPACITY_BYTES);
    }
}
