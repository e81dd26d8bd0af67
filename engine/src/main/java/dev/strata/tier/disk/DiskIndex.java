package dev.strata.tier.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * A {@link DiskStore}'s in-memory index: each live key's bytes to the {@link Location} of its newest record.
 *
 * <p>It holds no object per key. The keys are spread by hash over {@value #STRIPES} {@link IndexTable}s, each an
 * open-addressing table in primitive arrays: per key one 8-byte hash-and-key-offset word and one 8-byte
 * offset-and-length word side by side, one reference to the segment, and the key bytes behind a 4-byte length in an
 * array of their own. With tables between 3/8 and 3/4 full that is about 40 bytes of heap per key plus the key, where
 * a {@code ConcurrentHashMap} of key and location objects took about 130. Locations compare by segment identity and
 * offset: records are never rewritten in place, so that pair names one record for the life of the store. Each entry
 * also has a visited bit (a spare bit of its slot, no memory of its own) that {@link #visit} reads and sets.
 *
 * <p>Many small tables rather than a few large ones: G1 makes an array of half a region or more a humongous object
 * that takes whole regions, and a power-of-two table array just past such a size leaves the rest of its last region
 * unused (with 64 tables, a million keys made 512 KiB arrays and wasted 34 bytes of heap per key). With
 * {@value #STRIPES} a table's arrays stay below 512 KiB up to about 16 million keys per store. A table allocates its
 * arrays on its first insert, so an empty store costs a few tens of kilobytes.
 *
 * <p>Thread-safe: lookups take no lock (optimistic reads validated afterwards), changes lock one stripe.
 */
final class DiskIndex {

    /** How many tables the keys are spread over; the top bits of a key's hash pick one. */
    static final int STRIPES = 1024;

    private static final int STRIPE_SHIFT = Integer.SIZE - Integer.numberOfTrailingZeros(STRIPES);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long MIX = 0xC2B2AE3D27D4EB4FL;
    private static final long AVALANCHE = 0xBF58476D1CE4E5B9L;

    private final IndexTable[] tables = new IndexTable[STRIPES];

    DiskIndex() {
        this(delta -> { });
    }

    /**
     * An index whose tables report each change of what their keys are charged ({@link IndexTable#keyCharge}) to
     * {@code charges}, each under its own write lock.
     */
    DiskIndex(LongConsumer charges) {
        for (int i = 0; i < STRIPES; i++) {
            tables[i] = new IndexTable(charges);
        }
    }

    /**
     * What {@link #visit} found.
     *
     * @param location the key's record
     * @param visited  whether the record's visited bit was set before the lookup
     * @param marked   whether the lookup's compare-and-set succeeded (a writer may still have made the bit lost: a set
     *                 in a table array a rehash had just replaced)
     */
    record Hit(Location location, boolean visited, boolean marked) {
    }

    /** {@return the location of {@code key}'s record, or null if absent} Lock-free. */
    Location get(MemorySegment key) {
        int hash = hash(key);
        return table(hash).get(key, hash);
    }

    /**
     * {@return {@code key}'s record and its visited bit, or null if absent} If {@code mark}, also sets the bit: a
     * compare-and-set of the slot's word, without a lock, that a concurrent writer may make lose (see
     * {@link IndexTable}). Lock-free.
     */
    Hit visit(MemorySegment key, boolean mark) {
        int hash = hash(key);
        return table(hash).visit(key, hash, mark);
    }

    /**
     * Like {@link #visit}, but takes the first entry with {@code key}'s hash (32 bits) without comparing its key bytes,
     * which saves the lookup its one access to them (a cache miss, most of the time). {@return that entry's record
     * and visited bit, or null if no entry has the hash} The caller must compare {@code key} with the record's key
     * and, if they differ (another key with the same hash, about one lookup in 2^32 per key beside it), look again
     * with {@link #visit}; the bit this lookup set is then the other key's. Lock-free.
     */
    Hit visitByHash(MemorySegment key, boolean mark) {
        int hash = hash(key);
        return table(hash).visitByHash(hash, mark);
    }

    /**
     * {@return whether {@code key}'s current record is the one at {@code offset} of {@code segment}} Compares locations
     * only, no key bytes (see {@link IndexTable#holds}). Lock-free.
     */
    boolean isCurrent(MemorySegment key, Segment segment, long offset) {
        int hash = hash(key);
        return table(hash).holds(hash, segment, offset);
    }

    /** {@return whether {@code key} is present} Lock-free. */
    boolean containsKey(MemorySegment key) {
        return get(key) != null;
    }

    /**
     * Points {@code key} at {@code location}, copying the key's bytes if it is new; the record starts unvisited.
     *
     * @return the location replaced, or null if the key was new
     * @throws IllegalArgumentException if the location's offset is 2^32 or more (segments are at most 1 GiB)
     */
    Location put(MemorySegment key, Location location) {
        return put(key, location, false);
    }

    /**
     * Points {@code key} at {@code location} like {@link #put(MemorySegment, Location)}, the record starting visited
     * if {@code visited}.
     *
     * @return the location replaced, or null if the key was new
     */
    Location put(MemorySegment key, Location location, boolean visited) {
        int hash = hash(key);
        return table(hash).put(key, hash, location, visited);
    }

    /**
     * A recovery's step for a snapshot's entry ({@link IndexTable#restore}): inserts {@code key} at {@code location}
     * with its visited bit and record sequence. {@return false, changing nothing, if the key is present already}
     */
    boolean restore(MemorySegment key, Location location, boolean visited, long sequence) {
        int hash = hash(key);
        return table(hash).restore(key, hash, location, visited, sequence);
    }

    /** Removes {@code key}. {@return its location, or null if absent} */
    Location remove(MemorySegment key) {
        int hash = hash(key);
        return table(hash).remove(key, hash);
    }

    /** Removes {@code key} if it points at {@code expected}. {@return whether it did} */
    boolean remove(MemorySegment key, Location expected) {
        int hash = hash(key);
        return table(hash).remove(key, hash, expected);
    }

    /**
     * Points {@code key} at {@code update} if it points at {@code expected}, keeping the record's visited bit when
     * {@code keepVisited} (a compaction's copy), clearing it otherwise (an eviction's second-chance copy).
     * {@return whether it did}
     */
    boolean replace(MemorySegment key, Location expected, Location update, boolean keepVisited) {
        int hash = hash(key);
        return table(hash).replace(key, hash, expected, update, keepVisited);
    }

    /**
     * A recovery's step ({@link IndexTable#settle}): the record with the higher sequence wins; {@code segment} is null
     * for a tombstone. {@return the losing value record's location, or null}
     */
    Location settle(MemorySegment key, Segment segment, long offset, int recordBytes, long sequence) {
        int hash = hash(key);
        return table(hash).settle(key, hash, segment, offset, recordBytes, sequence);
    }

    /** Ends a recovery: keys whose newest record was a tombstone leave the index. */
    void endRecovery() {
        for (IndexTable table : tables) {
            table.endRecovery();
        }
    }

    /**
     * Removes every key whose record lies in a segment {@code doomed} accepts, passing each removed location to
     * {@code removed} (with that key's stripe locked: it must not use this index).
     */
    void removeAll(Predicate<Segment> doomed, Consumer<Location> removed) {
        for (IndexTable table : tables) {
            table.removeAll(entry -> entry instanceof Segment segment && doomed.test(segment), removed);
        }
    }

    /** Removes every key and gives back the tables' memory. */
    void clear() {
        for (IndexTable table : tables) {
            table.clear();
        }
    }

    /**
     * Passes every key to {@code action}, a read-only view of the index's copy valid during the call, with the key's
     * stripe read-locked: the action must not change this index. Keys put or removed meanwhile may or may not be seen.
     * With more than one thread, the calling thread waits while {@code threads} threads named
     * {@code strata-disk-keys-N} take the stripes in turn; the action must then be thread-safe, and the first exception
     * it throws is rethrown after every thread ended.
     *
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    void forEachKey(int threads, Consumer<MemorySegment> action) {
        if (threads == 1) {
            for (IndexTable table : tables) {
                table.forEachKey(action);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        try {
            ParallelWork.run("strata-disk-keys", threads, () -> {
                for (int i; (i = next.getAndIncrement()) < STRIPES; ) {
                    tables[i].forEachKey(action);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);         // not thrown: the walk does no I/O
        }
    }

    /**
     * Passes every entry of the tables {@code from} (inclusive) to {@code to} (exclusive) of the {@value #STRIPES} to
     * {@code action}, one table at a time with its read lock held: the action must not change this index. A key's
     * table depends on its bytes alone.
     *
     * @throws IOException the first the action threw, which ends the walk
     */
    void forEachEntry(int from, int to, IndexTable.EntryAction action) throws IOException {
        for (int table = from; table < to; table++) {
            tables[table].forEachEntry(action);
        }
    }

    /** {@return the number of keys} */
    long size() {
        long size = 0;
        for (IndexTable table : tables) {
            size += table.size();
        }
        return size;
    }

    /** {@return the sum of the lengths of the records the keys point to} */
    long recordBytes() {
        long total = 0;
        for (IndexTable table : tables) {
            total += table.recordBytes();
        }
        return total;
    }

    /** {@return what the index's keys are charged now, in bytes (see {@link IndexTable#keyCharge})} */
    long chargedBytes() {
        long total = 0;
        for (IndexTable table : tables) {
            total += table.chargedBytes();
        }
        return total;
    }

    /** {@return the heap the index's arrays take, in bytes (array and object headers left out)} */
    long heapBytes() {
        long total = 0;
        for (IndexTable table : tables) {
            total += table.heapBytes();
        }
        return total;
    }

    private IndexTable table(int hash) {
        return tables[hash >>> STRIPE_SHIFT];
    }

    /**
     * {@return the hash of a key's bytes} A 64-bit multiply-rotate mix over 8-byte words, finished with a
     * murmur-style avalanche: the top bits pick the stripe, the low bits the slot. Folding words with
     * {@code w ^ (w >>> 32)} instead (as a first version did) collapses keys such as {@code "key-000000012345"}, whose
     * bytes differ only in low nibbles, into a few hash values.
     */
    static int hash(MemorySegment key) {
        long size = key.byteSize();
        long h = (size + 1) * GOLDEN;
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            h = Long.rotateLeft(h ^ key.get(RecordFormat.U64, i) * MIX, 31) * GOLDEN;
        }
        for (; i < size; i++) {
            h = (h ^ (key.get(ValueLayout.JAVA_BYTE, i) & 0xFF)) * GOLDEN;
        }
        h ^= h >>> 29;
        h *= AVALANCHE;
        h ^= h >>> 32;
        return (int) h;
    }
}
