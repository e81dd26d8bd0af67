package dev.strata.tier.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Records a persistent store's compaction has read and not yet copied: their bytes back to back in one native buffer,
 * with the offset each had in the segment being compacted. The compaction fills it without the writer lock; under
 * the lock it keeps only the records still to copy ({@link #retainIf}) and appends them with one write per run that
 * fits the active segment, so writers wait for one batch at a time instead of handing the lock back and forth per
 * record.
 *
 * <pre>
 *   buffer:  | record 0 | record 1 | record 2 | ... |          free          |
 *            ^start(0)  ^start(1)  ^start(2)        ^bytes()                 ^CAPACITY_BYTES
 * </pre>
 *
 * <p>Native, so a write goes from it to the file without a copy through the JDK's temporary direct buffers. Not
 * thread-safe: confined to the thread that created it, which must {@link #close()} it.
 */
final class CopyBatch implements AutoCloseable {

    /** Bytes one batch holds; a larger record gets a batch of its own ({@link #of}). */
    static final int CAPACITY_BYTES = 256 * 1024;

    /** The arena of {@link #buffer}, or null when the buffer is a record's own bytes ({@link #of}). */
    private final Arena arena;
    private final MemorySegment buffer;
    private long[] sourceOffsets = new long[64];
    private int[] starts = new int[64];
    private int count;
    private int bytes;

    /** Creates an empty batch of {@link #CAPACITY_BYTES}. */
    CopyBatch() {
        this.arena = Arena.ofConfined();
        this.buffer = arena.allocate(CAPACITY_BYTES, 8);
    }

    private CopyBatch(MemorySegment record, long sourceOffset) {
        this.arena = null;
        this.buffer = record;
        this.sourceOffsets[0] = sourceOffset;
        this.count = 1;
        this.bytes = Math.toIntExact(record.byteSize());
    }

    /**
     * {@return a batch of one record, over the record's own bytes (no copy): for a record larger than a batch, valid
     * while those bytes are}
     *
     * @param record       the record's bytes, verbatim (header, key, value)
     * @param sourceOffset its offset in the segment being compacted
     */
    static CopyBatch of(MemorySegment record, long sourceOffset) {
        return new CopyBatch(record, sourceOffset);
    }

    /** {@return whether a record of {@code recordBytes} fits beside those held} */
    boolean hasRoomFor(int recordBytes) {
        return recordBytes <= buffer.byteSize() - bytes;
    }

    /**
     * Copies {@code record} in.
     *
     * @param record       the record's bytes, verbatim (header, key, value)
     * @param sourceOffset its offset in the segment being compacted
     * @throws IllegalArgumentException if it does not fit ({@link #hasRoomFor})
     */
    void add(MemorySegment record, long sourceOffset) {
        int recordBytes = Math.toIntExact(record.byteSize());
        if (!hasRoomFor(recordBytes)) {
            throw new IllegalArgumentException("record of " + recordBytes + " bytes: does not fit the batch ("
                    + bytes + " of " + buffer.byteSize() + " bytes held)");
        }
        if (count == starts.length) {
            grow();
        }
        MemorySegment.copy(record, 0, buffer, bytes, recordBytes);
        sourceOffsets[count] = sourceOffset;
        starts[count] = bytes;
        count++;
        bytes += recordBytes;
    }

    /** {@return how many records are held} */
    int count() {
        return count;
    }

    /** {@return the bytes of the records held} */
    int bytes() {
        return bytes;
    }

    /** {@return the key of record {@code i}, a view of this batch's bytes: valid until the batch changes} */
    MemorySegment key(int i) {
        MemorySegment record = record(i);
        return record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record));
    }

    /** {@return the offset record {@code i} had in the segment being compacted} */
    long sourceOffset(int i) {
        return sourceOffsets[i];
    }

    /** {@return the offset of record {@code i} in this batch's bytes} */
    int start(int i) {
        return starts[i];
    }

    /** {@return the length of record {@code i}} */
    int length(int i) {
        return (i + 1 < count ? starts[i + 1] : bytes) - starts[i];
    }

    /** {@return the bytes of record {@code i}} */
    MemorySegment record(int i) {
        return buffer.asSlice(starts[i], length(i));
    }

    /** {@return the bytes of records {@code from} (inclusive) to {@code to} (exclusive), back to back} */
    MemorySegment records(int from, int to) {
        int end = to < count ? starts[to] : bytes;
        return buffer.asSlice(starts[from], end - starts[from]);
    }

    /** Keeps only the records {@code keep} accepts (asked once each, in order), packed to the front in order. */
    void retainIf(IntPredicate keep) {
        int kept = 0;
        int keptBytes = 0;
        for (int i = 0; i < count; i++) {
            if (!keep.test(i)) {
                continue;
            }
            int length = length(i);
            if (kept != i) {
                MemorySegment.copy(buffer, starts[i], buffer, keptBytes, length);
                sourceOffsets[kept] = sourceOffsets[i];
            }
            starts[kept] = keptBytes;
            kept++;
            keptBytes += length;
        }
        count = kept;
        bytes = keptBytes;
    }

    /** Empties the batch. */
    void clear() {
        count = 0;
        bytes = 0;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    private void grow() {
        int capacity = starts.length * 2;
        sourceOffsets = Arrays.copyOf(sourceOffsets, capacity);
        starts = Arrays.copyOf(starts, capacity);
    }
}
