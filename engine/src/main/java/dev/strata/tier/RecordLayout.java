package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The off-heap record: how one entry is laid out in an {@link Extent}. A record describes itself (its key's hash and
 * both lengths), so a page can be walked record by record and each record's slot found without any heap object.
 *
 * <pre>
 *  offset 0        4          8            12          16                 16 + keyLength         recordBytes  aligned
 *         +--------+----------+------------+-----------+------------------+----------------------+.........+
 *         | hash   | keyLen   | valueLen   | version   | key bytes        | value bytes          | 0-7 pad |
 *         | int32  | int32    | int32      | int32     | (key codec)      | (value codec)        |         |
 *         +--------+----------+------------+-----------+------------------+----------------------+.........+
 *         ^ 8-byte aligned: a slot names a record by its offset / 8
 * </pre>
 *
 * Native byte order. Records are appended back to back, each starting at a multiple of {@link #ALIGNMENT}; a record
 * never straddles a page of a log extent (a record larger than a page gets a chain extent of its own, where it does
 * span pages). The header is written before key and value, so a page walk can always step over a record, even one
 * whose encoding failed half-way (such a record was never published and is dead). The hash is the cache's spread hash
 * of the key object ({@link KeyIndex#hash}): recycling finds a record's slot with it, and a lookup compares it before
 * comparing key bytes. The disk tier stores the same key and value bytes, so moving a record down copies bytes
 * without re-encoding.
 *
 * <p><b>Version.</b> A seqlock over the value: even while the value is stable, odd while a writer overwrites it in
 * place (a put of a value of the same aligned size, under the key's stripe monitor); each overwrite adds two. A
 * lock-free reader reads it before and after copying the value and keeps the copy only if it read the same even
 * number twice. Records appended whole start at 0.
 */
final class RecordLayout {

    /** Header bytes: the key's hash, two int32 lengths and the version. */
    static final int HEADER_BYTES = 16;
    /** Every record starts at a multiple of this. */
    static final int ALIGNMENT = 8;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    /** Ordered access to the version, which is 4-byte aligned (records start at multiples of 8). */
    private static final VarHandle VERSION = ValueLayout.JAVA_INT.varHandle();
    /** Ordered access to the header's second word (value length and version), 8-byte aligned. */
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();
    private static final int VERSION_OFFSET = 12;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

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

    /** Writes the header at {@code offset}, version 0. */
    static void writeHeader(MemorySegment segment, long offset, int hash, int keyLength, int valueLength) {
        segment.set(INT, offset, hash);
        segment.set(INT, offset + 4, keyLength);
        segment.set(INT, offset + 8, valueLength);
        segment.set(INT, offset + VERSION_OFFSET, 0);
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

    /** Sets the value length of an overwrite in place, between {@link #beginOverwrite} and {@link #endOverwrite}. */
    static void setValueLength(MemorySegment segment, long offset, int valueLength) {
        segment.set(INT, offset + 8, valueLength);
    }

    /**
     * {@return the header's first word: the key's hash and the key length, in one load} Split it with
     * {@link #firstInt} and {@link #secondInt}.
     */
    static long hashAndKeyLength(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_LONG, offset);
    }

    /**
     * {@return the header's second word: the value length and the version, in one load with acquire semantics (loads
     * after it, of the value, are not done before it)} Split it with {@link #firstInt} and {@link #secondInt}.
     */
    static long valueLengthAndVersionAcquire(MemorySegment segment, long offset) {
        return (long) WORD.getAcquire(segment, offset + 8);
    }

    /** {@return the int at the lower address of a header word read as one long} */
    static int firstInt(long word) {
        return LITTLE_ENDIAN ? (int) word : (int) (word >>> 32);
    }

    /** {@return the int at the higher address of a header word read as one long} */
    static int secondInt(long word) {
        return LITTLE_ENDIAN ? (int) (word >>> 32) : (int) word;
    }

    /** {@return the record's version, plain: for a second read behind an acquire fence, or under the monitor} */
    static int version(MemorySegment segment, long offset) {
        return segment.get(INT, offset + VERSION_OFFSET);
    }

    /** {@return the record's version, with acquire semantics: loads after it are not done before it} */
    static int versionAcquire(MemorySegment segment, long offset) {
        return (int) VERSION.getAcquire(segment, offset + VERSION_OFFSET);
    }

    /**
     * Starts an overwrite in place (stripe monitor held): makes the version odd, with a full fence, so that no byte
     * of the new value becomes visible before it and the pin check that follows reads after it. {@return the version
     * it had}
     */
    static int beginOverwrite(MemorySegment segment, long offset) {
        int version = segment.get(INT, offset + VERSION_OFFSET);
        VERSION.setOpaque(segment, offset + VERSION_OFFSET, version + 1);
        VarHandle.fullFence();
        return version;
    }

    /** Ends an overwrite in place: {@code next} is even (the old version plus two, or the old one to cancel). */
    static void endOverwrite(MemorySegment segment, long offset, int next) {
        VERSION.setRelease(segment, offset + VERSION_OFFSET, next);
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
