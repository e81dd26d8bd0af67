package dev.strata.bench.workload;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws key indices in {@code [0, n)} with a Zipfian law: rank {@code r} (1-based) has probability proportional to
 * {@code 1 / r^s}. Ranks are then mapped through a fixed random permutation, so the hot keys are scattered over the
 * index space (and over any hash table or file) instead of sitting next to each other.
 *
 * <p>Method: build the cumulative distribution of the {@code n} ranks once ({@code O(n)} doubles), then invert it with a
 * binary search per draw. Exact for any {@code s > 0}, and fast enough for precomputing streams of a few million
 * indices in {@code @Setup}; it is never called from a timed loop.
 *
 * <p>Not thread-safe (holds its random source).
 */
public final class ZipfianIndices {

    /** The skew used by YCSB and most cache benchmarks. */
    public static final double DEFAULT_EXPONENT = 0.99;

    private final double[] cumulative;
    private final int[] rankToIndex;
    private final SplittableRandom random;

    /**
     * Prepares a generator.
     *
     * @param n how many distinct indices, at least 1
     * @param exponent the skew {@code s}, greater than 0
     * @param seed seed of the draws and of the rank permutation
     * @throws IllegalArgumentException if {@code n < 1} or {@code exponent <= 0}
     */
    public ZipfianIndices(int n, double exponent, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: at least 1)");
        }
        if (!(exponent > 0)) {
            throw new IllegalArgumentException("exponent: " + exponent + " (expected: greater than 0)");
        }
        this.random = new SplittableRandom(seed);
        this.cumulative = new double[n];
        double sum = 0;
        for (int rank = 1; rank <= n; rank++) {
            sum += 1.0 / Math.pow(rank, exponent);
            cumulative[rank - 1] = sum;
        }
        for (int i = 0; i < n; i++) {
            cumulative[i] /= sum;
        }
        cumulative[n - 1] = 1.0;
        this.rankToIndex = Permutation.shuffled(n, random.split());
    }

    /** {@return the next index; index {@code rankToIndex(0)} is the most frequent} */
    public int next() {
        double u = random.nextDouble();
        int position = Arrays.binarySearch(cumulative, u);
        int rank = position >= 0 ? position : -position - 1;
        return rankToIndex[rank];
    }

    /**
     * {@return the index that has the given popularity rank}
     *
     * @param rank 0 for the most frequent index
     */
    public int rankToIndex(int rank) {
        return rankToIndex[rank];
    }

    /**
     * {@return the probability of the given 0-based rank}
     *
     * @param rank 0 for the most frequent index
     */
    public double probabilityOfRank(int rank) {
        return rank == 0 ? cumulative[0] : cumulative[rank] - cumulative[rank - 1];
    }
}
