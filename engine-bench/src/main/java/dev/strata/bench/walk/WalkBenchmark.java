package dev.strata.bench.walk;

import dev.strata.Tier;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.OneTierEngine;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.util.Map;
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
 * What a walk of a cache costs ({@code for (var entry : cache)}): 64 Ki entries of 100 B values under {@code long}
 * keys in a cache of one tier, each walk reading every key and value, on a quiet cache (no writer: no stripe is
 * visited twice). The score is walks per second; entries per second is 65,536 times it. Runs in the report runner's
 * {@code full} profile, or by name.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class WalkBenchmark {

    /** Entries in the cache. */
    static final int ENTRIES = 1 << 16;
    private static final long REGION = 64L << 20;

    /** The cache's one tier. */
    @Param({"HEAP", "OFF_HEAP", "DISK"})
    public Tier tier;

    private OneTierEngine engine;
    private Cache<Long, byte[]> cache;

    /** Builds the engine and fills the cache. */
    @Setup(Level.Trial)
    public void open() {
        engine = OneTierEngine.open("bench-walk", tier, REGION);
        cache = engine.engine().newCache("walk", Codecs.int64(), Codecs.bytes()).tiers(tier).build();
        byte[] value = new byte[100];
        for (long key = 0; key < ENTRIES; key++) {
            cache.put(key, value);
        }
        if (cache.size() != ENTRIES) {
            throw new IllegalStateException("the cache holds " + cache.size() + " of " + ENTRIES + " entries");
        }
    }

    /** {@return the bytes of the values walked} One walk of the whole cache. */
    @Benchmark
    public long walk() {
        long bytes = 0;
        for (Map.Entry<Long, byte[]> entry : cache) {
            bytes += entry.getValue().length;
        }
        return bytes;
    }

    /** Closes the engine and deletes the disk tier's files. */
    @TearDown(Level.Trial)
    public void close() {
        engine.close();
    }
}
