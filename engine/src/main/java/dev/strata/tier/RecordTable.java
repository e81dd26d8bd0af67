package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One stripe's table of off-heap records: open addressing with linear probing over {@code long} slot words
 * ({@link Slots}). There is no heap object per record: the slot names the record's place, and the record itself holds
 * the key's hash and bytes, which a probe compares (tag first, then hash, then key bytes).
 *
 * <pre>
 *   table:  [ 0 | slot A | 1 (tombstone) | slot B | slot C | 0 | ... ]     linear probing from hash &amp; (length - 1)
 *              slot = PRESENT | visited | tag | life | location           a probe stops at the first 0
 * </pre>
 *
 * <p><b>Concurrency.</b> Writers hold the monitor of the {@link Stripe} that owns the table; under it, the record of
 * every slot is stable (a record moves or dies only under its stripe's monitor, and a page is reused only after its
 * records have left). Lock-free readers ({@link OffHeapReads}) take the volatile {@link #table()} and validate each
 * record they read against its extent's life. Readers may set a slot's visited bit by compare-and-set; writers replace
 * slots with release stores, so a visited bit racing with a replacement is simply lost. Tombstones and rebuilds work as
 * in {@link NodeTable}: a replaced table is never written again.
 *
 * <p><b>Heap.</b> The table is the off-heap tier's only per-record heap: 8 bytes per slot, at most half full after an
 * insert and, once it has grown past its first size, at least an eighth full before one (a sparser table is rebuilt
 * smaller first, and after a clear). Every table made or rebuilt is charged to the engine's {@link TableMemory}, so the
 * engine knows, and bounds, what the tables of all its caches take.
 */
final class RecordTable {

    private static final int INITIAL_SLOTS = 8;
    /** A table grown past its first size is rebuilt smaller before an insert once under 1/this of it are records. */
    private static final int SPARSE_SHARE = 8;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final ExtentTable extents;
    private final TableMemory memory;
    /** Replaced, never written again, when it grows or sheds its tombstones. */
    private volatile long[] table = new long[INITIAL_SLOTS];
    /** Records. Guarded by the stripe. */
    private int live;
    /** Records plus tombstones. Guarded by the stripe. */
    private int used;
    /** Set when the cache closes: the table's charge was given back. Guarded by the stripe. */
    private boolean released;

    /** Creates an empty table, charged to {@code memory}. */
    RecordTable(ExtentTable extents, TableMemory memory) {
        this.extents = extents;
        this.memory = memory;
        memory.charge(heapBytes());
    }

    /** {@return the current table, for a lock-free probe} */
    long[] table() {
        return table;
    }

    /** {@return slot {@code i} of {@code table}} Lock-free. */
    static long slotAt(long[] table, int i) {
        return (long) SLOT.getAcquire(table, i);
    }

    /** Sets the visited bit of slot {@code i} if it still holds {@code seen}. Lock-free; losing a race is harmless. */
    static void markVisited(long[] table, int i, long seen) {
        if (!Slots.isVisited(seen)) {
            SLOT.compareAndSet(table, i, seen, seen | Slots.VISITED);
        }
    }

    /** Sets the visited bit of the slot holding {@code seen} (key hash {@code hash}), if it still does. Lock-free. */
    static void markRecordVisited(long[] table, int hash, long seen) {
        if (Slots.isVisited(seen)) {
            return;
        }
        int mask = table.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = slotAt(table, i);
            if (slot == Slots.EMPTY) {
                return;                                // the record left meanwhile
            }
            if (Slots.sameRecord(slot, seen)) {
                markVisited(table, i, slot);
                return;
            }
        }
    }

    // ---- stripe held ----

    /** {@return the number of slots of the current table} */
    int capacity() {
        return table.length;
    }

    /** {@return slot {@code i} of the current table} */
    long get(int i) {
        return (long) SLOT.getAcquire(table, i);
    }

    /** {@return the heap the current table takes: one {@code long} per slot (the array header left out)} Lock-free. */
    long heapBytes() {
        return (long) table.length * Long.BYTES;
    }

    /** {@return the records in the table} */
    int size() {
        return live;
    }

    /**
     * {@return the index of the slot of the key with {@code hash} whose encoding is the {@code keyLength} bytes of
     * {@code key} at {@code keyOffset}, or -1 if it has none}
     */
    int indexOf(int hash, MemorySegment key, long keyOffset, int keyLength) {
        return probe(hash, null, null, key, keyOffset, keyLength);
    }

    /** {@return the index of the slot of {@code key} (spread hash {@code hash}), or -1 if it has none} */
    <K> int indexOf(int hash, K key, OffHeapReads<K, ?> reads) {
        return probe(hash, key, reads, null, 0, 0);
    }

    /**
     * Probes for a key's slot: records whose tag matches are compared with {@code key} through {@code reads} or, when
     * {@code reads} is null, with the encoded bytes. {@return the slot's index, or -1}
     */
    private <K> int probe(int hash, K key, OffHeapReads<K, ?> reads, MemorySegment encoded, long keyOffset,
                          int keyLength) {
        long[] slots = table;
        int mask = slots.length - 1;
        long tag = Slots.tagBits(hash);
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = (long) SLOT.getAcquire(slots, i);
            if (slot == Slots.EMPTY) {
                return -1;
            }
            if (Slots.isRecord(slot) && Slots.tagOf(slot) == tag) {
                long location = Slots.location(slot);
                Extent extent = extents.extentAt(location);
                int offset = extents.offsetAt(location);
                if (reads != null ? reads.keyAt(extent, offset, hash, key)
                        : holdsEncoding(extent, offset, hash, encoded, keyOffset, keyLength)) {
                    return i;
                }
            }
        }
    }

    private static boolean holdsEncoding(Extent extent, int offset, int hash, MemorySegment key, long keyOffset,
                                         int keyLength) {
        MemorySegment header = extent.headerSegment();
        return RecordLayout.hash(header, offset) == hash && RecordLayout.keyLength(header, offset) == keyLength
                && extent.bytesEqual(RecordLayout.keyOffset(offset), key, keyOffset, keyLength);
    }

    /** {@return the index of the slot naming the same record as {@code slot} (key hash {@code hash}), or -1} */
    int indexOfRecord(int hash, long slot) {
        long[] slots = table;
        int mask = slots.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long found = (long) SLOT.getAcquire(slots, i);
            if (found == Slots.EMPTY) {
                return -1;
            }
            if (Slots.sameRecord(found, slot)) {
                return i;
            }
        }
    }

    /** Replaces slot {@code i} with {@code slot} (another record of the same key). */
    void replace(int i, long slot) {
        SLOT.setRelease(table, i, slot);
    }

    /** Inserts {@code slot} for a key with {@code hash} that has no slot here. */
    void insert(int hash, long slot) {
        shrinkIfSparse();
        long[] slots = table;
        int mask = slots.length - 1;
        int i = hash & mask;
        while (Slots.isRecord(slots[i])) {
            i = (i + 1) & mask;
        }
        if (slots[i] == Slots.EMPTY) {
            used++;
        }
        live++;
        SLOT.setRelease(slots, i, slot);
        if (used * 2 > slots.length) {
            rebuild();
        }
    }

    /** Removes slot {@code i}. */
    void remove(int i) {
        long[] slots = table;
        int mask = slots.length - 1;
        SLOT.setRelease(slots, i, Slots.TOMBSTONE);
        live--;
        int next = (i + 1) & mask;
        if (slots[next] != Slots.EMPTY) {
            return;
        }
        for (int j = i; slots[j] == Slots.TOMBSTONE; j = (j - 1) & mask) {
            SLOT.setRelease(slots, j, Slots.EMPTY);     // nothing probes past an empty slot: the run is unreachable
            used--;
        }
    }

    /**
     * Rebuilds the table smaller when it has grown past its first size and fewer than 1/{@value #SPARSE_SHARE} of its
     * slots are records: after evictions, expiries and clears, so its heap follows the records down. Never while a
     * caller walks the slots by index (a clear or a sweep calls it after its walk).
     */
    void shrinkIfSparse() {
        long[] slots = table;
        if (slots.length > INITIAL_SLOTS && (long) live * SPARSE_SHARE < slots.length) {
            rebuild();
        }
    }

    /**
     * Gives the table's charge back, when its cache closes (after its clear): the table takes no more heap once the
     * cache is dropped. Idempotent; a table is not written after it.
     */
    void release() {
        if (!released) {
            released = true;
            memory.charge(-heapBytes());
        }
    }

    /**
     * Copies the records into a table of {@link NodeTable#tableLength} slots (at most 7/16 full, at least 7/32 when it
     * grew) and publishes it, charging the difference in heap.
     */
    private void rebuild() {
        int length = NodeTable.tableLength(live, INITIAL_SLOTS);
        long[] fresh = new long[length];
        int mask = length - 1;
        for (long slot : table) {
            if (Slots.isRecord(slot)) {
                int i = hashOf(slot) & mask;
                while (fresh[i] != Slots.EMPTY) {
                    i = (i + 1) & mask;
                }
                fresh[i] = slot;
            }
        }
        used = live;
        long grownBytes = (long) (length - table.length) * Long.BYTES;
        if (!released) {
            memory.charge(grownBytes);
        }
        table = fresh;                                 // volatile: publishes the filled copy
    }

    /** {@return the key hash stored in the record {@code slot} names (stable: stripe held)} */
    int hashOf(long slot) {
        long location = Slots.location(slot);
        return RecordLayout.hash(extents.extentAt(location).headerSegment(), extents.offsetAt(location));
    }
}
