package dev.strata.tier.disk;

/**
 * An S3-FIFO ghost: the key hashes of records lately evicted from a tier's probation log instead of moving to its
 * main log. A put of a key the ghost remembers skips probation and goes to the main log, because the key came back
 * within about one cache's worth of evictions (S3-FIFO's ghost queue, as a table of hash fingerprints). Each tier keeps
 * its own: the heap tier's queues ({@code NodeQueue}, under their lock), the off-heap tier (records leaving a
 * probation page not read, or read but past what the page keeps once a writer has waited long) and a {@link DiskStore}
 * (records leaving a probation segment not read; a persistent store's ghost does not outlive it).
 *
 * <pre>
 *   fingerprints:  [ 0 | 7f | 0 | 12 | c3 | 0 | ... ]     one byte per bucket: bucket = low bits of mix(hash),
 *                                                          fingerprint = its top 8 bits (never 0, which is empty)
 *   a newer key overwrites an older one in its bucket: forgetting is approximately oldest first
 * </pre>
 *
 * <p>The table has one to two buckets per record the tier holds ({@link #fit}), so a key is remembered for about as
 * many evictions from probation as the tier has entries (a simulation of the hit-ratio traces found no difference
 * against an exact FIFO of that many keys; four buckets per record did slightly worse). One byte per bucket keeps the
 * table small enough to stay in the processor's caches, since every put of a new key looks it up. It is a hint: a
 * collision may forget a key early, or (same bucket and fingerprint, about one new key in 300 when the table is full)
 * send a key to the main log without cause; neither changes what a get returns.
 *
 * <p><b>Concurrency.</b> Racy by design: plain loads and stores of bytes; a lost update loses one hint. {@link #fit}
 * replaces the table with a larger copy. Thread-safe.
 */
public final class GhostHashes {

    /** The smallest table: a small tier still remembers a few pages of evictions. */
    public static final int MIN_LENGTH = 1 << 10;
    /** The largest table: 2^28 bytes (256 MiB of heap), for 2^27 or more records. */
    public static final int MAX_LENGTH = 1 << 28;
    /** The value of an empty bucket; no fingerprint is 0. */
    private static final byte EMPTY = 0;

    private volatile byte[] fingerprints = new byte[MIN_LENGTH];

    /** Creates an empty ghost of {@link #MIN_LENGTH} buckets. */
    public GhostHashes() {
    }

    /**
     * Remembers {@code hash}, the hash of a key just evicted from probation.
     *
     * @param hash the key's hash (spread or not: it is mixed again here)
     */
    public void add(int hash) {
        byte[] table = fingerprints;
        int mixed = mix(hash);
        table[mixed & (table.length - 1)] = fingerprint(mixed);
    }

    /**
     * Forgets {@code hash}.
     *
     * @param hash the key's hash, as given to {@link #add}
     * @return whether it was remembered
     */
    public boolean remove(int hash) {
        byte[] table = fingerprints;
        int mixed = mix(hash);
        int bucket = mixed & (table.length - 1);
        if (table[bucket] != fingerprint(mixed)) {
            return false;
        }
        table[bucket] = EMPTY;
        return true;
    }

    /**
     * Grows the table to one to two buckets per record when the tier holds {@code records}, more than it has buckets.
     * What it remembers stays: a key's bucket in the larger table is one of the copies of its old bucket, which fill
     * the new table (the other copies may answer a few keys wrongly until overwritten: a hint). Never shrinks: a tier
     * that held that many records may again. Racing adds during the copy may be lost. Thread-safe.
     *
     * @param records the records the tier holds now
     */
    public void fit(long records) {
        byte[] table = fingerprints;
        if (records <= table.length || table.length == MAX_LENGTH) {
            return;
        }
        int length = (int) Math.min(MAX_LENGTH, Long.highestOneBit(records - 1) << 1);
        byte[] grown = new byte[length];
        for (int start = 0; start < length; start += table.length) {
            System.arraycopy(table, 0, grown, start, table.length);
        }
        fingerprints = grown;
    }

    /** {@return the number of buckets} */
    public int length() {
        return fingerprints.length;
    }

    /** The hash is spread already, but its low bits also pick a key's record-table slot: mix again. */
    private static int mix(int hash) {
        int mixed = hash * 0x85EB_CA6B;
        return mixed ^ (mixed >>> 15);
    }

    /** {@return the top 8 bits of {@code mixed}, 1 for 0} The bucket uses the low bits. */
    private static byte fingerprint(int mixed) {
        int top = mixed >>> 24;
        return (byte) (top == 0 ? 1 : top);
    }
}
