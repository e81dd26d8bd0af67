package dev.strata.tier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A cache's key index: key to {@link Node}, with lock-free lookups. The nodes themselves are the entries (each holds
 * its key and the key's spread hash), so a lookup touches a table slot and the node, with no map entry in between as
 * a {@code ConcurrentHashMap<K, Node>} has: one dependent load and a 32-byte map entry less per key, for 8 more bytes
 * in the node (its hash). A whole off-heap entry, measured with 1 M entries: 146.5 heap bytes instead of 158 with
 * the map.
 *
 * <pre>
 *   hash = spread(key.hashCode())
 *   segment = segments[hash >>> (32 - SEGMENT_BITS)]     each segment: a lock and an open-addressing table
 *   table:  [ null | node A | TOMB | node B | node C | null | ... ]     linear probing from hash &amp; (length - 1)
 *                                                                      a probe stops at the first null slot
 * </pre>
 *
 * <p><b>Concurrency.</b> Readers take no lock: they read the segment's volatile table, then probe it. Writers (insert,
 * remove) take the segment's lock. A remove leaves a tombstone, which keeps probe chains unbroken for readers; a
 * tombstone followed by an empty slot ends every chain through it, so it becomes empty at once (and so do the
 * tombstones before it). A table is never written once a larger or cleaner copy has replaced it, and every table keeps
 * an empty slot (resized at half full, tombstones counted), so a probe always ends. A reader on a replaced table sees
 * every key present before the replacement; it may miss a key inserted after, which a racing insert allows. A removed
 * node a reader still finds is caught by the node's own {@link Node#removed} protocol.
 *
 * <p>Thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class NodeIndex<K, V> {

    private static final int SEGMENT_BITS = 4;
    private static final int INITIAL_SLOTS = 16;
    /** Marks a removed entry's slot. Never equal to a live node: compared by identity first. */
    private static final Node<?, ?> TOMBSTONE = new Node<>(new Object(), 0);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Node[].class);

    private final Segment<K, V>[] segments = newSegments();

    @SuppressWarnings("unchecked")
    private static <K, V> Segment<K, V>[] newSegments() {
        Segment<K, V>[] segments = (Segment<K, V>[]) new Segment<?, ?>[1 << SEGMENT_BITS];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = new Segment<>();
        }
        return segments;
    }

    /**
     * {@return the spread hash of {@code key}: its {@code hashCode} mixed so that the low bits (slots) and the high
     * bits (segments) both vary, whatever the key type's hash looks like}
     */
    static int hash(Object key) {
        int h = key.hashCode() * 0x9E3779B9;           // golden-ratio multiply: every input bit reaches the high bits
        return h ^ (h >>> 16);                         // ... and back into the low ones
    }

    /** {@return the node of {@code key}, or null if there is none} Lock-free. */
    Node<K, V> get(K key) {
        int hash = hash(key);
        return find(segmentOf(hash).table, key, hash);
    }

    /** {@return the node of {@code key}, created and inserted if there was none} */
    Node<K, V> getOrCreate(K key) {
        int hash = hash(key);
        Segment<K, V> segment = segmentOf(hash);
        Node<K, V> found = find(segment.table, key, hash);
        return found != null ? found : segment.insertIfAbsent(key, hash, null);
    }

    /** Inserts {@code node} unless its key has a node already. {@return the node now indexed under the key} */
    Node<K, V> putIfAbsent(Node<K, V> node) {
        return segmentOf(node.hash).insertIfAbsent(node.key, node.hash, node);
    }

    /** Removes {@code node} (this exact node, not another one with an equal key). {@return whether it was indexed} */
    boolean remove(Node<K, V> node) {
        return segmentOf(node.hash).remove(node);
    }

    /** {@return every indexed node, copied: a snapshot that later inserts and removes do not change} */
    List<Node<K, V>> nodes() {
        List<Node<K, V>> nodes = new ArrayList<>();
        for (Segment<K, V> segment : segments) {
            segment.copyTo(nodes);
        }
        return nodes;
    }

    private Segment<K, V> segmentOf(int hash) {
        return segments[hash >>> (Integer.SIZE - SEGMENT_BITS)];
    }

    /** Probes {@code table} for {@code key}. {@return its node, or null at the first empty slot} */
    @SuppressWarnings("unchecked")
    private static <K, V> Node<K, V> find(Node<?, ?>[] table, Object key, int hash) {
        int mask = table.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            Node<?, ?> node = (Node<?, ?>) SLOT.getAcquire(table, i);
            if (node == null) {
                return null;
            }
            if (node.hash == hash && node != TOMBSTONE && (node.key == key || key.equals(node.key))) {
                return (Node<K, V>) node;
            }
        }
    }

    /** One stripe: a lock over the writes of one open-addressing table. */
    private static final class Segment<K, V> {
        private final ReentrantLock lock = new ReentrantLock();
        /** Replaced, never written again, when it grows or sheds its tombstones. */
        volatile Node<?, ?>[] table = new Node<?, ?>[INITIAL_SLOTS];
        /** Live nodes. Guarded by {@link #lock}. */
        private int live;
        /** Live nodes plus tombstones: the slots a probe may have to pass. Guarded by {@link #lock}. */
        private int used;

        /** {@return the node under {@code key}: the existing one, or {@code fresh} (created if null) inserted} */
        @SuppressWarnings("unchecked")
        Node<K, V> insertIfAbsent(K key, int hash, Node<K, V> fresh) {
            lock.lock();
            try {
                Node<?, ?>[] slots = table;
                int mask = slots.length - 1;
                int free = -1;
                int i = hash & mask;
                for (Node<?, ?> node; (node = slots[i]) != null; i = (i + 1) & mask) {
                    if (node == TOMBSTONE) {
                        free = free < 0 ? i : free;
                    } else if (node.hash == hash && (node.key == key || key.equals(node.key))) {
                        return (Node<K, V>) node;
                    }
                }
                Node<K, V> inserted = fresh != null ? fresh : new Node<>(key, hash);
                if (free < 0) {
                    free = i;
                    used++;
                }
                live++;
                SLOT.setRelease(slots, free, inserted);
                if (used * 2 > slots.length) {
                    rebuild();
                }
                return inserted;
            } finally {
                lock.unlock();
            }
        }

        boolean remove(Node<K, V> target) {
            lock.lock();
            try {
                Node<?, ?>[] slots = table;
                int mask = slots.length - 1;
                for (int i = target.hash & mask; slots[i] != null; i = (i + 1) & mask) {
                    if (slots[i] == target) {
                        SLOT.setRelease(slots, i, TOMBSTONE);
                        live--;
                        clearTombstonesBefore((i + 1) & mask);
                        return true;
                    }
                }
                return false;
            } finally {
                lock.unlock();
            }
        }

        /** If slot {@code next} is empty, empties the run of tombstones just before it: no chain goes past them. */
        private void clearTombstonesBefore(int next) {
            Node<?, ?>[] slots = table;
            int mask = slots.length - 1;
            if (slots[next] != null) {
                return;
            }
            for (int i = (next - 1) & mask; slots[i] == TOMBSTONE; i = (i - 1) & mask) {
                SLOT.setRelease(slots, i, null);
                used--;
            }
        }

        /**
         * Copies the live nodes into a table at most half full (more than a quarter full when it grew), and publishes
         * it. Lock held.
         */
        private void rebuild() {
            int length = INITIAL_SLOTS;
            while (length < live * 2) {
                length <<= 1;
            }
            Node<?, ?>[] fresh = new Node<?, ?>[length];
            int mask = length - 1;
            for (Node<?, ?> node : table) {
                if (node != null && node != TOMBSTONE) {
                    int i = node.hash & mask;
                    while (fresh[i] != null) {
                        i = (i + 1) & mask;
                    }
                    fresh[i] = node;
                }
            }
            used = live;
            table = fresh;                             // volatile: publishes the filled copy
        }

        @SuppressWarnings("unchecked")
        void copyTo(List<Node<K, V>> nodes) {
            for (Node<?, ?> node : table) {
                if (node != null && node != TOMBSTONE) {
                    nodes.add((Node<K, V>) node);
                }
            }
        }
    }
}
