package dev.strata.bench.raw;

import dev.strata.bench.workload.ThreadCursor;
import dev.strata.bench.workload.ByteKey;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.Keys;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The heap limit: a plain {@code HashMap<ByteKey, byte[]>} (no eviction, no concurrency control, read-only after set-up
 * so safe to share), with the key objects precomputed. {@code getStored} returns the stored array (what a by-reference
 * heap cache can do); {@code getCopy} returns a copy of it (the bound for any cache that hands out its own
 * {@code byte[]}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class RawHeapMapBenchmark extends RawWorkload {

    private Map<ByteKey, byte[]> map;
    private ByteKey[] keyObjects;

    /** Fills the map. */
    @Override
    protected void prepare() {
        map = HashMap.newHashMap(keyCount);
        keyObjects = new ByteKey[keyCount];
        for (int i = 0; i < keyCount; i++) {
            keyObjects[i] = new ByteKey(Keys.key(i));
            map.put(keyObjects[i], Keys.value(i, valueSize));
        }
    }

    /**
     * A lookup returning the stored array.
     *
     * @param cursor this thread's cursor
     * @return the stored array
     */
    @Benchmark
    public byte[] getStored(ThreadCursor cursor) {
        return map.get(keyObjects[stream.at(cursor.next())]);
    }

    /**
     * A lookup returning a copy of the stored array.
     *
     * @param cursor this thread's cursor
     * @return a fresh copy
     */
    @Benchmark
    public byte[] getCopy(ThreadCursor cursor) {
        return map.get(keyObjects[stream.at(cursor.next())]).clone();
    }
}
