package dev.strata.bench.raw;

import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.Keys;
import dev.strata.bench.workload.ThreadCursor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
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
 * The floor of a hashed off-heap lookup: the least work any off-heap cache must do for a get by a key it has to hash
 * and compare. Records ({@code key | value}, back to back) sit in one native slab; a {@code long[]} open-addressing
 * table (load at most one half) holds, per slot, the key's hash and the record's number. A get hashes the 16 key bytes
 * as a cache would ({@code Arrays.hashCode}, then a mix), probes the table, compares the key in the slab, and copies
 * the value into a fresh {@code byte[]}: two dependent memory loads (slot, record) and a copy. A put of a present key
 * does the same lookup and copies the new value over the old one in place, the least any off-heap cache must do to
 * overwrite a value of the same size. No concurrency control, no eviction, no statistics.
 *
 * <pre>
 *   slot (long):  [ hash (32 bits) | record number + 1 (32 bits) ]       0 = empty
 *   slab:         [ key 16 B | value ][ key 16 B | value ] ...
 * </pre>
 *
 * <p>Single-threaded set-up. {@link #get} only reads; {@link #put} writes a value's bytes with no lock, so two threads
 * putting one key may interleave their copies, which is harmless here: every put of a key writes the same bytes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class RawIndexBenchmark extends RawWorkload {

    private static final ValueLayout.OfLong KEY_WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private Arena arena;
    private MemorySegment slab;
    private long[] table;
    private byte[][] keyBytes;
    private byte[][] values;
    private int recordBytes;

    /** Writes every record into the slab and indexes it. */
    @Override
    protected void prepare() {
        recordBytes = Keys.KEY_BYTES + valueSize;
        keyBytes = Keys.keys(keyCount);
        values = new byte[keyCount][];
        arena = Arena.ofShared();
        slab = arena.allocate((long) keyCount * recordBytes, 64);
        table = new long[Integer.highestOneBit(keyCount * 2 - 1) << 1];
        for (int i = 0; i < keyCount; i++) {
            long at = (long) i * recordBytes;
            MemorySegment.copy(keyBytes[i], 0, slab, ValueLayout.JAVA_BYTE, at, Keys.KEY_BYTES);
            values[i] = Keys.value(i, valueSize);
            MemorySegment.copy(values[i], 0, slab, ValueLayout.JAVA_BYTE, at + Keys.KEY_BYTES, valueSize);
            insert(hash(keyBytes[i]), i);
        }
    }

    private void insert(int hash, int record) {
        int mask = table.length - 1;
        int slot = hash & mask;
        while (table[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        table[slot] = ((long) hash << 32) | (record + 1L);
    }

    private static int hash(byte[] key) {
        int h = Arrays.hashCode(key) * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Frees the slab. */
    @TearDown(Level.Trial)
    public void free() {
        arena.close();
    }

    /**
     * Hashes the key, finds its record and copies the value out.
     *
     * @param cursor this thread's cursor
     * @return the copy
     */
    @Benchmark
    public byte[] get(ThreadCursor cursor) {
        long at = find(keyBytes[stream.at(cursor.next())]);
        if (at < 0) {
            return null;
        }
        byte[] value = new byte[valueSize];
        MemorySegment.copy(slab, ValueLayout.JAVA_BYTE, at + Keys.KEY_BYTES, value, 0, valueSize);
        return value;
    }

    /**
     * Hashes the key, finds its record and copies the key's value (the same bytes it holds) over the old one: the
     * floor of an overwrite of a present key with a value of the same size, as the cache workload's {@code put} does.
     *
     * @param cursor this thread's cursor
     */
    @Benchmark
    public void put(ThreadCursor cursor) {
        int index = stream.at(cursor.next());
        long at = find(keyBytes[index]);
        if (at >= 0) {
            MemorySegment.copy(values[index], 0, slab, ValueLayout.JAVA_BYTE, at + Keys.KEY_BYTES, valueSize);
        }
    }

    /** {@return the offset of {@code key}'s record in the slab, or -1} */
    private long find(byte[] key) {
        int hash = hash(key);
        int mask = table.length - 1;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            long entry = table[slot];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == hash) {
                long at = ((entry & 0xFFFF_FFFFL) - 1) * recordBytes;
                if (slab.get(KEY_WORD, at) == longAt(key, 0) && slab.get(KEY_WORD, at + 8) == longAt(key, 8)) {
                    return at;
                }
            }
        }
    }

    /**
     * The workload's own share of every get, with no lookup at all: pick the next key from the stream and hash its
     * bytes, as every cache adapter does before it calls its cache (the adapters wrap the key in a {@code ByteKey},
     * whose constructor runs the same {@code Arrays.hashCode}). One get of any cache in the same table costs at least
     * this; a ratio between two caches is the ratio of their times including it.
     *
     * @param cursor this thread's cursor
     * @return the hash
     */
    @Benchmark
    public int keyOnly(ThreadCursor cursor) {
        return hash(keyBytes[stream.at(cursor.next())]);
    }

    private static long longAt(byte[] bytes, int offset) {
        return MemorySegment.ofArray(bytes).get(KEY_WORD, offset);
    }
}
