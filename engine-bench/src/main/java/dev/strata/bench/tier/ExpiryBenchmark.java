package dev.strata.bench.tier;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.CacheWorkload;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import java.time.Duration;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * What a time to live costs: {@link CacheWorkload} on a Strata cache of one tier, built with
 * {@code expireAfterWrite(1 h)} (which no entry reaches during a run) or without, same data and key streams. With one,
 * every put stamps its value (a small object on the heap, 8 more bytes off it), every hit reads the clock, and an
 * off-heap {@code byte[]} hit takes the pinned read instead of the one-pass copy. Runs in the report runner's
 * {@code full} profile, or by name.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class ExpiryBenchmark extends CacheWorkload {

    /** The tier. */
    @Param({"HEAP", "OFF_HEAP_ARENA", "DISK"})
    public StrataTier tier;

    /** Whether the cache has a time to live. */
    @Param({"false", "true"})
    public boolean expiry;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new StrataAdapter(tier, 1L << 30, WorkingSet.CAPACITY_BYTES, false,
                expiry ? Duration.ofHours(1) : null);
    }
}
