package dev.strata.tier;

import dev.strata.Tier;

/**
 * One key's entry while its value is on the heap or on disk (an off-heap value has no node: its record is found
 * through a {@link RecordTable} slot).
 *
 * <p><b>Locking.</b> Every field except {@link #visited} and the queue links is written only under the monitor of the
 * key's {@link Stripe}. Heap hits read the volatile {@link #value} without a lock, disk hits the volatile
 * {@link #version} and then the disk store. The queue links
 * ({@link #prev}, {@link #next}, {@link #queued}) are guarded by the lock of the {@link NodeQueue} the node is in; that
 * lock is a leaf.
 *
 * <p><b>States.</b> {@code HEAP}: {@link #value} holds the object; {@code DISK}: the record is in the cache's disk
 * store under the encoded key ({@link #value} is null). {@link #removed}: the node left its table and will never be
 * used again (its value is null); a reader holding it looks further.
 *
 * <p><b>Size.</b> 56 bytes with compressed oops (12 header + 5 references + 4 ints + 3 booleans, padded): the heap
 * weight is derived from the two lengths rather than stored.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Node<K, V> {

    final K key;
    /** The key's spread hash ({@link KeyIndex#hash}): the table compares it before calling {@code equals}. */
    final int hash;

    /** Where the value is: {@code HEAP} or {@code DISK}. Guarded by the stripe. */
    Tier tier;
    /** Set once, when the node leaves its table. Guarded by the stripe. */
    boolean removed;
    /**
     * Moves on every change of the node's value or place; a mover that read the value at one version installs the
     * moved copy only if the version is unchanged. Written under the stripe; volatile so that a lock-free disk reader
     * that reads it before the disk record reads a record at least as new.
     */
    volatile int version;

    /** The value object while in the heap tier, else null. Volatile so heap hits need no lock. */
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
        return "Node[" + key + " in " + tier + (removed ? ", removed" : "") + "]";
    }
}
