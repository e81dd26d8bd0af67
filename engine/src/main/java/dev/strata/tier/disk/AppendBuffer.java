package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The newest records of a transient store's segment, gathered in native memory and written to the file in one
 * positional write once they fill it, instead of one write per record. A transient store's files die with the process
 * (a restart deletes them), so holding its newest records in memory costs no durability; a persistent store, and one
 * that forces every write, writes each record at once and has no buffer.
 *
 * <pre>
 *   file:    [ segment header | records written ... ]
 *   buffer:                                          [ records appended since | free ]
 *                                                    ^ base = where the buffer's first byte goes in the file
 *   segment length = base + filled
 * </pre>
 *
 * <p>One buffer serves one append stream of the store (its main log, its probation log, and their compaction copies)
 * and moves to the stream's next segment when one starts, after its bytes reached the old one's file. Only whole
 * records enter it, so a failed write can name the records it lost ({@link #forEachRecord}).
 *
 * <p><b>Concurrency.</b> One appender at a time (whoever holds the lock its stream's appends take) calls every method
 * but {@link #copy}. Readers copy lock-free, as under a sequence lock: the buffer's owner and base change only inside
 * an odd generation, and the memory is reused only after such a change (a write out, or a move to the next segment),
 * so a reader that reads an even generation, copies, and finds the same generation afterwards copied bytes that stood
 * still. A record the buffer held is in the file once the owner changed or the base moved past it, since both happen
 * only after the write. Readers never see a record before it is whole: the store publishes a record's location only
 * after it was appended.
 */
final class AppendBuffer {

    /** The buffer's size: the most bytes one write carries. Records larger than this are written on their own. */
    static final int BYTES = 64 * 1024;

    /** What {@link #copy} did. */
    enum Copy {
        /** The bytes were copied out of the buffer. */
        COPIED,
        /** The bytes are not in the buffer: they are in the segment's file (or the segment was retired). */
        IN_FILE,
        /** The buffer was written out or moved during the copy; ask again. */
        AGAIN
    }

    private final MemorySegment memory;
    /** The segment whose appends land here, or null. */
    private volatile Segment owner;
    /** Where {@code memory[0]} goes in the owner's file. */
    private volatile long base;
    /** Odd while the owner or base change, even otherwise; moves on with every change, before the memory is reused. */
    private volatile long generation;
    /** Bytes appended since {@link #base}; the appender's. */
    private int filled;

    /** @param memory the buffer's memory, {@link #BYTES} bytes, owned by the store */
    AppendBuffer(MemorySegment memory) {
        this.memory = memory;
    }

    /**
     * Makes {@code segment}, whose length is {@code end}, the buffer's owner: its next appends land here. The bytes of
     * the previous owner must have been written, or given up with it (a retired segment's).
     */
    void attach(Segment segment, long end) {
        Segment previous = owner;
        change(end, segment);
        if (previous != null && previous != segment) {
            previous.detachTail(this);
        }
        segment.attachTail(this);
    }

    /** Lets the owner go, after its bytes were written or given up; the segment then reads only its file. */
    void release() {
        Segment previous = owner;
        change(0, null);
        if (previous != null) {
            previous.detachTail(this);
        }
    }

    /** {@return the segment whose appends land here, or null} */
    Segment owner() {
        return owner;
    }

    /** {@return where the buffer's first byte goes in its owner's file} */
    long base() {
        return base;
    }

    /** {@return the bytes appended and not yet written} */
    int filled() {
        return filled;
    }

    /** {@return whether a record of {@code bytes} fits the room left} */
    boolean hasRoom(int bytes) {
        return filled + bytes <= BYTES;
    }

    /**
     * {@return the memory the next record of {@code bytes} goes to} The caller fills it, then calls {@link #appended}.
     */
    MemorySegment next(int bytes) {
        return memory.asSlice(filled, bytes);
    }

    /** Counts a record of {@code bytes} filled into {@link #next}. */
    void appended(int bytes) {
        filled += bytes;
    }

    /**
     * Writes the bytes appended to the owner's file, then starts again after them.
     *
     * @throws IOException if the write failed; the bytes stay in the buffer, and readers still find them there
     */
    void write() throws IOException {
        if (filled == 0) {
            return;
        }
        MemorySegment bytes = memory.asSlice(0, filled);
        long at = base;
        owner.io(channel -> Segment.writeFully(channel, bytes.asByteBuffer(), at));
        change(at + filled, owner);
    }

    /**
     * Starts the buffer again at {@code end}, empty: after a record too large for it was written on its own there, or
     * after a failed {@link #write}, whose bytes are given up.
     */
    void skipTo(long end) {
        change(end, owner);
    }

    /**
     * Calls {@code action} with each record appended and not yet written: its bytes (header, key and value) and its
     * offset in the owner's file. Appender only.
     */
    void forEachRecord(RecordAction action) {
        long offset = 0;
        while (offset < filled) {
            MemorySegment header = memory.asSlice(offset, RecordFormat.HEADER_BYTES);
            int recordBytes = RecordFormat.recordBytes(RecordFormat.keyBytes(header), RecordFormat.valueBytes(header));
            action.accept(memory.asSlice(offset, recordBytes), base + offset);
            offset += recordBytes;
        }
    }

    /** One buffered record, for {@link #forEachRecord}. */
    @FunctionalInterface
    interface RecordAction {
        /**
         * @param record the record's bytes, valid during the call
         * @param offset where the record belongs in the owner's file
         */
        void accept(MemorySegment record, long offset);
    }

    /**
     * Copies {@code dst.byteSize()} bytes at {@code position} of {@code segment}'s file into {@code dst}, if the buffer
     * holds them. Lock-free.
     *
     * @return {@link Copy#COPIED}; {@link Copy#IN_FILE} if they are not here (read the file); {@link Copy#AGAIN} if
     *         the buffer changed during the copy
     */
    Copy copy(Segment segment, long position, MemorySegment dst) {
        long seen = generation;
        if ((seen & 1) != 0) {
            return Copy.AGAIN;                         // changing now
        }
        if (owner != segment) {
            return Copy.IN_FILE;                       // moved on, or never here: the segment's bytes are in its file
        }
        long start = position - base;
        if (start < 0) {
            return Copy.IN_FILE;                       // written out before base moved past it
        }
        if (start > BYTES - dst.byteSize()) {
            return generation == seen ? Copy.IN_FILE : Copy.AGAIN;  // not a record of this buffer: the file says
        }
        MemorySegment.copy(memory, start, dst, 0, dst.byteSize());
        VarHandle.acquireFence();                      // the copy's loads complete before the generation is read again
        return generation == seen ? Copy.COPIED : Copy.AGAIN;
    }

    /** Moves the buffer to {@code newOwner}'s offset {@code newBase}, empty, inside an odd generation. */
    private void change(long newBase, Segment newOwner) {
        generation = generation + 1;                   // odd; one writer, the appender
        VarHandle.storeStoreFence();                   // no store below is seen before the odd generation
        base = newBase;
        owner = newOwner;
        filled = 0;
        generation = generation + 1;                   // even again (a release: the stores above come first)
    }
}
