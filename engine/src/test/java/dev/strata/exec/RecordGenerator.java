package dev.strata.exec;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic records of random sizes for sort tests: empty keys and values, many equal keys, keys sharing an
 * 8-byte prefix (so the full-key comparison matters), keys shorter than the prefix, random bytes including 0x00 and
 * 0xFF. Also an order-independent fingerprint of a multiset of records.
 */
final class RecordGenerator {

    private static final byte[] SHARED_PREFIX = "prefix!!".getBytes(StandardCharsets.US_ASCII);

    private final SplittableRandom random;
    private final byte[][] repeatedKeys = new byte[40][];

    RecordGenerator(long seed) {
        random = new SplittableRandom(seed);
        for (int i = 0; i < repeatedKeys.length; i++) {
            repeatedKeys[i] = bytes(random.nextInt(0, 20));
        }
    }

    byte[] nextKey() {
        int kind = random.nextInt(100);
        if (kind < 5) {
            return new byte[0];
        }
        if (kind < 25) {
            return repeatedKeys[random.nextInt(repeatedKeys.length)].clone();
        }
        if (kind < 55) {
            byte[] suffix = bytes(random.nextInt(0, 12));
            byte[] key = new byte[SHARED_PREFIX.length + suffix.length];
            System.arraycopy(SHARED_PREFIX, 0, key, 0, SHARED_PREFIX.length);
            System.arraycopy(suffix, 0, key, SHARED_PREFIX.length, suffix.length);
            return key;
        }
        if (kind < 65) {
            return bytes(random.nextInt(1, 8));
        }
        return bytes(random.nextInt(1, 25));
    }

    byte[] nextValue() {
        return random.nextInt(10) == 0 ? new byte[0] : bytes(random.nextInt(0, 300));
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** An order-independent fingerprint of a multiset of records: count, and sums of two 64-bit hashes' powers. */
    static final class Fingerprint {
        long count;
        long sum;
        long sumOfSquares;
        long xorOfMixed;

        void add(byte[] key, byte[] value) {
            long h = hash(key, value);
            count++;
            sum += h;
            sumOfSquares += h * h;
            xorOfMixed ^= mix(h + 0x9E3779B97F4A7C15L);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fingerprint f && f.count == count && f.sum == sum && f.sumOfSquares == sumOfSquares
                    && f.xorOfMixed == xorOfMixed;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(sum);
        }

        @Override
        public String toString() {
            return "Fingerprint[count=" + count + ", sum=" + sum + "]";
        }

        private static long hash(byte[] key, byte[] value) {
            long h = 0xCBF29CE484222325L;
            h = (h ^ key.length) * 0x100000001B3L;
            for (byte b : key) {
                h = (h ^ (b & 0xFF)) * 0x100000001B3L;
            }
            h = (h ^ value.length) * 0x100000001B3L;
            for (byte b : value) {
                h = (h ^ (b & 0xFF)) * 0x100000001B3L;
            }
            return mix(h);
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
