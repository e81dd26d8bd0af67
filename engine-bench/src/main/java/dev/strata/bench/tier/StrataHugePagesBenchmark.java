package dev.strata.bench.tier;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.CacheWorkload;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * {@link CacheWorkload} on a Strata off-heap cache whose region lives on transparent huge pages
 * ({@code OffHeapBackend.HUGE_PAGES}): the same cache as {@link StrataTierBenchmark}'s {@code OFF_HEAP_ARENA} in every
 * other respect. Its own class because its fork needs one flag more, native access for the engine's {@code mmap} and
 * {@code madvise}, the flag OHC's fork has too.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX, JvmFlags.NATIVE_ACCESS})
public class StrataHugePagesBenchmark extends CacheWorkload {

    /** The tier: one value, so that reports select this configuration as they select the tier ladder's. */
    @Param({"OFF_HEAP_HUGE_PAGES"})
    public StrataTier tier;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new StrataAdapter(tier, 1L << 30, WorkingSet.CAPACITY_BYTES);
    }
}
