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
 * {@code expireAfterWrite(1 h)}, with a time to live computed per entry (1 or 2 h: no entry reaches its deadline
 * during a run either), with a time to idle of 1 h ({@code expireAfterAccess}: a hit reads the clock once more, and
 * renews a key's deadline once 1/16 of that has passed since it was set, where the key lies: not within a run), with
 * {@code expireAfterWrite(1 h)} and a refresh after 2 h (a hit checks whether the value is due: none is within a
 * run), or without, same data and key streams. With
 * one, every put stamps its value (a small object on the heap, 8 more bytes off it), every hit reads the clock, and an
 * off-heap {@code byte[]} hit takes the pinned read instead of the one-pass copy. Runs in every profile of the report
 * runner ({@code REFRESH} only in the {@code full} one), or by name.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class ExpiryBenchmark extends CacheWorkload {

    /** The tier. */
    @Param({"HEAP", "OFF_HEAP_ARENA", "DISK"})
    public StrataTier tier;

    /** The cache's time to live, if any. */
    @Param({"NONE", "FIXED", "PER_ENTRY", "IDLE", "REFRESH"})
    public Expiry expiry;

    /** How a benchmarked cache's entries expire. */
    public enum Expiry {
        /** Never: no {@code expireAfterWrite}. */
        NONE,
        /** {@code expireAfterWrite(1 h)}. */
        FIXED,
        /** {@code expireAfterWrite((key, value) -> ...)}: 1 h or 2 h by the value's length, no allocation. */
        PER_ENTRY,
        /** {@code expireAfterAccess(1 h)}. */
        IDLE,
        /**
         * {@code expireAfterWrite(1 h)} and {@code refreshAfterWrite(2 h)}: no value is due for a refresh within a
         * run, so a hit pays the check alone (a second clock read, a subtraction, a comparison).
         */
        REFRESH
    }

    private static final Duration ONE_HOUR = Duration.ofHours(1);
    private static final Duration TWO_HOURS = Duration.ofHours(2);

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        long heapRegion = 1L << 30;
        return switch (expiry) {
            case NONE -> new StrataAdapter(tier, heapRegion, WorkingSet.CAPACITY_BYTES);
            case FIXED -> new StrataAdapter(tier, heapRegion, WorkingSet.CAPACITY_BYTES, false, ONE_HOUR);
            case PER_ENTRY -> new StrataAdapter(tier, heapRegion, WorkingSet.CAPACITY_BYTES,
                    (key, value) -> value.length < 512 ? ONE_HOUR : TWO_HOURS);
            case IDLE -> StrataAdapter.expiringAfterAccess(tier, heapRegion, WorkingSet.CAPACITY_BYTES, ONE_HOUR);
            case REFRESH -> StrataAdapter.refreshing(tier, heapRegion, WorkingSet.CAPACITY_BYTES, ONE_HOUR, TWO_HOURS);
        };
    }
}
