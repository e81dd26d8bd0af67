package dev.strata.bench.hitratio;

import dev.strata.bench.workload.ZipfianIndices;

/**
 * The request streams of the hit-ratio comparison: keys in {@code [0, keys)} (and, for scans, one-off keys beyond),
 * drawn with a fixed seed so every policy answers the same requests.
 */
enum Trace {

    /** Zipfian popularity with skew 0.99 over all keys, hot keys scattered (the YCSB law). */
    ZIPF("Zipf 0.99") {
        @Override
        int[] requests(int keys, int length, long seed) {
            ZipfianIndices zipf = new ZipfianIndices(keys, ZipfianIndices.DEFAULT_EXPONENT, seed);
            int[] requests = new int[length];
            for (int i = 0; i < length; i++) {
                requests[i] = zipf.next();
            }
            return requests;
        }
    },

    /**
     * The Zipfian stream, broken every {@value #SCAN_EVERY} requests by a scan: {@value #SCAN_LENGTH} keys read once
     * and never again (a batch job or a crawler walking the key space). A policy that lets a scan flush its hot entries
     * loses hits after each one.
     */
    ZIPF_WITH_SCANS("Zipf 0.99 + scans") {
        @Override
        int[] requests(int keys, int length, long seed) {
            ZipfianIndices zipf = new ZipfianIndices(keys, ZipfianIndices.DEFAULT_EXPONENT, seed);
            int[] requests = new int[length];
            int oneOff = keys;
            for (int i = 0; i < length; ) {
                for (int n = 0; n < SCAN_EVERY && i < length; n++) {
                    requests[i++] = zipf.next();
                }
                for (int n = 0; n < SCAN_LENGTH && i < length; n++) {
                    requests[i++] = oneOff++;
                }
            }
            return requests;
        }
    },

    /**
     * Zipfian popularity whose hot keys change {@value #PHASES} times: each phase draws from its own permutation of the
     * keys, so what was hot goes cold at once. Rewards recency: a policy that clings to old favourites loses hits.
     */
    SHIFTING_ZIPF("Zipf 0.99, hot set moving") {
        @Override
        int[] requests(int keys, int length, long seed) {
            int[] requests = new int[length];
            int phaseLength = (length + PHASES - 1) / PHASES;
            for (int phase = 0; phase < PHASES; phase++) {
                ZipfianIndices zipf = new ZipfianIndices(keys, ZipfianIndices.DEFAULT_EXPONENT, seed + phase);
                for (int i = phase * phaseLength; i < Math.min(length, (phase + 1) * phaseLength); i++) {
                    requests[i] = zipf.next();
                }
            }
            return requests;
        }
    };

    static final int SCAN_EVERY = 100_000;
    static final int SCAN_LENGTH = 20_000;
    static final int PHASES = 5;

    private final String label;

    Trace(String label) {
        this.label = label;
    }

    /** {@return how the report names the trace} */
    String label() {
        return label;
    }

    /**
     * {@return {@code length} requests over {@code keys} keys, the same for the same arguments}
     *
     * @param keys the number of keys that recur
     * @param length the number of requests
     * @param seed the seed of the draws
     */
    abstract int[] requests(int keys, int length, long seed);
}
