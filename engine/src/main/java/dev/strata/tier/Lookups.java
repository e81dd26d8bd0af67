package dev.strata.tier;

import dev.strata.Tier;
import dev.strata.cache.Promotion;
import dev.strata.tier.disk.DiskStore;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Reads of one cache: {@code get}, {@code containsKey} and the zero-copy {@code read}, each first without any lock,
 * then, if that keeps racing with writers, under the key's stripe monitor.
 *
 * <pre>
 *   lock-free, in tier order:   nodes ──► heap value?  ──► records ──► off-heap value?  ──► disk index ──► disk value?
 *                               none of them: a miss, if the stripe's version did not move meanwhile
 * </pre>
 *
 * <p>A lock-free hit is a value the key held at some moment of the call: a heap value is read from its node's volatile
 * field; an off-heap record is validated against its extent's life ({@link OffHeapReads}); a disk record is read from
 * the disk store, whose index a writer changes under the key's stripe monitor before its operation returns. A lock-free
 * miss is trusted only if no move between the tiers ran meanwhile ({@link Stripe#stable}), and so is a hit below the
 * cache's top tier, so that a reader never returns a new value found below and then, on its next read, an older one
 * still above (see {@code stableBelowTop}); the zero-copy read checks before it calls its reader. An off-heap or disk
 * hit that may promote the entry is read lock-free too; the visited bit read with it (the slot's, or the disk record's
 * in the store's index) decides, and the move (inside the guard) installs only if the slot and the record's version, or
 * the disk record's stamp, are unchanged. A cache with a disk tier looks there for every key its memory tiers miss: an
 * encoding of the key and an index lookup, no I/O unless the key is on disk.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Lookups<K, V> {

    /** Lock-free attempts before a lookup takes the stripe's monitor. */
    static final int OPTIMISTIC_ATTEMPTS = 4;
    private static final Object RETRY = new Object();

    /**
     * The cache's in-flight guard, which close waits for. Heap and off-heap hits and misses need none (close changes
     * what they validate against); disk lookups and the locked path run inside it.
     */
    interface Guard {
        /** Registers an operation in flight. @throws IllegalStateException if the cache is closed */
        void enter();

        /** Ends the operation {@link #enter()} registered. */
        void exit();

        /**
         * {@return whether the cache is closed} Trusted by a caller holding a key's stripe monitor: close clears every
         * stripe under its monitor, after setting the flag and before it frees a page.
         */
        boolean isClosed();
    }

    /** A disk record's value, decoded, with what a promotion needs: its stamp and visited bit. */
    private static final class DiskRead<V> {
        V value;
        long stamp;
        boolean visited;
        /** The cache's clear sequence before the read: the value moves up only if no clear began since. */
        int clears;
    }

    private final Tiers<K, V> tiers;
    private final Promotion promotion;
    private final Guard guard;
    /** Whether off-heap hits never promote (off-heap is the top tier, or promotion is off): a hit is one copy. */
    private final boolean lockFreeOffHeap;
    /** Whether the cache's only tier is off-heap: no node table, no moves between tables, no version to check. */
    private final boolean offHeapOnly;
    /** The disk tier's store, or null. */
    private final DiskStore disk;
    /** The cache's time to live, or null: then every value found is returned. */
    private final Expiry expiry;

    /**
     * A test's hook, run by a lock-free get or zero-copy read after its memory tiers missed and before it asks the
     * disk; null otherwise. Set before the readers start.
     */
    Runnable afterMemoryMiss;

    Lookups(Tiers<K, V> tiers, Promotion promotion, Guard guard) {
        this.tiers = tiers;
        this.promotion = promotion;
        this.guard = guard;
        this.lockFreeOffHeap = tiers.offHeap != null && (tiers.top() == Tier.OFF_HEAP || promotion == Promotion.NEVER);
        this.offHeapOnly = tiers.tiers.equals(java.util.List.of(Tier.OFF_HEAP));
        this.disk = tiers.disk();
        this.expiry = tiers.expiry;
    }

    // ---- get ----

    /**
     * {@return the value of {@code key}, or null; counted as a hit or miss when {@code count}} An expired value is a
     * miss, and is removed.
     */
    V get(K key, boolean count) {
        V value = find(key, count);
        return value != Expiry.EXPIRED ? value : removeExpired(key);
    }

    /** {@return the value of {@code key}, null, or {@link Expiry#EXPIRED} (counted as a miss)} */
    @SuppressWarnings("unchecked")
    private V find(K key, boolean count) {
        int hash = KeyIndex.hash(key);
        Stripe stripe = tiers.index.stripe(hash);
        if (stripe.records == null && disk == null) {  // heap only: no move between tables, no version to check
            Node<K, V> node = stripe.nodes.find(key, hash);
            if (node == null) {
                return miss(count);
            }
            V value = heapValue(node);
            if (value != null) {
                return hit(count, Tier.HEAP, value);
            }
        } else if (offHeapOnly && tiers.reads.copyOnly()) {
            for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
                Object found = tiers.reads.copy(stripe.records.table(), hash, key);
                if (found == OffHeapReads.ABSENT) {
                    return miss(count);
                }
                if (found != OffHeapReads.TORN) {
                    return hit(count, Tier.OFF_HEAP, (V) found);
                }
            }
        }
        boolean guarded = false;                       // entered once the disk is asked, or for the locked path
        MemorySegment encoded = null;                  // the key's encoding, for the disk
        try {
            for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
                int version = stripe.version;
                Object found = memoryValue(stripe, key, hash, count, version);
                if (found == RETRY) {
                    continue;
                }
                if (found != null) {
                    return (V) found;
                }
                if (disk != null) {
                    if (!guarded) {
                        guard.enter();
                        guarded = true;
                        encoded = tiers.encodeKey(key);
                    }
                    if (afterMemoryMiss != null) {
                        afterMemoryMiss.run();
                    }
                    DiskRead<V> read;
                    try {
                        read = readDisk(encoded);
                    } catch (UncheckedIOException e) {
                        break;                         // the locked path reads again and counts the failure
                    }
                    if (read != null) {
                        if (!stableBelowTop(stripe, version, Tier.DISK)) {
                            continue;                  // a put may be replacing an upper tier's older value
                        }
                        if (shouldPromote(Tier.DISK, read.visited) && live(read.value)) {
                            tiers.move(key, hash, read.value, tiers.top(), Tier.DISK,
                                    Tiers.Source.ofDisk(read.stamp, read.clears));
                        }
                        return hit(count, Tier.DISK, read.value);
                    }
                }
                if (stripe.stable(version)) {
                    return miss(count);
                }
            }
            if (!guarded) {
                guard.enter();
                guarded = true;
                encoded = disk == null ? null : tiers.encodeKey(key);
            }
            return lockedGet(key, hash, stripe, count, encoded);
        } finally {
            if (guarded) {
                guard.exit();
            }
        }
    }

    /**
     * {@return the value of {@code key} in a memory tier read lock-free (its hit counted when {@code count}), null if
     * it has none there, or {@link #RETRY}} An off-heap hit under a heap tier counts only if the stripe stayed stable
     * since {@code version} was read (see {@link #stableBelowTop}); else it is a {@link #RETRY}.
     */
    private Object memoryValue(Stripe stripe, K key, int hash, boolean count, int version) {
        if (stripe.nodes != null) {
            V value = heapValue(stripe.nodes.find(key, hash));
            if (value != null) {
                return hit(count, Tier.HEAP, value);
            }
        }
        if (stripe.records != null) {
            Object found = lockFreeOffHeap ? offHeapValue(stripe, key, hash) : promotingOffHeapValue(stripe, key, hash);
            if (found == RETRY || found == null) {
                return found;
            }
            return stableBelowTop(stripe, version, Tier.OFF_HEAP) ? hit(count, Tier.OFF_HEAP, found) : RETRY;
        }
        return null;
    }

    /**
     * {@return whether a value found in {@code tier} may be returned: true if it is the cache's top tier, or if the
     * stripe has no move running or done since {@code version} was read before the probe began} A put whose value lands
     * below the key's current place (a large value put to disk over a heap value, say) inserts the new place before it
     * removes the old one, inside a move of the stripe. A reader that probed the upper tier before the old value got
     * there (a promotion, or a put of the key) and then found the new value below must not return it while the old one
     * may still be found above: its next read, probing the upper tier first, could return the older value. The top tier
     * needs no check: nothing above it can hold an older value.
     */
    private boolean stableBelowTop(Stripe stripe, int version, Tier tier) {
        return tier == tiers.top() || stripe.stable(version);
    }

    /**
     * {@return the key's disk value, decoded, with its stamp and visited bit as it was before this read, or null if the
     * store has none} Every disk hit sets the bit: the disk's eviction keeps the records read since their write
     * ({@code DiskStore.evictOldest}), and with {@link Promotion#ON_SECOND_HIT} a hit that finds it set promotes.
     * Lock-free; inside the guard.
     *
     * @throws UncheckedIOException if the record could not be read
     */
    private DiskRead<V> readDisk(MemorySegment encoded) {
        DiskRead<V> read = new DiskRead<>();
        read.clears = tiers.clearSequence();
        read.value = disk.read(encoded, true, (bytes, stamp, visited) -> {
            read.stamp = stamp;
            read.visited = visited;
            return tiers.decodeValue(bytes);
        });
        return read.value == null ? null : read;
    }

    /**
     * {@return the off-heap value of {@code key} read lock-free, null if it has none, or {@link #RETRY}}, for a cache
     * whose off-heap hits may promote: the slot's visited bit, read with the slot, decides (a second hit promotes under
     * {@code ON_SECOND_HIT}); the move runs inside the guard and installs only if the slot still names the record read
     * and the record's version is still the one read before the value (no overwrite in place since).
     */
    @SuppressWarnings("unchecked")
    private Object promotingOffHeapValue(Stripe stripe, K key, int hash) {
        long[] table = stripe.records.table();
        long slot = tiers.reads.find(table, hash, key);
        if (slot == OffHeapReads.MISS || slot == OffHeapReads.RETRY) {
            return slot == OffHeapReads.MISS ? null : RETRY;
        }
        int version = tiers.reads.versionOf(slot);     // read first: an overwrite after it makes the move refuse
        Object value = tiers.reads.value(slot);
        if (value == OffHeapReads.TORN) {
            return RETRY;
        }
        if (shouldPromote(Tier.OFF_HEAP, Slots.isVisited(slot)) && live(value)) {
            guard.enter();
            try {
                tiers.move(key, hash, (V) value, tiers.top(), Tier.OFF_HEAP, Tiers.Source.of(slot, version));
            } finally {
                guard.exit();
            }
        } else {
            RecordTable.markRecordVisited(table, hash, slot);
        }
        return value;
    }

    /** {@return the heap value of {@code node} (null if none, or removed), counting a hit on the node} */
    private V heapValue(Node<K, V> node) {
        V value = node == null ? null : node.value;
        if (value != null) {
            node.recordHit();
        }
        return value;
    }

    /** {@return the off-heap value of {@code key} read lock-free, null if it has none, or {@link #RETRY}} */
    private Object offHeapValue(Stripe stripe, K key, int hash) {
        long[] table = stripe.records.table();
        if (tiers.reads.copyOnly()) {
            Object found = tiers.reads.copy(table, hash, key);
            return found == OffHeapReads.ABSENT ? null : found == OffHeapReads.TORN ? RETRY : found;
        }
        long slot = tiers.reads.find(table, hash, key);
        if (slot == OffHeapReads.MISS) {
            return null;
        }
        Object value = slot == OffHeapReads.RETRY ? OffHeapReads.TORN : tiers.reads.value(slot);
        if (value == OffHeapReads.TORN) {
            return RETRY;
        }
        RecordTable.markRecordVisited(table, hash, slot);
        return value;
    }

    /**
     * The locked path of {@link #get}: reads under the stripe's monitor, then promotes if the policy says so. Inside the
     * guard; {@code encoded} is the key's encoding when the cache has a disk tier.
     */
    private V lockedGet(K key, int hash, Stripe stripe, boolean count, MemorySegment encoded) {
        V value;
        Tier tier;
        Tiers.Source promoteFrom = null;
        synchronized (stripe) {
            Node<K, V> node = stripe.nodes == null ? null : stripe.nodes.find(key, hash);
            if (node != null) {
                node.recordHit();
                return hit(count, Tier.HEAP, node.value);
            }
            int record = recordIndex(stripe, key, hash);
            if (record >= 0) {
                long slot = stripe.records.get(record);
                value = tiers.reads.decode(tiers.offHeap.extents().extentAt(Slots.location(slot)),
                        tiers.offHeap.extents().offsetAt(Slots.location(slot)));
                tier = Tier.OFF_HEAP;
                if (shouldPromote(tier, Slots.isVisited(slot))) {
                    promoteFrom = Tiers.Source.of(slot, tiers.reads.versionOf(slot));
                }
                RecordTable.markVisited(stripe.records.table(), record, slot);
            } else {
                DiskRead<V> read = disk == null ? null : readDiskOrDrop(encoded);
                if (read == null) {
                    return miss(count);
                }
                value = read.value;
                tier = Tier.DISK;
                if (shouldPromote(tier, read.visited)) {
                    promoteFrom = Tiers.Source.ofDisk(read.stamp, read.clears);
                }
            }
        }
        if (promoteFrom != null && live(value)) {
            tiers.move(key, hash, value, tiers.top(), tier, promoteFrom);   // not moved if it changed or found no room
        }
        return hit(count, tier, value);
    }

    /**
     * {@return the key's disk value, or null if it has none or it could not be read: the key is then dropped from the
     * disk and the error counted} Stripe held.
     */
    private DiskRead<V> readDiskOrDrop(MemorySegment encoded) {
        try {
            return readDisk(encoded);
        } catch (UncheckedIOException e) {
            tiers.moveFailed("disk read failed", e);
            tiers.removeFromDisk(encoded);
            return null;
        }
    }

    /** {@return the index of {@code key}'s record slot, or -1} Stripe held. */
    private int recordIndex(Stripe stripe, K key, int hash) {
        if (stripe.records == null || stripe.records.size() == 0) {
            return -1;
        }
        return stripe.records.indexOf(hash, key, tiers.reads);
    }

    /** {@return whether {@code value}, found by a lookup, has not expired: only such a value is promoted} */
    private boolean live(Object value) {
        return expiry == null || !expiry.expired(value);
    }

    /**
     * Removes {@code key}'s value if it has still expired (a put may have replaced it since a lookup found it expired),
     * inside the guard. {@return null, the lookup's answer}
     */
    private <T> T removeExpired(K key) {
        guard.enter();
        try {
            tiers.removeIfExpired(key, KeyIndex.hash(key));
        } finally {
            guard.exit();
        }
        return null;
    }

    /** {@return whether a hit in {@code tier} (below the top) moves the entry up, given its visited bit} */
    private boolean shouldPromote(Tier tier, boolean visited) {
        if (tier == tiers.top()) {
            return false;
        }
        return switch (promotion) {
            case ON_HIT -> true;
            case NEVER -> false;
            case ON_SECOND_HIT -> visited;
        };
    }

    // ---- containsKey ----

    /** {@return whether {@code key} has a value (an unexpired one)} Counts nothing. */
    boolean containsKey(K key) {
        if (expiry != null) {
            return get(key, false) != null;           // the deadline is in the value
        }
        int hash = KeyIndex.hash(key);
        Stripe stripe = tiers.index.stripe(hash);
        boolean guarded = false;
        MemorySegment encoded = null;
        try {
            for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
                int version = stripe.version;
                Node<K, V> node = stripe.nodes == null ? null : stripe.nodes.find(key, hash);
                if (node != null && node.value != null) {
                    return true;
                }
                if (stripe.records != null) {
                    long slot = tiers.reads.find(stripe.records.table(), hash, key);
                    if (slot == OffHeapReads.RETRY) {
                        continue;
                    }
                    if (slot != OffHeapReads.MISS) {
                        return true;
                    }
                }
                if (disk != null) {
                    if (!guarded) {
                        guard.enter();
                        guarded = true;
                        encoded = tiers.encodeKey(key);
                    }
                    if (disk.stampOf(encoded) != DiskStore.NO_STAMP) {
                        return true;
                    }
                }
                if (stripe.stable(version)) {
                    return false;
                }
            }
            if (!guarded) {
                guard.enter();
                guarded = true;
                encoded = disk == null ? null : tiers.encodeKey(key);
            }
            synchronized (stripe) {
                Node<K, V> node = stripe.nodes == null ? null : stripe.nodes.find(key, hash);
                return node != null || recordIndex(stripe, key, hash) >= 0
                        || disk != null && disk.stampOf(encoded) != DiskStore.NO_STAMP;
            }
        } finally {
            if (guarded) {
                guard.exit();
            }
        }
    }

    // ---- read (zero copy) ----

    /** What a zero-copy read found: the reader's result, and whether the key was there at all. */
    private static final class Read<R> {
        boolean found;
        R result;
        /** Set when a lock-free disk read found a value but the stripe moved, so the reader was not called. */
        boolean unstable;

        Read<R> of(R value) {
            found = true;
            result = value;
            return this;
        }
    }

    /**
     * Calls {@code reader} with a read-only view of {@code key}'s encoded value: the record in place for an off-heap
     * value (its extent pinned meanwhile), the disk store's buffer for a disk value, an encoding for a heap value.
     * {@return the reader's result, or null (counted as a miss) if the key has no value} With a time to live, the
     * reader sees the value's bytes after the deadline, and is not called for an expired value (which is removed);
     * {@code deadlineSeen}, unless null, is told the deadline of the value the reader is called for.
     */
    @SuppressWarnings("unchecked")
    <R> R read(K key, Function<? super MemorySegment, ? extends R> reader, LongConsumer deadlineSeen) {
        if (expiry == null) {
            return find(key, reader);
        }
        Object result = find(key, view -> {
            long deadline = ExpiringCodec.deadline(view, 0);
            if (expiry.expired(deadline)) {
                return Expiry.EXPIRED;
            }
            if (deadlineSeen != null) {
                deadlineSeen.accept(deadline);
            }
            return reader.apply(ExpiringCodec.valueBytes(view));
        });
        return result != Expiry.EXPIRED ? (R) result : removeExpired(key);
    }

    /** {@link #read}'s lookup: {@return the reader's result, null, or {@link Expiry#EXPIRED} (counted as a miss)} */
    private <R> R find(K key, Function<? super MemorySegment, ? extends R> reader) {
        int hash = KeyIndex.hash(key);
        Stripe stripe = tiers.index.stripe(hash);
        Read<R> read = new Read<>();
        boolean guarded = false;
        MemorySegment encoded = null;
        try {
            for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
                int version = stripe.version;
                V value = heapValue(stripe.nodes == null ? null : stripe.nodes.find(key, hash));
                if (value != null) {
                    return hit(true, Tier.HEAP, reader.apply(encodeValue(value)));
                }
                if (stripe.records != null) {
                    if (readRecordPinned(stripe, key, hash, reader, read, version) == RETRY) {
                        continue;
                    }
                    if (read.found) {
                        return hit(true, Tier.OFF_HEAP, read.result);
                    }
                }
                if (disk != null) {
                    if (!guarded) {
                        guard.enter();
                        guarded = true;
                        encoded = tiers.encodeKey(key);
                    }
                    if (afterMemoryMiss != null) {
                        afterMemoryMiss.run();
                    }
                    boolean stable;
                    try {
                        stable = readDiskViewIfStable(encoded, reader, read, stripe, version);
                    } catch (UncheckedIOException e) {
                        break;                         // the locked path reads again and counts the failure
                    }
                    if (!stable) {
                        continue;
                    }
                    if (read.found) {
                        return hit(true, Tier.DISK, read.result);
                    }
                }
                if (stripe.stable(version)) {
                    return miss(true);
                }
            }
            if (!guarded) {
                guard.enter();
                guarded = true;
                encoded = disk == null ? null : tiers.encodeKey(key);
            }
            return lockedRead(key, hash, stripe, reader, read, encoded);
        } finally {
            if (guarded) {
                guard.exit();
            }
        }
    }

    /** Calls {@code reader} with a view of the key's disk value, if it has one, into {@code read}. Lock-free. */
    private <R> void readDiskView(MemorySegment encoded, Function<? super MemorySegment, ? extends R> reader,
                                  Read<R> read) {
        disk.read(encoded, true, (bytes, stamp, visited) -> read.of(reader.apply(bytes)));
    }

    /**
     * Lock-free: calls {@code reader} with a view of the key's disk value, if it has one, into {@code read}, unless the
     * stripe moved since {@code version} (see {@link #stableBelowTop}): then the reader is not called.
     * {@return false if it was not called for that reason}
     */
    private <R> boolean readDiskViewIfStable(MemorySegment encoded, Function<? super MemorySegment, ? extends R> reader,
                                             Read<R> read, Stripe stripe, int version) {
        read.unstable = false;
        disk.read(encoded, true, (bytes, stamp, visited) -> {
            if (!stableBelowTop(stripe, version, Tier.DISK)) {
                read.unstable = true;
                return null;
            }
            return read.of(reader.apply(bytes));
        });
        return !read.unstable;
    }

    /**
     * Reads {@code key}'s record with its extent pinned, into {@code read}, unless the stripe moved since
     * {@code version} under a heap tier (see {@link #stableBelowTop}). {@return {@link #RETRY} or null}
     */
    private <R> Object readRecordPinned(Stripe stripe, K key, int hash, Function<? super MemorySegment, ? extends R> reader,
                                        Read<R> read, int version) {
        long[] table = stripe.records.table();
        long slot = tiers.reads.find(table, hash, key);
        if (slot == OffHeapReads.MISS || slot == OffHeapReads.RETRY) {
            return slot == OffHeapReads.MISS ? null : RETRY;
        }
        ExtentTable extents = tiers.offHeap.extents();
        Extent extent = extents.extentAt(Slots.location(slot));
        extent.pins.incrementAndGet();
        try {
            if (!OffHeapReads.stablePinned(extent, extents.offsetAt(Slots.location(slot)), Slots.life(slot))) {
                return RETRY;
            }
            if (!stableBelowTop(stripe, version, Tier.OFF_HEAP)) {
                return RETRY;
            }
            MemorySegment view = tiers.reads.valueBytes(extent, extents.offsetAt(Slots.location(slot)));
            RecordTable.markRecordVisited(table, hash, slot);
            read.of(reader.apply(view));
            return null;
        } finally {
            extent.pins.decrementAndGet();
        }
    }

    private <R> R lockedRead(K key, int hash, Stripe stripe, Function<? super MemorySegment, ? extends R> reader,
                             Read<R> read, MemorySegment encoded) {
        synchronized (stripe) {
            Node<K, V> node = stripe.nodes == null ? null : stripe.nodes.find(key, hash);
            if (node != null) {
                node.recordHit();
                return hit(true, Tier.HEAP, reader.apply(encodeValue(node.value)));
            }
            int record = recordIndex(stripe, key, hash);
            if (record < 0) {
                if (disk == null) {
                    return miss(true);
                }
                try {
                    readDiskView(encoded, reader, read);
                } catch (UncheckedIOException e) {
                    tiers.errors.increment();
                    return miss(true);
                }
                return read.found ? hit(true, Tier.DISK, read.result) : miss(true);
            }
            long slot = stripe.records.get(record);
            ExtentTable extents = tiers.offHeap.extents();
            RecordTable.markVisited(stripe.records.table(), record, slot);
            MemorySegment view = tiers.reads.valueBytes(extents.extentAt(Slots.location(slot)),
                    extents.offsetAt(Slots.location(slot)));
            return hit(true, Tier.OFF_HEAP, reader.apply(view));
        }
    }

    private MemorySegment encodeValue(V value) {
        MemorySegment encoded = MemorySegment.ofArray(new byte[tiers.valueCodec.encodedSize(value)]);
        tiers.valueCodec.encode(value, encoded, 0);
        return encoded.asReadOnly();
    }

    // ---- counting ----

    /**
     * Counts a hit in {@code tier} (and a miss in each tier above it). {@return value} An expired value (or a zero-copy
     * read's {@link Expiry#EXPIRED}) counts as a miss instead, and the answer is {@link Expiry#EXPIRED}.
     */
    @SuppressWarnings("unchecked")
    private <T> T hit(boolean count, Tier tier, T value) {
        if (expiry != null && expiry.expired(value)) {
            miss(count);
            return (T) Expiry.EXPIRED;
        }
        if (count) {
            tiers.accessCounters.hit(tiers.position(tier));
        }
        return value;
    }

    private <R> R miss(boolean count) {
        if (count) {
            tiers.accessCounters.miss();
        }
        return null;
    }
}
