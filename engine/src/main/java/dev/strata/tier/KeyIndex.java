package dev.strata.tier;

/**
 * A cache's key index: its keys spread over {@link Stripe}s by hash. Each stripe holds the nodes of the keys on the
 * heap and the slots of the keys off-heap, and its monitor is those keys' lock (keys on disk included, which the disk
 * store indexes).
 *
 * <pre>
 *   hash   = spread(key.hashCode())
 *   stripe = stripes[hash >>> (32 - stripeBits)]          probe start in a table: hash &amp; (length - 1)
 * </pre>
 *
 * <p>Enough stripes that two writers rarely meet: {@value #STRIPES_PER_PROCESSOR} per processor, at least
 * {@value #MIN_STRIPES}. Thread-safe.
 */
final class KeyIndex {

    static final int MIN_STRIPES = 256;
    static final int STRIPES_PER_PROCESSOR = 64;
    private static final int MAX_STRIPES = 1 << 14;

    private final Stripe[] stripes;
    private final int shift;

    /**
     * @param hasNodes whether the cache has a heap tier
     * @param extents the off-heap tier's extents, or null if the cache has none
     * @param tables the engine's account of record-table heap, charged for the stripes' record tables
     */
    KeyIndex(boolean hasNodes, ExtentTable extents, TableMemory tables) {
        int wanted = Math.max(MIN_STRIPES, Runtime.getRuntime().availableProcessors() * STRIPES_PER_PROCESSOR);
        int count = Math.min(MAX_STRIPES, Integer.highestOneBit(wanted - 1) << 1);
        this.stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Stripe(hasNodes, extents, tables);
        }
        this.shift = Integer.SIZE - Integer.numberOfTrailingZeros(count);
    }

    /**
     * {@return the spread hash of {@code key}: its {@code hashCode} mixed so that the low bits (slots) and the high
     * bits (stripes) both vary, whatever the key type's hash looks like}
     */
    static int hash(Object key) {
        int h = key.hashCode() * 0x9E3779B9;           // golden-ratio multiply: every input bit reaches the high bits
        return h ^ (h >>> 16);                         // ... and back into the low ones
    }

    Stripe stripe(int hash) {
        return stripes[hash >>> shift];
    }

    /** {@return the index in {@link #stripes()} of the stripe of keys with spread hash {@code hash}} */
    int stripeIndex(int hash) {
        return hash >>> shift;
    }

    /** {@return every stripe, for whole-cache walks (clear, flush)} */
    Stripe[] stripes() {
        return stripes;
    }
}
