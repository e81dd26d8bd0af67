package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The off-heap record: how one entry is laid out in an {@link Extent}. A record describes itself (its key's hash and
 * both lengths), so a page can be walked record by record and each record's slot found without any heap object.
 *
 * <pre>
 *  offset 0        4          8            12                 12 + keyLength        recordBytes      alignedBytes
 *         +--------+----------+------------+------------------+---------------------+.............+
 *         | hash   | keyLen   | valueLen   | key bytes        | value bytes         |  0-7 pad    |
 *         | int32  | int32    | int32      | (key codec)      | (value codec)       |             |
 *         +--------+----------+------------+------------------+---------------------+.............+
 *         ^ 8-byte aligned: a slot names a record by its offset / 8
 * </pre>
 *
 * Native byte order. Records are appended back to back, each starting at a multiple of {@link #ALIGNMENT}; a record
 * never straddles a page of a log extent (a record larger than a page gets a chain extent of its own, where it does
 * span pages). The header is written before key and value, so a page walk can always step over a record, even one
 * whose encoding failed half-way (such a record was never published and is dead). The hash is the cache's spread hash
 * of the key object ({@link KeyIndex#hash}): compaction finds a record's slot with it, and a lookup compares it before
 * comparing key bytes. The disk tier stores the same key and value bytes, so moving a record down copies bytes
 * without re-encoding.
 */
final class RecordLayout {

    /** Header bytes: the key's hash and two int32 lengths. */
    static final int HEADER_BYTES = 12;
    /** Every record starts at a multiple of this. */
    static final int ALIGNMENT = 8;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private RecordLayout() {
    }

    /** {@return the record's size without padding} */
    static int recordBytes(int keyLength, int valueLength) {
        return HEADER_BYTES + keyLength + valueLength;
    }

    /** {@return the bytes the record occupies in a page, padding included} */
    static int alignedBytes(int keyLength, int valueLength) {
        return align(recordBytes(keyLength, valueLength));
    }

    /** {@return {@code bytes} rounded up to a multiple of {@link #ALIGNMENT}} */
    static int align(int bytes) {
        return (bytes + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** {@return the aligned record size as a long, for limit checks that must not overflow} */
    static long alignedBytesExact(long keyLength, long valueLength) {
        return (HEADER_BYTES + keyLength + valueLength + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Writes the header at {@code offset}. */
    static void writeHeader(MemorySegment segment, long offset, int hash, int keyLength, int valueLength) {
        segment.set(INT, offset, hash);
        segment.set(INT, offset + 4, keyLength);
        segment.set(INT, offset + 8, valueLength);
    }

    static int hash(MemorySegment segment, long offset) {
        return segment.get(INT, offset);
    }

    static int keyLength(MemorySegment segment, long offset) {
        return segment.get(INT, offset + 4);
    }

    static int valueLength(MemorySegment segment, long offset) {
        return segment.get(INT, offset + 8);
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
