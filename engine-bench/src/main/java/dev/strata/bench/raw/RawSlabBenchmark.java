package dev.strata.bench.raw;

import dev.strata.bench.workload.ThreadCursor;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.Keys;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The off-heap limit: all values laid end to end in one native slab (a shared arena, filled, so every page is touched
 * before measuring); a "get" is just {@code MemorySegment.copy} of value {@code i} into a fresh {@code byte[]}. No index,
 * no lookup: what is left of an off-heap get once hashing and bookkeeping cost nothing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class RawSlabBenchmark extends RawWorkload {

    private Arena arena;
    private MemorySegment slab;

    /** Allocates and fills the slab. */
    @Override
    protected void prepare() {
        arena = Arena.ofShared();
        slab = arena.allocate((long) keyCount * valueSize, 64);
        for (int i = 0; i < keyCount; i++) {
            byte[] value = Keys.value(i, valueSize);
            MemorySegment.copy(value, 0, slab, ValueLayout.JAVA_BYTE, (long) i * valueSize, valueSize);
        }
    }

    /** Frees the slab. */
    @TearDown(Level.Trial)
    public void free() {
        arena.close();
    }

    /**
     * Copies value {@code i} out of the slab into a fresh array.
     *
     * @param cursor this thread's cursor
     * @return the copy
     */
    @Benchmark
    public byte[] copyOut(ThreadCursor cursor) {
        return copyValue(slab, stream.at(cursor.next()));
    }
}
