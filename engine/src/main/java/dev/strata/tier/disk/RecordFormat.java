package dev.strata.tier.disk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of segment files and records; all integers little-endian.
 *
 * <pre>
 * Segment file "segment-NNNNNN.data":
 *   0        4        6        8                16
 *   +--------+--------+--------+----------------+----------+----------+-----
 *   | magic  |version |reserved|   segment id   | record 0 | record 1 | ...
 *   | u32    | u16    | u16 =0 |   u64          |          |          |
 *   +--------+--------+--------+----------------+----------+----------+-----
 *   magic = 0x4B445453 (bytes "STDK"), version = 1
 *
 * Record (HEADER_BYTES = 21, then key and value):
 *   0        4     5          9            13               21        21+k
 *   +--------+-----+----------+------------+----------------+---------+-----------+
 *   | crc32c |flags| keyLen   | valueLen   | sequence       | key     | value     |
 *   | u32    | u8  | u32      | u32        | u64            | k bytes | v bytes   |
 *   +--------+-----+----------+------------+----------------+---------+-----------+
 *            |&lt;------------------ covered by crc32c ------------------------------&gt;|
 *   flags: bit 0 = tombstone (valueLen is 0); other bits must be 0
 *   sequence: &gt;= 1, unique per write; the highest sequence of a key wins during recovery
 *             (compaction copies a record verbatim, so a copy keeps its sequence and its CRC)
 * </pre>
 *
 * <p>A header of all zero bytes is never valid (the sequence starts at 1), so a zero-filled tail left by a crash reads
 * as a torn tail rather than as a run of corrupt records. Stateless and thread-safe.
 */
final class RecordFormat {

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int SEGMENT_MAGIC = 0x4B445453;
    static final short SEGMENT_VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 16;

    static final int CRC_OFFSET = 0;
    static final int FLAGS_OFFSET = 4;
    static final int KEY_LENGTH_OFFSET = 5;
    static final int VALUE_LENGTH_OFFSET = 9;
    static final int SEQUENCE_OFFSET = 13;
    static final int HEADER_BYTES = 21;

    static final byte FLAG_TOMBSTONE = 1;
    static final byte KNOWN_FLAGS = FLAG_TOMBSTONE;

    /** Records must fit a Java array so {@code get} can return them; this leaves room for array headers. */
    static final int MAX_RECORD_BYTES = Integer.MAX_VALUE - 64;

    private RecordFormat() {
    }

    /**
     * {@return the record length for a key and value of the given sizes}
     *
     * @throws IllegalArgumentException if the record would exceed {@link #MAX_RECORD_BYTES}
     */
    static int recordBytes(long keyBytes, long valueBytes) {
        long total = HEADER_BYTES + keyBytes + valueBytes;
        if (total > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("key + value: " + (keyBytes + valueBytes)
                    + " bytes (expected: <= " + (MAX_RECORD_BYTES - HEADER_BYTES) + ")");
        }
        return (int) total;
    }

    /** Writes the segment header into {@code dst} (at least {@link #SEGMENT_HEADER_BYTES} long). */
    static void writeSegmentHeader(MemorySegment dst, long segmentId) {
        dst.set(U32, 0, SEGMENT_MAGIC);
        dst.set(U16, 4, SEGMENT_VERSION);
        dst.set(U16, 6, (short) 0);
        dst.set(U64, 8, segmentId);
    }

    /** {@return whether {@code header} is a valid segment header for {@code segmentId}} */
    static boolean isValidSegmentHeader(MemorySegment header, long segmentId) {
        return header.get(U32, 0) == SEGMENT_MAGIC && header.get(U16, 4) == SEGMENT_VERSION
                && header.get(U64, 8) == segmentId;
    }

    /** Writes the record header fields after the CRC; the CRC field is left for {@link #crcOf} to fill. */
    static void writeRecordHeader(MemorySegment dst, byte flags, int keyBytes, int valueBytes, long sequence) {
        dst.set(ValueLayout.JAVA_BYTE, FLAGS_OFFSET, flags);
        dst.set(U32, KEY_LENGTH_OFFSET, keyBytes);
        dst.set(U32, VALUE_LENGTH_OFFSET, valueBytes);
        dst.set(U64, SEQUENCE_OFFSET, sequence);
    }

    static byte flags(MemorySegment record) {
        return record.get(ValueLayout.JAVA_BYTE, FLAGS_OFFSET);
    }

    /** {@return whether {@code record} is a tombstone (a persistent store's record of a removal)} */
    static boolean isTombstone(MemorySegment record) {
        return (flags(record) & FLAG_TOMBSTONE) != 0;
    }

    static int keyBytes(MemorySegment record) {
        return record.get(U32, KEY_LENGTH_OFFSET);
    }

    static int valueBytes(MemorySegment record) {
        return record.get(U32, VALUE_LENGTH_OFFSET);
    }

    static long sequence(MemorySegment record) {
        return record.get(U64, SEQUENCE_OFFSET);
    }

    static int storedCrc(MemorySegment record) {
        return record.get(U32, CRC_OFFSET);
    }

    /** {@return whether a header's fields can describe a record: known flags, sane lengths, sequence >= 1} */
    static boolean isPlausibleHeader(MemorySegment header) {
        byte flags = flags(header);
        int keyBytes = keyBytes(header);
        int valueBytes = valueBytes(header);
        return (flags & ~KNOWN_FLAGS) == 0 && keyBytes >= 0 && valueBytes >= 0
                && ((flags & FLAG_TOMBSTONE) == 0 || valueBytes == 0)
                && (long) HEADER_BYTES + keyBytes + valueBytes <= MAX_RECORD_BYTES
                && sequence(header) >= 1;
    }

    /** {@return whether all {@link #HEADER_BYTES} of a header are zero (a zero-filled, never written tail)} */
    static boolean isZeroHeader(MemorySegment header) {
        return header.get(U64, 0) == 0 && header.get(U64, 8) == 0 && header.get(U32, 16) == 0
                && header.get(ValueLayout.JAVA_BYTE, 20) == 0;
    }

    /** {@return whether a whole record's stored CRC matches its contents} */
    static boolean hasValidCrc(MemorySegment record) {
        return storedCrc(record) == crcOf(record);
    }

    /** {@return the CRC32C of a whole record's bytes after the CRC field} */
    static int crcOf(MemorySegment record) {
        CRC32C crc = new CRC32C();
        update(crc, record.asSlice(FLAGS_OFFSET));
        return (int) crc.getValue();
    }

    /** Feeds {@code bytes} to {@code crc}: zero-copy for native and {@code byte[]}-backed segments. */
    static void update(CRC32C crc, MemorySegment bytes) {
        if (bytes.byteSize() == 0) {
            return;
        }
        if (bytes.isNative() || bytes.heapBase().orElse(null) instanceof byte[]) {
            crc.update(bytes.asByteBuffer());
        } else {
            crc.update(bytes.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
