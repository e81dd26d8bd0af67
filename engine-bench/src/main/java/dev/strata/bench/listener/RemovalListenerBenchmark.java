package dev.strata.bench.listener;

import dev.strata.Tier;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.OneTierEngine;
import dev.strata.cache.Cache;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codecs;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a removal listener costs where it is told the most: puts of new keys into a full cache of one tier, each put
 * evicting about one entry, with no listener or with one that counts what it is told on a direct executor (so the
 * cost of decoding the evicted value, queueing the removal and handing it over is all in the put). The values are
 * {@code byte[]} ({@code Codecs.bytes()}), the keys {@code long}. One thread: the listener's cost, not contention.
 * Runs in the report runner's {@code full} profile, or by name (not in the README's quick and standard reports).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class RemovalListenerBenchmark {

    /** The cache's one tier. */
    @Param({"HEAP", "OFF_HEAP", "DISK"})
    public Tier tier;

    /** Whether the cache has a listener. */
    @Param({"NONE", "COUNTING"})
    public Listener listener;

    /** The value size in bytes. */
    @Param({"100", "1024"})
    public int valueSize;

    /** A benchmarked cache's removal listener. */
    public enum Listener {
        /** None: nothing is decoded or queued. */
        NONE,
        /** Counts each removal, on {@code Runnable::run}. */
        COUNTING
    }

    private static final long REGION = 64L << 20;

    private OneTierEngine engine;
    private Cache<Long, byte[]> cache;
    private byte[] value;
    private long nextKey;
    private long told;

    /** Builds the engine and the cache, and fills it until it evicts. */
    @Setup(Level.Trial)
    public void open() {
        engine = OneTierEngine.open("bench-removals", tier, REGION);
        Cache.Builder<Long, byte[]> cacheBuilder = engine.engine().newCache("removals", Codecs.int64(), Codecs.bytes())
                .tiers(tier);
        if (listener == Listener.COUNTING) {
            cacheBuilder.removalListener((Long key, byte[] removed, RemovalCause cause) -> told++, Runnable::run);
        }
        cache = cacheBuilder.build();
        value = new byte[valueSize];
        long fill = 2 * REGION / valueSize;               // twice what the tier holds, then until it has evicted
        while (nextKey < fill || evictions() == 0) {
            for (int i = 0; i < 1024; i++) {
                cache.put(nextKey++, value);
            }
        }
    }

    private long evictions() {
        return cache.stats().tier(tier).evictions();
    }

    /** {@return how many removals the listener was told} A put of a new key into the full cache. */
    @Benchmark
    public long putEvicting() {
        cache.put(nextKey++, value);
        return told;
    }

    /** Closes the engine and deletes the disk tier's files. */
    @TearDown(Level.Trial)
    public void close() {
        engine.close();
    }
}
