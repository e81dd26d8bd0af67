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

    /** {@return {@code length} lower-case letters seeded by {@code key}, after the key itself and a dash} */
    static String seededString(int key, int length) {
        Random random = new Random(key);
        StringBuilder text = new StringBuilder().append(key).append('-');
        while (text.length() < length) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }
}
