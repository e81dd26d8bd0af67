package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Walks the records of one segment file in order, for recovery and compaction.
 *
 * <p>Reads the file through a 1 MiB native window (one positional read per window, not per record); a record larger
 * than the window gets a buffer of its own, freed when the scanner moves on. Each {@link #next()} classifies the
 * bytes at the current offset:
 * <ul>
 *   <li>{@link Step#RECORD}: a complete record whose CRC matches; {@link #record()} views it;
 *   <li>{@link Step#CORRUPT}: a record whose header is plausible and complete but whose CRC does not match; the
 *       scanner skips its claimed length;
 *   <li>{@link Step#REUSED_END}: the end of a segment written into a reused file, past which the file holds an
 *       earlier segment's bytes: an end marker ({@link Segment#isEndMarker}), or a record intact under the CRC
 *       mask of an earlier segment ({@link Segment#isEarlierSegmentRecord}); nothing follows;
 *   <li>{@link Step#TORN_TAIL}: an incomplete record (or a zero-filled header) at the end; nothing follows;
 *   <li>{@link Step#GARBAGE}: an implausible header (unknown flags, negative length); nothing after it can be
 *       trusted;
 *   <li>{@link Step#END}: the end of the segment.
 * </ul>
 *
 * <p>Not thread-safe: confined to the thread that created it, which must {@link #close()} it.
 */
final class SegmentScanner implements AutoCloseable {

    enum Step { RECORD, CORRUPT, REUSED_END, TORN_TAIL, GARBAGE, END }

    private static final int WINDOW_BYTES = 1024 * 1024;

    private final Segment segment;
    private final long end;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment window = arena.allocate(WINDOW_BYTES, 8);
    private long windowStart;
    private long windowBytes;
    private Arena largeRecordArena;
    private long offset;
    private long nextOffset = RecordFormat.SEGMENT_HEADER_BYTES;
    private MemorySegment record;

    SegmentScanner(Segment segment) {
        this.segment = segment;
        this.end = segment.length();
    }

    /** {@return what lies at the next offset; see the class description} */
    Step next() throws IOException {
        offset = nextOffset;
        record = null;
        if (offset >= end) {
            return Step.END;
        }
        MemorySegment header = view(offset, (int) Math.min(RecordFormat.HEADER_BYTES, end - offset));
        if (segment.isEndMarker(header)) {
            return Step.REUSED_END;
        }
        if (header.byteSize() < RecordFormat.HEADER_BYTES) {
            return Step.TORN_TAIL;
        }
        if (RecordFormat.isZeroHeader(header)) {
            return Step.TORN_TAIL;
        }
        if (!RecordFormat.isPlausibleHeader(header)) {
            return Step.GARBAGE;
        }
        long recordBytes = (long) RecordFormat.HEADER_BYTES + RecordFormat.keyBytes(header)
                + RecordFormat.valueBytes(header);
        if (offset + recordBytes > end) {
            return Step.TORN_TAIL;
        }
        record = view(offset, (int) recordBytes);
        if (RecordFormat.hasValidCrc(record, segment.crcMask())) {
            nextOffset = offset + recordBytes;
            return Step.RECORD;
        }
        if (segment.isEarlierSegmentRecord(record)) {
            return Step.REUSED_END;
        }
        nextOffset = offset + recordBytes;
        return Step.CORRUPT;
    }

    /** {@return the offset of the bytes the last {@link #next()} classified} */
    long offset() {
        return offset;
    }

    /** {@return the last RECORD or CORRUPT record's bytes; valid until the next call to {@link #next()}} */
    MemorySegment record() {
        return record;
    }

    /** {@return the length of the last RECORD or CORRUPT record} */
    int recordBytes() {
        return (int) record.byteSize();
    }

    @Override
    public void close() {
        closeLargeRecordArena();
        arena.close();
    }

    private MemorySegment view(long at, int bytes) throws IOException {
        if (at >= windowStart && at + bytes <= windowStart + windowBytes) {
            return window.asSlice(at - windowStart, bytes);
        }
        if (bytes <= WINDOW_BYTES) {
            int fill = (int) Math.min(WINDOW_BYTES, end - at);
            windowBytes = 0;
            segment.read(window.asSlice(0, fill), at);
            windowStart = at;
            windowBytes = fill;
            return window.asSlice(0, bytes);
        }
        closeLargeRecordArena();
        largeRecordArena = Arena.ofConfined();
        MemorySegment large = largeRecordArena.allocate(bytes, 8);
        segment.read(large, at);
        return large;
    }

    private void closeLargeRecordArena() {
        if (largeRecordArena != null) {
            largeRecordArena.close();
            largeRecordArena = null;
        }
    }
}
