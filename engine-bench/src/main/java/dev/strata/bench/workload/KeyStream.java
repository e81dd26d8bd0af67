package dev.strata.bench.workload;

import java.util.SplittableRandom;

/**
 * A precomputed stream of key indices, so the timed loop reads an array instead of drawing random numbers. Threads
 * share one stream and each reads it from its own cursor ({@link Cursor}), starting at a different offset.
 *
 * <p>Immutable after construction; safe to share between threads.
 */
public final class KeyStream {

    /** Length of every stream: large enough that the stream does not repeat within a measurement's cache footprint. */
    public static final int DEFAULT_LENGTH = 1 << 20;

    private final int[] indices;
    private final int mask;

    private KeyStream(int[] indices) {
        this.indices = indices;
        this.mask = indices.length - 1;
    }

    /**
     * Draws a stream.
     *
     * @param distribution uniform or Zipfian
     * @param keyCount how many distinct keys
     * @param length the stream length, a power of two
     * @param seed the seed
     * @return the stream
     * @throws IllegalArgumentException if {@code length} is not a power of two or {@code keyCount < 1}
     */
    public static KeyStream draw(KeyDistribution distribution, int keyCount, int length, long seed) {
        if (length < 1 || Integer.bitCount(length) != 1) {
            throw new IllegalArgumentException("length: " + length + " (expected: a power of two)");
        }
        if (keyCount < 1) {
            throw new IllegalArgumentException("keyCount: " + keyCount + " (expected: at least 1)");
        }
        int[] indices = new int[length];
        switch (distribution) {
            case UNIFORM -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < length; i++) {
                    indices[i] = random.nextInt(keyCount);
                }
            }
            case ZIPF -> {
                ZipfianIndices zipf = new ZipfianIndices(keyCount, ZipfianIndices.DEFAULT_EXPONENT, seed);
                for (int i = 0; i < length; i++) {
                    indices[i] = zipf.next();
                }
            }
        }
        return new KeyStream(indices);
    }

    /** {@return the number of indices in the stream} */
    public int length() {
        return indices.length;
    }

    /**
     * {@return the index at {@code position}, wrapping around}
     *
     * @param position any non-negative position
     */
    public int at(int position) {
        return indices[position & mask];
    }

    /**
     * A per-thread read position into a {@link KeyStream}. Not thread-safe: one per thread (JMH {@code Scope.Thread}).
     */
    public static final class Cursor {
        private int position;

        /**
         * Starts a cursor at a distinct place in the stream.
         *
         * @param start the first position
         */
        public Cursor(int start) {
            this.position = start;
        }

        /** {@return the next position (just an increment)} */
        public int next() {
            return position++;
        }
    }
}
