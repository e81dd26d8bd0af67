package dev.strata.bench.peer;

import dev.strata.bench.workload.ThreadCursor;
import dev.strata.bench.workload.KeyDistribution;
import dev.strata.bench.workload.KeyStream;
import dev.strata.bench.workload.Keys;
import dev.strata.bench.workload.WorkingSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
 * The one workload every cache runs, Strata's tiers and the peers alike: a cache populated with
 * {@link WorkingSet#keyCount(int)} keys of 16 bytes (about 64 MiB of values; every cache is sized to hold all of it, so
 * no benchmark measures eviction or misses), then {@code get}, {@code put} (overwrite of a present key) and a 90/10
 * get/put {@code mix}, with keys taken from a precomputed uniform or Zipfian index stream.
 *
 * <p>Subclasses say which cache ({@link #open(int, int)}) and which JVM flags it needs ({@code @Fork}). Each thread
 * reads the shared key stream from its own offset; there is no random number generation in the timed loop. Threads:
 * 1 by default; the runner adds 2-thread runs with {@code -t 2}.
 *
 * <p>Set-up checks every key is present with a value of the right length, so a mis-sized cache fails loudly instead of
 * benchmarking misses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class CacheWorkload {

    /** Value size in bytes. */
    @Param({"100", "1024", "16384"})
    public int valueSize;

    /** Key popularity. */
    @Param({"UNIFORM", "ZIPF"})
    public KeyDistribution keys;

    private CacheAdapter cache;
    private byte[][] keyBytes;
    private byte[][] values;
    private KeyStream stream;

    /**
     * Opens the cache under test, empty, sized to hold {@code keyCount} values of {@code valueSize} bytes.
     *
     * @param valueSize the value size
     * @param keyCount the number of keys it must hold without evicting
     * @return the cache
     */
    protected abstract CacheAdapter open(int valueSize, int keyCount);

    /** Builds the keys, the values and the key stream, opens and fills the cache, and checks every key. */
    @Setup(Level.Trial)
    public void populate() {
        int keyCount = WorkingSet.keyCount(valueSize);
        keyBytes = Keys.keys(keyCount);
        values = new byte[keyCount][];
        for (int i = 0; i < keyCount; i++) {
            values[i] = Keys.value(i, valueSize);
        }
        stream = KeyStream.draw(keys, keyCount, KeyStream.DEFAULT_LENGTH, 42);
        cache = open(valueSize, keyCount);
        for (int i = 0; i < keyCount; i++) {
            cache.put(keyBytes[i], values[i]);
        }
        for (int i = 0; i < keyCount; i++) {
            byte[] value = cache.get(keyBytes[i]);
            if (value == null || value.length != valueSize) {
                throw new IllegalStateException(getClass().getSimpleName() + ": key " + i + " of " + keyCount
                        + " is " + (value == null ? "missing" : "of length " + value.length)
                        + " after populating (the cache is sized too small for the working set)");
            }
        }
    }

    /** Closes the cache. */
    @TearDown(Level.Trial)
    public void close() {
        if (cache != null) {
            cache.close();
            cache = null;
        }
    }

    /**
     * A lookup of a present key.
     *
     * @param cursor this thread's cursor
     * @return the value
     */
    @Benchmark
    public byte[] get(ThreadCursor cursor) {
        return cache.get(keyBytes[stream.at(cursor.next())]);
    }

    /**
     * An overwrite of a present key with its (same-sized) value.
     *
     * @param cursor this thread's cursor
     */
    @Benchmark
    public void put(ThreadCursor cursor) {
        int index = stream.at(cursor.next());
        cache.put(keyBytes[index], values[index]);
    }

    /**
     * 90% gets, 10% puts, interleaved deterministically (every tenth operation of a thread is a put).
     *
     * @param cursor this thread's cursor
     * @return the value read, or {@code null} for a put
     */
    @Benchmark
    public byte[] mix(ThreadCursor cursor) {
        int position = cursor.next();
        int index = stream.at(position);
        if (position % 10 == 0) {
            cache.put(keyBytes[index], values[index]);
            return null;
        }
        return cache.get(keyBytes[index]);
    }
}
