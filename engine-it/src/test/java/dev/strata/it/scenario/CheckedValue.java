package dev.strata.it.scenario;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Values that prove where they came from: each holds its key, a sequence number and a CRC32C over everything before
 * it, so a reader can tell a value written for this key (and which write it was) from a corrupted, torn or misplaced
 * one. The payload between header and checksum is derived from key and sequence, so it too is checked.
 * <pre>
 *   +---------+---------+--------+------------------------------+---------+
 *   | key i64 | seq i64 | len i32| payload (len - 24 bytes)     | crc32c  |   little-endian; crc covers bytes 0 .. len-4
 *   +---------+---------+--------+------------------------------+---------+
 * </pre>
 * Stateless and thread-safe.
 */
public final class CheckedValue {

    /** Smallest value: header (20 bytes) and checksum (4). */
    public static final int MIN_SIZE = 24;
    /** What {@link #sequenceOf} returns for a value that was not written for the key, or is damaged. */
    public static final long INVALID = -1;

    private CheckedValue() {
    }

    /**
     * {@return a value of {@code size} bytes for {@code key}'s write number {@code sequence}}
     *
     * @param key the key
     * @param sequence the write's sequence number, not negative
     * @param size the value's size, at least {@link #MIN_SIZE}
     */
    public static byte[] of(long key, long sequence, int size) {
        if (size < MIN_SIZE || sequence < 0) {
            throw new IllegalArgumentException("size: " + size + ", sequence: " + sequence
                    + " (expected: size >= " + MIN_SIZE + ", sequence >= 0)");
        }
        byte[] value = new byte[size];
        ByteBuffer buffer = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(key).putLong(sequence).putInt(size);
        long state = key * 0x9E3779B97F4A7C15L + sequence + 1;
        while (buffer.position() < size - 4) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            buffer.put((byte) state);
        }
        buffer.putInt(crc(value, size - 4));
        return value;
    }

    /**
     * {@return the sequence number of {@code value} if it is intact and was written for {@code key}, else
     * {@link #INVALID}}
     *
     * @param key the key it was read for
     * @param value the value read
     */
    public static long sequenceOf(long key, byte[] value) {
        if (value == null || value.length < MIN_SIZE) {
            return INVALID;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        long storedKey = buffer.getLong(0);
        long sequence = buffer.getLong(8);
        int length = buffer.getInt(16);
        if (storedKey != key || length != value.length || sequence < 0
                || buffer.getInt(value.length - 4) != crc(value, value.length - 4)) {
            return INVALID;
        }
        return java.util.Arrays.equals(value, of(key, sequence, length)) ? sequence : INVALID;
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
