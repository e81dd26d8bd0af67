package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The off-heap record: how one entry is laid out in an {@link Extent}.
 *
 * <pre>
 *  offset 0        4          8                  8 + keyLength          8 + keyLength + valueLength
 *         +--------+----------+------------------+----------------------+
 *         | keyLen | valueLen | key bytes        | value bytes          |
 *         | int32  | int32    | (key codec)      | (value codec)        |
 *         +--------+----------+------------------+----------------------+
 * </pre>
 *
 * Native byte order, no alignment (unaligned accesses). Records are appended back to back; a record never straddles a
 * page of a log extent (a record larger than a page gets a chain extent of its own, where it does span pages). The
 * header makes a page self-describing for debugging; the index node also holds both lengths, so reads need not parse
 * it. The disk tier stores the same key and value bytes, so moving a record down copies bytes without re-encoding.
 */
final class RecordLayout {

    /** Header bytes: two int32 lengths. */
    static final int HEADER_BYTES = 8;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private RecordLayout() {
    }

    /** {@return the record's total size} */
    static int recordBytes(int keyLength, int valueLength) {
        return HEADER_BYTES + keyLength + valueLength;
    }

    /** {@return the record size as a long, for limit checks that must not overflow} */
    static long recordBytesExact(long keyLength, long valueLength) {
        return HEADER_BYTES + keyLength + valueLength;
    }

    /** Writes the header at {@code offset}. */
    static void writeHeader(MemorySegment segment, long offset, int keyLength, int valueLength) {
        segment.set(INT, offset, keyLength);
        segment.set(INT, offset + 4, valueLength);
    }

    /** {@return the key's offset in a record starting at {@code offset}} */
    static long keyOffset(long offset) {
        return offset + HEADER_BYTES;
    }

    /** {@return the value's offset in a record starting at {@code offset}} */
    static long valueOffset(long offset, int keyLength) {
        return offset + HEADER_BYTES + keyLength;
    }
}
