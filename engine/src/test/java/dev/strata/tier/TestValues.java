package dev.strata.tier;

import java.util.Random;

/** Values for cache tests that a test can rebuild from their key alone, to check what it reads back. */
final class TestValues {

    private TestValues() {
    }

    /** {@return {@code length} bytes seeded by {@code key}, the first of them the key's low byte} */
    static byte[] seeded(int key, int length) {
        byte[] bytes = new byte[length];
        new Random(key).nextBytes(bytes);
        bytes[0] = (byte) key;
        return bytes;
    }
}
