package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

/**
 * Values that name their key and write in their first 8 bytes and repeat a byte derived from both in every other byte,
 * so a reader can tell a whole value from a torn, stale or foreign one without knowing what was written.
 */
final class SelfCheckingValues {

    private SelfCheckingValues() {
    }

    /** {@return write {@code sequence} of {@code key}, {@code length} bytes (at least 8)} */
    static byte[] value(int key, int sequence, int length) {
        byte[] bytes = new byte[length];
        ByteBuffer.wrap(bytes).putInt(key).putInt(sequence);
        byte fill = fill(key, sequence);
        for (int i = 8; i < length; i++) {
            bytes[i] = fill;
        }
        return bytes;
    }

    /** {@return the write a whole value of {@code key} came from} (fails on a torn or foreign value) */
    static int checkWhole(int key, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        assertEquals(key, buffer.getInt(), "value of another key");
        int sequence = buffer.getInt();
        byte fill = fill(key, sequence);
        for (int i = 8; i < bytes.length; i++) {
            if (bytes[i] != fill) {
                throw new AssertionError("torn value for key " + key + " write " + sequence + " at byte " + i);
            }
        }
        return sequence;
    }

    /**
     * Checks that {@code bytes}, read for {@code key} by one reader, is whole and no older than the last value that
     * reader saw for the key ({@code lastSeen}, updated). {@return false if there was no value}
     */
    static boolean checkWholeAndNotOlder(int key, byte[] bytes, int[] lastSeen) {
        if (bytes == null) {
            return false;
        }
        int sequence = checkWhole(key, bytes);
        assertTrue(sequence >= lastSeen[key], "key " + key + ": read write " + sequence + " after write "
                + lastSeen[key]);
        lastSeen[key] = sequence;
        return true;
    }

    private static byte fill(int key, int sequence) {
        return (byte) (key * 31 + sequence * 7);
    }
}
