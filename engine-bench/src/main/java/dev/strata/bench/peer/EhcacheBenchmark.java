package dev.strata.bench.peer;

import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/** {@link CacheWorkload} on Ehcache 3, one tier at a time. Flag: Unsafe memory access allowed (else a warning). */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX, JvmFlags.UNSAFE_ALLOW})
public class EhcacheBenchmark extends CacheWorkload {

    /** The tier. */
    @Param({"HEAP", "OFF_HEAP", "DISK"})
    public EhcacheAdapter.Tier tier;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new EhcacheAdapter(tier, keyCount * 2L, WorkingSet.CAPACITY_BYTES);
    }
}
