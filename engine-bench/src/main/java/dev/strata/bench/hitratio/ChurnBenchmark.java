package dev.strata.bench.hitratio;

import dev.strata.bench.workload.KeyDistribution;
import dev.strata.bench.workload.KeyStream;
import dev.strata.bench.workload.ThreadCursor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Throughput of a full cache under churn: cache-aside requests ({@code get}, and on a miss a {@code put} that evicts)
 * over {@value #KEYS} Zipf keys, about a fifth of them missing, where the tier benchmarks size every cache to hold its
 * whole working set and never evict. Strata's heap and off-heap tiers each get a {@value #REGION_MIB} MiB region;
 * Caffeine holds {@value #CAFFEINE_ENTRIES} entries, about what the heap tier holds in that region
 * ({@link HitRatio}), with its maintenance on its default executor. Hits and misses are counted per thread
 * ({@link Outcomes}) so the hit ratio shows beside the throughput. Values of 100 bytes, {@code int} keys; run with
 * {@code -t 2} as well: every miss takes the eviction path's locks.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ChurnBenchmark {

    static final int KEYS = 200_000;
    static final int REGION_MIB = 4;
    static final int CAFFEINE_ENTRIES = 18_700;

    /** Which cache. */
    public enum Subject {
        STRATA_HEAP, STRATA_OFF_HEAP, CAFFEINE
    }

    /** The cache under test. */
    @Param({"STRATA_HEAP", "STRATA_OFF_HEAP", "CAFFEINE"})
    public Subject cache;

    private Policy policy;
    private KeyStream stream;

    /** Hits and misses of one thread, which JMH adds up over the measured iterations beside the throughput. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcomes {
        /** Requests that hit. */
        public long hits;
        /** Requests that missed and put. */
        public long misses;

        /** Clears the counts before each iteration. */
        @Setup(Level.Iteration)
        public void clear() {
            hits = 0;
            misses = 0;
        }
    }

    /** Opens the cache empty and draws the key stream; the warm-up iterations fill it. */
    @Setup(Level.Trial)
    public void open() {
        byte[] value = new byte[100];
        long region = (long) REGION_MIB << 20;
        policy = switch (cache) {
            case STRATA_HEAP -> new StrataPolicy(region, 0, value);
            case STRATA_OFF_HEAP -> new StrataPolicy(0, region, value);
            case CAFFEINE -> new CaffeinePolicy(CAFFEINE_ENTRIES, value, false);
        };
        stream = KeyStream.draw(KeyDistribution.ZIPF, KEYS, KeyStream.DEFAULT_LENGTH, 42);
    }

    /** Closes the cache. */
    @TearDown(Level.Trial)
    public void close() {
        policy.close();
    }

    /**
     * One cache-aside request.
     *
     * @param cursor this thread's place in the key stream
     * @param outcomes this thread's counts
     * @return whether it hit
     */
    @Benchmark
    public boolean request(ThreadCursor cursor, Outcomes outcomes) {
        boolean hit = policy.request(stream.at(cursor.next()));
        if (hit) {
            outcomes.hits++;
        } else {
            outcomes.misses++;
        }
        return hit;
    }
}
