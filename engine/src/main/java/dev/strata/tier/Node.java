package dev.strata.tier;

import dev.strata.Tier;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One key's entry in a cache's index: which tier holds it and where.
 *
 * <p><b>Locking.</b> Every field except {@link #value}, {@link #visited} and the queue links is written only under the
 * node's monitor ({@code synchronized (node)}). A thread holds at most one node monitor at a time and never evicts, waits for
 * memory or takes another node's monitor while holding one, so node locks cannot deadlock. The queue links
 * ({@link #prev}, {@link #next}, {@link #queued}) are guarded by the lock of the {@link NodeQueue} the node is in; that
 * lock is a leaf (taken inside a node monitor, never the other way round). Readers take the monitor too, except heap hits
 * (volatile {@link #value}) and off-heap hits of a byte-array value, which read the place fields racily under the
 * {@link #version} seqlock and validate afterwards.
 *
 * <p><b>States.</b> {@code tier == null}: created by a put that has not installed yet (reads see no value);
 * {@code HEAP}: {@link #value} holds the object; {@code OFF_HEAP}: the record is in {@link #extent} at {@link #offset};
 * {@code DISK}: the record is in the cache's disk store under the encoded key. {@link #removed}: the node left the
 * index and must not be used; an operation that finds it removed looks the key up again.
 *
 * <p><b>Size.</b> 64 bytes with compressed oops (12 header + 6 references + 5 ints + 3 booleans, padded): the heap
 * weight is derived from the two lengths rather than stored, and {@link #version} is an int. The node is its own index
 * entry ({@link NodeIndex}): besides it an entry costs only its table slots (8 to 16 bytes) and the key object.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Node<K, V> {

    final K key;
    /** The key's spread hash ({@link NodeIndex#hash}): the index compares it before calling {@code equals}. */
    final int hash;

    /** Where the value is; null until the first install. Guarded by this. */
    Tier tier;
    /** Set once, when the node leaves the index. Guarded by this. */
    boolean removed;
    /**
     * A seqlock over the entry's place ({@link #tier}, {@link #extent}, {@link #offset}, the lengths, {@link #removed}):
     * odd while a holder of this node's monitor changes them ({@link #beginChange()}), even otherwise; every change adds
     * two. Movers compare it to detect races; lock-free off-heap readers read it before and after copying the record
     * and retry when it moved (see {@link Tiers#readOffHeapOptimistic}). Written only under this node's monitor.
     */
    volatile int version;

    /** The value object while in the heap tier, else null. Volatile so heap hits need no lock. */
    volatile V value;

    /** The extent holding the record while off-heap. Guarded by this. */
    Extent extent;
    /** The record's offset in {@link #extent}. Guarded by this. */
    int offset;
    /** Encoded key length (in every tier: the heap weight is derived from both lengths). Guarded by this. */
    int keyLength;
    /** Encoded value length (in every tier). Guarded by this. */
    int valueLength;

    /** Set on a hit, cleared by eviction scans: a racy hint, lost updates are harmless. */
    boolean visited;

    /** Toward the queue's head (newer). Guarded by the queue's lock. */
    Node<K, V> prev;
    /** Toward the queue's tail (older). Guarded by the queue's lock. */
    Node<K, V> next;
    /** Whether the node is linked in a queue. Guarded by the queue's lock. */
    boolean queued;

    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(Node.class, "version", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Node(K key) {
        this(key, NodeIndex.hash(key));
    }

    Node(K key, int hash) {
        this.key = key;
        this.hash = hash;
    }

    /**
     * Starts a change of the entry's place (monitor held): makes {@link #version} odd, and keeps the stores that follow
     * from becoming visible before it (a lock-free reader that sees any of them will see the version moved).
     */
    void beginChange() {
        VERSION.setOpaque(this, version + 1);
        VarHandle.storeStoreFence();
    }

    /** Ends a change of the entry's place (monitor held): makes {@link #version} even again, publishing the change. */
    void endChange() {
        VERSION.setRelease(this, version + 1);         // release, not volatile: no StoreLoad fence on the put path
    }

    /** Marks a hit; writes only when the bit changes, so hot entries do not dirty their cache line on every read. */
    void markVisited() {
        if (!visited) {
            visited = true;
        }
    }

    /** {@return the record's size off-heap or on disk: header, key and value} */
    int recordBytes() {
        return RecordLayout.recordBytes(keyLength, valueLength);
    }

    @Override
    public String toString() {
        return "Node[" + key + " in " + tier + (removed ? ", removed" : "") + "]";
    }
}
