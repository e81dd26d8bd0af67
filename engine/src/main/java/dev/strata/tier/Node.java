package dev.strata.tier;

/**
 * One key's entry while its value is on the heap. An off-heap value has no node (its record is found through a
 * {@link RecordTable} slot) and neither has a disk value (the disk store's own index finds it).
 *
 * <p><b>Locking.</b> Every field except {@link #frequency} and the queue fields is written only under the monitor of
 * the key's {@link Stripe}. Heap hits read the volatile {@link #value} without a lock. The queue fields
 * ({@link #prev}, {@link #next}, {@link #queued}, {@link #inMain}) are guarded by the lock of the heap's
 * {@link NodeQueue}; that lock is a leaf.
 *
 * <p><b>States.</b> In its table, {@link #value} holds the object. {@link #removed}: the node left its table and will
 * never be used again (its value is null); a reader holding it looks further.
 *
 * <p><b>Size.</b> 48 bytes with compressed oops (12 header + 4 references + 4 ints + 3 booleans + 1 byte): the heap
 * weight is derived from the two lengths rather than stored.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Node<K, V> {

    /** The most hits {@link #frequency} counts: an entry that stops being read leaves main after this many rounds. */
    static final int MAX_FREQUENCY = 3;

    final K key;
    /** The key's spread hash ({@link KeyIndex#hash}): the table compares it before calling {@code equals}. */
    final int hash;

    /** Set once, when the node leaves its table. Guarded by the stripe. */
    boolean removed;
    /**
     * Moves on every change of the node's value or place; a mover that read the value at one version installs the
     * moved copy only if the version is unchanged. Guarded by the stripe.
     */
    int version;

    /** The value object, null once removed. Volatile so heap hits need no lock. */
    volatile V value;

    /** Encoded key length. Guarded by the stripe. */
    int keyLength;
    /** Encoded value length (the heap weight is derived from both lengths). Guarded by the stripe. */
    int valueLength;

    /**
     * Hits counted up to {@link #MAX_FREQUENCY}, spent by the eviction queue ({@link NodeQueue}): a racy hint, lost
     * updates are harmless.
     */
    byte frequency;

    /** Toward the queue's head (newer). Guarded by the queue's lock. */
    Node<K, V> prev;
    /** Toward the queue's tail (older). Guarded by the queue's lock. */
    Node<K, V> next;
    /** Whether the node is linked in a queue. Guarded by the queue's lock. */
    boolean queued;
    /** Whether that queue is main rather than small. Guarded by the queue's lock. */
    boolean inMain;

    Node(K key, int hash) {
        this.key = key;
        this.hash = hash;
    }

    /**
     * Counts a hit; writes only below {@link #MAX_FREQUENCY}, so hot entries do not dirty their cache line on every
     * read.
     */
    void recordHit() {
        byte seen = frequency;
        if (seen < MAX_FREQUENCY) {
            frequency = (byte) (seen + 1);
        }
    }

    @Override
    public String toString() {
        return "Node[" + key + (removed ? ", removed" : "") + "]";
    }
}
