package dev.strata.tier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One stripe's table of {@link Node}s (the keys held on the heap or on disk): open addressing with linear probing,
 * lock-free lookups. The nodes are the entries (each holds its key and the key's spread hash), so a lookup touches a
 * slot and the node, with no map entry in between.
 *
 * <pre>
 *   table:  [ null | node A | TOMB | node B | node C | null | ... ]     linear probing from hash &amp; (length - 1)
 *                                                                      a probe stops at the first null slot
 * </pre>
 *
 * <p><b>Concurrency.</b> Readers take no lock: they read the volatile table, then probe it. Writers hold the monitor
 * of the {@link Stripe} that owns the table. A remove leaves a tombstone, which keeps probe chains unbroken for
 * readers; a tombstone followed by an empty slot ends every chain through it, so it becomes empty at once (and so do
 * the tombstones before it). A table is never written once a larger or cleaner copy has replaced it, and every table
 * keeps an empty slot (rebuilt at half full, tombstones counted), so a probe always ends. A reader on a replaced table
 * sees the table as it was when it was replaced, a state the key went through while the reader ran.
 */
final class NodeTable {

    private static final int INITIAL_SLOTS = 8;
    /** Marks a removed entry's slot. Never equal to a live node: compared by identity first. */
    private static final Node<?, ?> TOMBSTONE = new Node<>(new Object(), 0);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Node[].class);

    /** Replaced, never written again, when it grows or sheds its tombstones. */
    private volatile Node<?, ?>[] table = new Node<?, ?>[INITIAL_SLOTS];
    /** Live nodes. Guarded by the stripe. */
    private int live;
    /** Live nodes plus tombstones: the slots a probe may have to pass. Guarded by the stripe. */
    private int used;

    /** {@return the node of {@code key}, or null at the first empty slot} Lock-free. */
    @SuppressWarnings("unchecked")
    <K, V> Node<K, V> find(Object key, int hash) {
        Node<?, ?>[] slots = table;
        int mask = slots.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            Node<?, ?> node = (Node<?, ?>) SLOT.getAcquire(slots, i);
            if (node == null) {
                return null;
            }
            if (node.hash == hash && node != TOMBSTONE && (node.key == key || key.equals(node.key))) {
                return (Node<K, V>) node;
            }
        }
    }

    /** Inserts {@code node}, whose key has no node here (stripe held). */
    void insert(Node<?, ?> node) {
        Node<?, ?>[] slots = table;
        int mask = slots.length - 1;
        int i = node.hash & mask;
        while (slots[i] != null && slots[i] != TOMBSTONE) {
            i = (i + 1) & mask;
        }
        if (slots[i] == null) {
            used++;
        }
        live++;
        SLOT.setRelease(slots, i, node);
        if (used * 2 > slots.length) {
            rebuild();
        }
    }

    /**
     * Grows the table now so that {@code entries} nodes fit without growing again (stripe held); for a bulk load such
     * as a restart, which would otherwise copy the table at every doubling.
     */
    void reserve(int entries) {
        if (entries * 2L > table.length) {
            rebuild(Math.max(entries, live));
        }
    }

    /** Removes {@code target} (this exact node) if it is here (stripe held). {@return whether it was} */
    boolean remove(Node<?, ?> target) {
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
    }

    /** {@return whether the table holds no node} */
    boolean isEmpty() {
        return live == 0;
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
     * {@return the length of a rebuilt table for {@code entries}: the least power of two, from {@code minLength}, at
     * least twice the entries, doubled once more when the entries would fill more than 7/16 of it} A table is rebuilt
     * once its entries and tombstones fill half of it, so a rebuild must leave room: one that left the table (nearly)
     * half full, as a table whose entries stay a little under half of it does when inserts and removals of other keys
     * churn it, would be rebuilt again a few inserts later, copying the whole table each time (a full off-heap tier of
     * {@code Long} keys and values took 40-50 s per million puts so). Leaving a sixteenth of the table free means at
     * least that many inserts between two rebuilds of a table of the same size.
     */
    static int tableLength(int entries, int minLength) {
        int length = minLength;
        while (length < entries * 2) {
            length <<= 1;
        }
        return (long) entries * 16 > (long) length * 7 ? length << 1 : length;
    }

    /** Copies the live nodes into a table of {@link #tableLength} slots and publishes it. */
    private void rebuild() {
        rebuild(live);
    }

    /** Copies the live nodes into a table of {@link #tableLength} slots for {@code room} nodes and publishes it. */
    private void rebuild(int room) {
        int length = tableLength(room, INITIAL_SLOTS);
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
        table = fresh;                                 // volatile: publishes the filled copy
    }

    /** Adds every node to {@code nodes} (stripe held). */
    @SuppressWarnings("unchecked")
    <K, V> void copyTo(List<Node<K, V>> nodes) {
        for (Node<?, ?> node : table) {
            if (node != null && node != TOMBSTONE) {
                nodes.add((Node<K, V>) node);
            }
        }
    }
}
