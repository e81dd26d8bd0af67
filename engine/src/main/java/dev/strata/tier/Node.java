package dev.strata.tier;

/**
 * One key's entry while its value is on the heap. An off-heap value has no node (its record is found through a
 * {@link RecordTable} slot) and neither has a disk value (the disk store's own index finds it).
 *
 * <p><b>Locking.</b> Every field except {@link #visited} and the queue links is written only under the monitor of the
 * key's {@link Stripe}. Heap hits read the volatile {@link #value} without a lock. The queue links ({@link #prev},
 * {@link #next}, {@link #queued}) are guarded by the lock of the heap's {@link NodeQueue}; that lock is a leaf.
 *
 * <p><b>States.</b> In its table, {@link #value} holds the object. {@link #removed}: the node left its table and will
 * never be used again (its value is null); a reader holding it looks further.
 *
 * <p><b>Size.</b> 48 bytes with compressed oops (12 header + 4 references + 4 ints + 3 booleans, padded): the heap
 * weight is derived from the two lengths rather than stored.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Node<K, V> {

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

    /** Set on a hit, cleared by eviction scans: a racy hint, lost updates are harmless. */
    boolean visited;

    /** Toward the queue's head (newer). Guarded by the queue's lock. */
    Node<K, V> prev;
    /** Toward the queue's tail (older). Guarded by the queue's lock. */
    Node<K, V> next;
    /** Whether the node is linked in a queue. Guarded by the queue's lock. */
    boolean queued;

    Node(K key, int hash) {
        this.key = key;
        this.hash = hash;
    }

    /** Marks a hit; writes only when the bit changes, so hot entries do not dirty their cache line on every read. */
    void markVisited() {
        if (!visited) {
            visited = true;
        }
    }

    @Override
    public String toString() {
        return "Node[" + key + (removed ? ", removed" : "") + "]";
    }
}
