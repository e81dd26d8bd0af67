package dev.strata.bench.workload;

import java.util.SplittableRandom;

/** Random permutations (Fisher-Yates). Stateless and thread-safe. */
final class Permutation {
    private Permutation() {
    }

    /** {@return {@code 0..n-1} in a random order drawn from {@code random}} */
    static int[] shuffled(int n, SplittableRandom random) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
        return values;
    }
}
