package dev.strata.bench.disk;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.KeyDistribution;
import dev.strata.bench.workload.KeyStream;
import dev.strata.bench.workload.ThreadCursor;
import dev.strata.bench.workload.WorkingSet;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
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
 * Disk put and get of {@code String} values ({@code Codecs.utf8()}, ASCII text) in a disk-only Strata cache of
 * {@code Integer} keys holding the whole working set ({@link WorkingSet}), keys from a Zipfian stream. The cache
 * workload's {@code byte[]} values are their own encoding and reach the disk store as they are; a string is encoded on
 * the way, which is what this measures: since {@code f920dbf} straight into the store's record, before that into an
 * array of its own first. Runs in the report runner's {@code full} profile, or by name.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class StringValueDiskBenchmark {

    /** Value length in characters (and bytes: ASCII). */
    @Param({"1024", "16384"})
    public int valueSize;

    private Path directory;
    private Engine engine;
    private Cache<Integer, String> cache;
    private String[] values;
    private KeyStream stream;

    /** Builds the values and the key stream, opens and fills the cache, and checks every key. */
    @Setup(Level.Trial)
    public void populate() {
        int keyCount = WorkingSet.keyCount(valueSize);
        values = new String[keyCount];
        for (int i = 0; i < keyCount; i++) {
            values[i] = valueOf(i, valueSize);
        }
        stream = KeyStream.draw(KeyDistribution.ZIPF, keyCount, KeyStream.DEFAULT_LENGTH, 42);
        directory = BenchFiles.newScratchDirectory("strata-strings-");
        engine = Engine.builder().name("bench-string-disk").heap(DataSize.ofMebibytes(64))
                .disk(directory, DataSize.ofBytes(WorkingSet.CAPACITY_BYTES)).strict(false).build();
        cache = engine.newCache("strings", Codecs.int32(), Codecs.utf8()).tiers(Tier.DISK).build();
        for (int i = 0; i < keyCount; i++) {
            cache.put(i, values[i]);
        }
        for (int i = 0; i < keyCount; i++) {
            if (!values[i].equals(cache.get(i))) {
                throw new IllegalStateException("key " + i + " of " + keyCount + " does not read back after"
                        + " populating (the disk quota is too small for the working set)");
            }
        }
    }

    /** {@return ASCII text of {@code length} characters that depends on {@code i}} */
    private static String valueOf(int i, int length) {
        StringBuilder text = new StringBuilder(length);
        long x = i * 0x9E3779B97F4A7C15L + 1;
        while (text.length() < length) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            text.append((char) ('a' + (int) ((x >>> 33) % 26)));
        }
        return text.toString();
    }

    /** Closes the engine and deletes its files. */
    @TearDown(Level.Trial)
    public void close() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
        BenchFiles.deleteQuietly(directory);
    }

    /**
     * An overwrite of a present key with its (same-sized) string.
     *
     * @param cursor this thread's cursor
     */
    @Benchmark
    public void put(ThreadCursor cursor) {
        int index = stream.at(cursor.next());
        cache.put(index, values[index]);
    }

    /**
     * A lookup of a present key.
     *
     * @param cursor this thread's cursor
     * @return the value
     */
    @Benchmark
    public String get(ThreadCursor cursor) {
        return cache.get(stream.at(cursor.next()));
    }
}
