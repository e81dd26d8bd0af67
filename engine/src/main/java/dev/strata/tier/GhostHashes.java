package dev.strata.tier;

/**
 * The off-heap tier's ghost: the key hashes of records lately evicted from its probation log without having been read
 * there. A put of a key the ghost remembers skips probation and goes to the main log, because the key came back
 * within about one cache's worth of evictions (S3-FIFO's ghost queue, as a table of hashes).
 *
 * <pre>
 *   hashes:  [ 0 | h7 | 0 | h2 | h9 | 0 | ... ]     one int per bucket, bucket = mix(hash) &amp; (length - 1)
 *            a newer hash overwrites an older one in its bucket: forgetting is approximately oldest first
 * </pre>
 *
 * <p>The table has one to two buckets per record the tier holds ({@link #fit}), so a key is remembered for about as
 * many evictions from probation as the tier has entries (a simulation of the hit-ratio traces found no difference
 * against an exact FIFO of that many keys; four buckets per record did slightly worse). It is a hint: a collision may forget a hash early or (two keys with
 * the same 32-bit hash) admit a key to the main log once without cause; neither changes what a get returns.
 *
 * <p><b>Concurrency.</b> Racy by design: plain loads and stores of {@code int}s, which are atomic; a lost update loses
 * one hint. {@link #fit} replaces the table (forgetting it) and is called by the recycling thread. Thread-safe.
 */
final class GhostHashes {

    /** The smallest table: a small tier still remembers a few pages of evictions. */
    static final int MIN_LENGTH = 1 << 10;
    /** The largest table: 2^26 ints, 256 MiB of heap, for 2^25 or more records. */
    static final int MAX_LENGTH = 1 << 26;
    /** The value of an empty bucket; a hash equal to it is stored as {@link #ZERO_HASH}. */
    private static final int EMPTY = 0;
    private static final int ZERO_HASH = 1;

    private volatile int[] hashes = new int[MIN_LENGTH];

    /** Remembers {@code hash}, the spread hash of a key just evicted from probation. */
    void add(int hash) {
        int[] table = hashes;
        table[bucket(table, hash)] = stored(hash);
    }

    /** Forgets {@code hash}. {@return whether it was remembered} */
    boolean remove(int hash) {
        int[] table = hashes;
        int bucket = bucket(table, hash);
        if (table[bucket] != stored(hash)) {
            return false;
        }
        table[bucket] = EMPTY;
        return true;
    }

    /**
     * Grows the table to one to two buckets per record when the tier holds {@code records}, more than it has buckets;
     * the new table starts empty. Never shrinks: a tier that held that many records may again. Thread-safe.
     */
    void fit(long records) {
        int[] table = hashes;
        if (records <= table.length || table.length == MAX_LENGTH) {
            return;
        }
        long wanted = Long.highestOneBit(records - 1) << 1;
        hashes = new int[(int) Math.min(MAX_LENGTH, wanted)];
    }

    /** {@return the number of buckets} */
    int length() {
        return hashes.length;
    }

    private static int stored(int hash) {
        return hash == EMPTY ? ZERO_HASH : hash;
    }

    /** The hash is spread already, but its low bits also pick a key's record-table slot: mix again. */
    private static int bucket(int[] table, int hash) {
        int mixed = hash * 0x85EB_CA6B;
        return (mixed ^ (mixed >>> 15)) & (table.length - 1);
    }
}
