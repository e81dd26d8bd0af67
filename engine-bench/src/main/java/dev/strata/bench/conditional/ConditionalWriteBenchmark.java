package dev.strata.bench.conditional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.strata.Tier;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.OneTierEngine;
import dev.strata.codec.Codecs;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentMap;
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
 * What an atomic update costs: counters ({@code Long} values under {@code long} keys, 64 Ki of them, picked uniformly
 * at random) incremented in a cache of one tier, with no atomicity (a get then a put: what a caller without
 * conditional writes would do, and loses counts under contention), with a loop of get and
 * {@code replace(key, old, new)}, and with {@code merge(key, 1L, Long::sum)}; beside Caffeine's
 * {@code asMap().merge}, which runs the function once under its map's lock. Every counter fits in the tier: the cost
 * of the check and the write, not of eviction. Runs in the report runner's {@code full} profile, or by name; with
 * JMH's {@code -t 2} the threads contend on the same counters.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class ConditionalWriteBenchmark {

    private static final int COUNTERS = 1 << 16;
    private static final long REGION = 64L << 20;

    /** How a counter is incremented. */
    public enum Update {
        /** A get, then a put: not atomic. */
        GET_PUT,
        /** A get, then {@code replace(key, old, new)} (or {@code putIfAbsent}), again until it succeeds. */
        GET_REPLACE,
        /** {@code merge(key, 1L, Long::sum)}. */
        MERGE
    }

    /** A Strata cache of one tier holding every counter. */
    @State(Scope.Benchmark)
    public static class Counters {

        /** The cache's one tier. */
        @Param({"HEAP", "OFF_HEAP", "DISK"})
        public Tier tier;

        /** How a counter is incremented. */
        @Param({"GET_PUT", "GET_REPLACE", "MERGE"})
        public Update update;

        private OneTierEngine engine;
        dev.strata.cache.Cache<Long, Long> cache;

        /** Builds the engine and the cache, every counter at zero. */
        @Setup(Level.Trial)
        public void open() {
            engine = OneTierEngine.open("bench-conditional", tier, REGION);
            cache = engine.engine().newCache("counters", Codecs.int64(), Codecs.int64()).tiers(tier).build();
            for (long key = 0; key < COUNTERS; key++) {
                cache.put(key, 0L);
            }
        }

        /** Closes the engine and deletes the disk tier's files. */
        @TearDown(Level.Trial)
        public void close() {
            engine.close();
        }
    }

    /** Caffeine holding every counter, for {@link #caffeineMerge}. */
    @State(Scope.Benchmark)
    public static class CaffeineCounters {
        ConcurrentMap<Long, Long> map;

        /** Builds the cache, every counter at zero. */
        @Setup(Level.Trial)
        public void open() {
            Cache<Long, Long> cache = Caffeine.newBuilder().maximumSize(2L * COUNTERS).build();
            map = cache.asMap();
            for (long key = 0; key < COUNTERS; key++) {
                map.put(key, 0L);
            }
        }
    }

    /** Each thread's own random keys. */
    @State(Scope.Thread)
    public static class Picks {
        private final SplittableRandom random = new SplittableRandom();

        long next() {
            return random.nextInt(COUNTERS);
        }
    }

    /** {@return the counter's new value} One increment of a random counter. */
    @Benchmark
    public Long increment(Counters counters, Picks picks) {
        dev.strata.cache.Cache<Long, Long> cache = counters.cache;
        long key = picks.next();
        return switch (counters.update) {
            case GET_PUT -> {
                Long old = cache.get(key);
                Long next = old == null ? 1L : old + 1;
                cache.put(key, next);
                yield next;
            }
            case GET_REPLACE -> {
                while (true) {
                    Long old = cache.get(key);
                    if (old == null ? cache.putIfAbsent(key, 1L) == null : cache.replace(key, old, old + 1)) {
                        yield old == null ? 1L : old + 1;
                    }
                }
            }
            case MERGE -> cache.merge(key, 1L, Long::sum);
        };
    }

    /** {@return the counter's new value} One increment of a random counter in Caffeine. */
    @Benchmark
    public Long caffeineMerge(CaffeineCounters counters, Picks picks) {
        return counters.map.merge(picks.next(), 1L, Long::sum);
    }
}
