package dev.strata.bench.workload;

/**
 * The benchmark's keys and values. Keys are 16 bytes: the index in the first 8 bytes (big-endian) and a mixed copy of
 * it in the last 8, so keys look random to a hash function yet are reproducible. Values are filled with a pattern
 * derived from the index, so a wrong value would be visible.
 *
 * <p>Stateless and thread-safe.
 */
public final class Keys {

    /** Key length in bytes. */
    public static final int KEY_BYTES = 16;

    private Keys() {
    }

    /**
     * {@return key number {@code index} as 16 bytes}
     *
     * @param index the key's index
     */
    public static byte[] key(int index) {
        byte[] key = new byte[KEY_BYTES];
        putLong(key, 0, index);
        putLong(key, 8, mix(index));
        return key;
    }

    /**
     * {@return keys {@code 0..count-1}}
     *
     * @param count how many keys
     */
    public static byte[][] keys(int count) {
        byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = key(i);
        }
        return keys;
    }

    /**
     * {@return the value stored under key {@code index}}
     *
     * @param index the key's index
     * @param size the value's length in bytes
     */
    public static byte[] value(int index, int size) {
        byte[] value = new byte[size];
        long pattern = mix(index ^ 0x5bd1e995L);
        for (int i = 0; i < size; i++) {
            value[i] = (byte) (pattern >>> ((i & 7) << 3));
        }
        return value;
    }

    /**
     * {@return the key's index, read back from its first 8 bytes}
     *
     * @param key a key made by {@link #key(int)}
     */
    public static int indexOf(byte[] key) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (key[i] & 0xFF);
        }
        return (int) value;
    }

    private static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void putLong(byte[] target, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            target[offset + i] = (byte) value;
            value >>>= 8;
        }
    }
}
