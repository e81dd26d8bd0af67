package dev.strata.bench.workload;

/**
 * Sizes the populated data set of a benchmark so it fits every tier under test: about {@link #TARGET_BYTES} of
 * values, at most {@link #MAX_KEYS} keys.
 *
 * <p>Stateless and thread-safe.
 */
public final class WorkingSet {

    /** Value bytes a populated cache holds (64 MiB): fits the heap, off-heap and disk budgets of every benchmark. */
    public static final long TARGET_BYTES = 64L << 20;

    /** Upper bound on the number of keys (256 Ki). */
    public static final int MAX_KEYS = 1 << 18;

    /** Room each tier is given over the payload: headers, tables, fragmentation. */
    public static final long CAPACITY_BYTES = 4 * TARGET_BYTES;

    private WorkingSet() {
    }

    /**
     * {@return how many keys a benchmark with values of this size populates}
     *
     * @param valueSize the value size in bytes
     */
    public static int keyCount(int valueSize) {
        return (int) Math.min(MAX_KEYS, TARGET_BYTES / valueSize);
    }
}
