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
 *   | magic  |version | flags  |   segment id   | record 0 | record 1 | ...
 *   | u32    | u16    | u16    |   u64          |          |          |
 *   +--------+--------+--------+----------------+----------+----------+-----
 *   magic = 0x4B445453 (bytes "STDK"), version = 2 (1 is still read: see "CRC mask" below)
 *   flags: bit 0 = the segment belongs to the store's probation log (see DiskStore, "Eviction"); other bits 0
 *
 * Record (HEADER_BYTES = 21, then key and value):
 *   0        4     5          9            13               21        21+k
 *   +--------+-----+----------+------------+----------------+---------+-----------+
 *   | crc32c |flags| keyLen   | valueLen   | sequence       | key     | value     |
 *   | u32    | u8  | u32      | u32        | u64            | k bytes | v bytes   |
 *   +--------+-----+----------+------------+----------------+---------+-----------+
 *            |&lt;------------------ covered by crc32c ------------------------------&gt;|
 *   crc32c: the CRC32C of those bytes XOR the segment's CRC mask
 *   flags: bit 0 = tombstone (valueLen is 0); other bits must be 0
 *   sequence: &gt;= 1, unique per write; the highest sequence of a key wins during recovery
 *             (compaction copies a record verbatim but for its CRC field, which it re-masks, so a copy keeps its
 *             sequence; a record a persistent store moves from its probation log to its main log is copied with a
 *             new sequence and CRC, as if written again)
 *
 * End marker (written by a persistent store right after its last record when the file past it holds older bytes):
 *   the first min(21, bytes left in the file) bytes of a header with crc32c = NOT mask, flags = 0x80, all else 0
 * </pre>
 *
 * <p><b>CRC mask.</b> A segment of version 2 stores each record's CRC32C XOR {@link #crcMask(long)} of its own id, a
 * bijection of the id's low 32 bits; version 1 (mask 0) is still read. The mask ties a record to the segment that
 * wrote it, which is what lets a store write a new segment into the file of an old one ({@link SpareFiles}): the old
 * records past the new segment's end still carry intact bytes, but their CRCs are masked with an earlier id, so no
 * scan can take them for the new segment's records, and recovery can tell them ({@link #isEarlierSegmentRecord}) from
 * a torn or corrupt record. A record that fails its CRC for any other reason unmasks to an id below the segment's own
 * with a chance of about (its id) / 2^32.
 *
 * <p><b>End marker.</b> A persistent store writing into a reused file follows each append with an end marker, so that a
 * restart after a crash finds where the segment ended instead of reading into the old bytes past it (which it would
 * count as corrupt, since the end rarely falls on an old record's start). A clean close or a seal cuts the old bytes
 * off instead. The marker's flags are invalid for a record, so no record can be taken for one.
 *
 * <p>A header of all zero bytes is never valid (the sequence starts at 1), so a zero-filled tail left by a crash reads
 * as a torn tail rather than as a run of corrupt records. Stateless and thread-safe.
 */
final class RecordFormat {

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int SEGMENT_MAGIC = 0x4B445453;
    /** The version this code writes. */
    static final short SEGMENT_VERSION = 2;
    /** The version before CRC masks, still read (with mask 0). */
    static final short UNMASKED_SEGMENT_VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 16;
    /** The segment header's flag of a probation segment. */
    static final short SEGMENT_FLAG_PROBATION = 1;

    static final int CRC_OFFSET = 0;
    static final int FLAGS_OFFSET = 4;
    static final int KEY_LENGTH_OFFSET = 5;
    static final int VALUE_LENGTH_OFFSET = 9;
    static final int SEQUENCE_OFFSET = 13;
    static final int HEADER_BYTES = 21;

    static final byte FLAG_TOMBSTONE = 1;
    /** The flags of an end marker; never a record's. */
    static final byte FLAG_END_MARKER = (byte) 0x80;
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

    /**
     * Writes the segment header into {@code dst} (at least {@link #SEGMENT_HEADER_BYTES} long), flagged as a probation
     * segment if {@code probation}.
     */
    static void writeSegmentHeader(MemorySegment dst, long segmentId, boolean probation) {
        dst.set(U32, 0, SEGMENT_MAGIC);
        dst.set(U16, 4, SEGMENT_VERSION);
        dst.set(U16, 6, probation ? SEGMENT_FLAG_PROBATION : 0);
        dst.set(U64, 8, segmentId);
    }

    /**
     * {@return whether the valid segment header {@code header} flags a probation segment} Files written before the
     * flag existed have 0 there: main-log segments, as they were.
     */
    static boolean isProbationSegment(MemorySegment header) {
        return (header.get(U16, 6) & SEGMENT_FLAG_PROBATION) != 0;
    }

    /** {@return whether {@code header} is a valid segment header, of either version, for {@code segmentId}} */
    static boolean isValidSegmentHeader(MemorySegment header, long segmentId) {
        short version = header.get(U16, 4);
        return header.get(U32, 0) == SEGMENT_MAGIC && (version == SEGMENT_VERSION
                || version == UNMASKED_SEGMENT_VERSION) && header.get(U64, 8) == segmentId;
    }

    /** {@return the CRC mask of the records of the segment whose valid header is {@code header}} */
    static int crcMaskOf(MemorySegment header) {
        return isMasked(header) ? crcMask(header.get(U64, 8)) : 0;
    }

    /** {@return whether the valid segment header {@code header} is of a version whose records' CRCs are masked} */
    static boolean isMasked(MemorySegment header) {
        return header.get(U16, 4) != UNMASKED_SEGMENT_VERSION;
    }

    /**
     * {@return the CRC mask of segment {@code segmentId}'s records: the low 32 bits of the id through a bijective mix
     * (the finalizer of MurmurHash3), so segments whose ids differ in those bits never share a mask}
     */
    static int crcMask(long segmentId) {
        int h = (int) segmentId;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /** {@return the low 32 bits of the segment id whose {@link #crcMask} is {@code mask}: the mix undone} */
    static int segmentIdBits(int mask) {
        int h = mask;
        h ^= h >>> 16;
        h *= 0x7ED1B41D;                               // the inverse of 0xC2B2AE35 modulo 2^32
        h ^= (h >>> 13) ^ (h >>> 26);
        h *= 0xA5CB9243;                               // the inverse of 0x85EBCA6B
        h ^= h >>> 16;
        return h;
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

    /** {@return the value bytes of {@code record} (header, key and value), as a read-only slice of it} */
    static MemorySegment value(MemorySegment record) {
        return record.asSlice(HEADER_BYTES + keyBytes(record), valueBytes(record)).asReadOnly();
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

    /** {@return whether a whole record's stored CRC matches its contents under its segment's {@code mask}} */
    static boolean hasValidCrc(MemorySegment record, int mask) {
        return storedCrc(record) == (crcOf(record) ^ mask);
    }

    /**
     * {@return whether {@code record}, which failed its CRC in segment {@code segmentId}, is intact under the mask of
     * an earlier segment: a record of the file's previous segment, left past the end of the one written into it
     * since} Only for a segment of version 2; compares the ids' low 32 bits, so it holds for ids below 2^32.
     */
    static boolean isEarlierSegmentRecord(MemorySegment record, long segmentId) {
        int earlier = segmentIdBits(storedCrc(record) ^ crcOf(record));
        return Integer.compareUnsigned(earlier, (int) segmentId) < 0;
    }

    /** Stores a whole record's CRC under its segment's {@code mask}. */
    static void sealCrc(MemorySegment record, int mask) {
        record.set(U32, CRC_OFFSET, crcOf(record) ^ mask);
    }

    /**
     * Writes the first {@code dst.byteSize()} bytes (at most {@link #HEADER_BYTES}) of the end marker of a segment
     * whose CRC mask is {@code mask}.
     */
    static void writeEndMarker(MemorySegment dst, int mask) {
        for (int i = 0; i < dst.byteSize(); i++) {
            dst.set(ValueLayout.JAVA_BYTE, i, endMarkerByte(i, mask));
        }
    }

    /**
     * {@return whether {@code bytes} (at most {@link #HEADER_BYTES}, fewer at a file's end) are the start of the end
     * marker of a segment whose CRC mask is {@code mask}}
     */
    static boolean isEndMarker(MemorySegment bytes, int mask) {
        long length = bytes.byteSize();
        if (length == 0 || length > FLAGS_OFFSET && bytes.get(ValueLayout.JAVA_BYTE, FLAGS_OFFSET) != FLAG_END_MARKER) {
            return false;                              // a record's header: its flags are never the marker's
        }
        for (int i = 0; i < length; i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) != endMarkerByte(i, mask)) {
                return false;
            }
        }
        return true;
    }

    /** {@return byte {@code i} of the end marker of a segment whose CRC mask is {@code mask} (little-endian CRC)} */
    private static byte endMarkerByte(int i, int mask) {
        if (i < FLAGS_OFFSET) {
            return (byte) (~mask >>> (8 * i));
        }
        return i == FLAGS_OFFSET ? FLAG_END_MARKER : 0;
    }

    /**
     * Gives a whole record a new {@code sequence} and stores its CRC, recomputed, under {@code mask}: a copy that is
     * to outrank its original, as a new write would.
     */
    static void resequence(MemorySegment record, long sequence, int mask) {
        record.set(U64, SEQUENCE_OFFSET, sequence);
        sealCrc(record, mask);
    }

    /** Moves a record's stored CRC from one segment's mask to another's, for a verbatim copy. */
    static void remask(MemorySegment record, int from, int to) {
        record.set(U32, CRC_OFFSET, storedCrc(record) ^ from ^ to);
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
