package dev.strata.bench.raw;

import dev.strata.bench.workload.KeyDistribution;
import dev.strata.bench.workload.KeyStream;
import dev.strata.bench.workload.WorkingSet;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The parameters and key stream the raw limits share with {@code CacheWorkload}: same value sizes, same key counts,
 * same uniform/Zipfian index streams (same seed), so a raw number and a cache number are directly comparable.
 */
@State(Scope.Benchmark)
public abstract class RawWorkload {

    /** Value size in bytes. */
    @Param({"100", "1024", "16384"})
    public int valueSize;

    /** Key popularity. */
    @Param({"UNIFORM", "ZIPF"})
    public KeyDistribution keys;

    /** How many keys this value size populates. */
    protected int keyCount;
    /** The precomputed key indices. */
    protected KeyStream stream;

    /** Draws the key stream, then lets the subclass build its data ({@link #prepare()}). */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        keyCount = WorkingSet.keyCount(valueSize);
        stream = KeyStream.draw(keys, keyCount, KeyStream.DEFAULT_LENGTH, 42);
        prepare();
    }

    /**
     * Builds the data the benchmark reads ({@link #keyCount} values of {@link #valueSize} bytes). JMH does not order
     * {@code @Setup} methods across a class hierarchy, so subclasses do it here, not in their own {@code @Setup}.
     *
     * @throws Exception if the data cannot be built
     */
    protected abstract void prepare() throws Exception;

    /**
     * {@return a fresh copy of value {@code index} out of {@code values}, where the values lie end to end} The read
     * of the bounds that keep their values in one segment (a slab, a mapped file).
     *
     * @param values the values, {@link #valueSize} bytes each
     * @param index  the value's number
     */
    protected byte[] copyValue(MemorySegment values, int index) {
        byte[] value = new byte[valueSize];
        MemorySegment.copy(values, ValueLayout.JAVA_BYTE, (long) index * valueSize, value, 0, valueSize);
        return value;
    }
}
