package dev.strata.tier;

import dev.strata.Tier;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codec;
import dev.strata.tier.disk.DiskStore;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * How values enter and leave one cache's off-heap tier: a put or a move appends a record (or overwrites one in place)
 * and publishes its slot; page recycling evacuates each live record of a page (kept in the copy page, moved to disk
 * as bytes, or dropped). The rules of {@link Tiers} hold here: work that may evict or wait runs with no monitor held,
 * the install happens under the key's stripe monitor, new place first.
 *
 * <pre>
 *   put ──► same aligned size as the stored record? ──yes──► overwrite in place (version seqlock)
 *                     │ no
 *                     ▼
 *           append to the write page (header, key, value under its monitor) ──► publish: slot replaced or inserted
 * </pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class OffHeapPlacement<K, V> implements OffHeapTier.Evacuation, OffHeapTier.Encoder {

    /** How long a deadline's renewal waits for a page's pins to drain, in spins, before it leaves it to a next read. */
    static final int PIN_SPINS = 1 << 12;

    private final Tiers<K, V> tiers;
    /** Whether same-size overwrites are written in place: the value codec cannot fail after sizing. */
    private final boolean overwritesInPlace;
    /**
     * A test's hook, called by a spill with the encoded key just before its disk write (the key marked, no monitor
     * held), where a test holds the spill still as a slow disk would; null otherwise.
     */
    volatile Consumer<MemorySegment> beforeSpillWrite;

    OffHeapPlacement(Tiers<K, V> tiers, Codec<V> valueCodec) {
        this.tiers = tiers;
        this.overwritesInPlace = Tiers.failsOnlyInSizing(valueCodec);
    }

    private ExtentTable extents() {
        return tiers.offHeap.extents();
    }

    /**
     * Overwrites the key's record in place if it can, else appends a record to the off-heap tier (written under its
     * write page's monitor) and publishes it. The reservation is the extent, offset and generation held here, not an
     * object.
     */
    Tiers.Install place(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition,
                        Tiers.Source source) {
        int recordBytes = RecordLayout.alignedBytes(keyLength, valueLength);
        // on top, the put has tried this already (overwriteOnTop); below, a put the heap had no room for tries it here
        if (overwritesInPlace && source == null && (condition == null || !condition.wantsAbsent())
                && tiers.top() != Tier.OFF_HEAP
                && overwriteInPlace(key, hash, value, keyLength, valueLength, recordBytes, condition, null)) {
            return Tiers.Install.DONE;
        }
        boolean probation = entersProbation(key, hash, source);
        for (int round = 0; round < OffHeapTier.MAX_ROUNDS; round++) {
            Extent extent = tiers.offHeap.writeTarget(recordBytes, probation);
            if (extent == null) {
                return Tiers.Install.NO_ROOM;
            }
            long reservation = tiers.offHeap.append(extent, recordBytes, hash, keyLength, valueLength, this, key,
                    value);
            if (reservation == OffHeapTier.NO_RESERVATION) {
                continue;                              // another writer took the room first
            }
            Tiers.Install result = publishOffHeap(key, hash, extent, OffHeapTier.offset(reservation),
                    OffHeapTier.generation(reservation), keyLength, recordBytes, condition, source);
            if (result != Tiers.Install.STALE) {
                return result;
            }
        }
        return Tiers.Install.NO_ROOM;
    }

    /**
     * {@return whether a record of {@code key} placed now starts in the off-heap tier's probation log} A put of a key
     * the tier does not hold, or an entry the heap tier above evicts from its own probation (S3-FIFO's small queue)
     * never read, unless the ghost remembers the key leaving this tier's probation unread a short while ago. The rest
     * go to the main log: a key the tier holds is in use, a key that came back within the ghost's memory has been asked
     * for twice, a key read on disk was read, and an entry the heap evicts from its main queue was read there.
     */
    private boolean entersProbation(K key, int hash, Tiers.Source source) {
        if (source != null) {
            return source.unread() && !tiers.offHeap.ghost().remove(hash);
        }
        Stripe stripe = tiers.index.stripe(hash);
        return tiers.reads.find(stripe.records.table(), hash, key) == OffHeapReads.MISS
                && !tiers.offHeap.ghost().remove(hash);
    }

    /**
     * A put's fast path when off-heap is the cache's top tier: {@link #overwriteInPlace}, run by a put registered in
     * no in-flight guard. It is safe unguarded because it does all its work under the key's stripe monitor and checks
     * {@code guard}'s closed flag there: close sets the flag, then clears every stripe under its monitor (and, for a
     * persistent cache, first moves every record to disk under it), and only then frees pages. So a put that sees the
     * cache open writes into a live page, and the record it wrote is the one close saves or clears.
     *
     * @param condition a conditional put's condition on the key's value (a present one), or null
     * @return whether the value was written; false (also when closed) leaves everything as it was
     */
    boolean overwriteOnTop(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition,
                           Lookups.Guard guard) {
        return overwritesInPlace && overwriteInPlace(key, hash, value, keyLength, valueLength,
                RecordLayout.alignedBytes(keyLength, valueLength), condition, guard);
    }

    /**
     * Overwrites the value of {@code key}'s off-heap record in place if the new one takes the same aligned bytes:
     * under the stripe's monitor, between the two halves of the record's version seqlock
     * ({@link RecordLayout#beginOverwrite}). No page space is taken and none dies, so no recycling follows, and the
     * bytes written are the ones the key comparison has just brought into the cache. Not done while a reader pins the
     * record's page (a zero-copy view must not change under its callback). Only for value codecs that cannot fail
     * once {@code encodedSize} has answered (the built-in ones): a failure half-way would lose the old value.
     *
     * @param condition a conditional put's condition on the key's value (a present one), checked on the record under
     *     the monitor, or null
     * @param guard the cache's guard when the caller is not registered in it (its closed flag is checked under the
     *     monitor), else null
     * @return whether the value was written; false leaves everything as it was
     */
    private boolean overwriteInPlace(K key, int hash, V value, int keyLength, int valueLength, int recordBytes,
                                     Condition<V> condition, Lookups.Guard guard) {
        Stripe stripe = tiers.index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            if (guard != null && guard.isClosed() || tiers.nodeOf(stripe, key, hash) != null) {
                return false;
            }
            int record = tiers.recordOf(stripe, key, hash, null, null, 0, keyLength);
            if (record < 0) {
                return false;
            }
            long location = Slots.location(stripe.records.get(record));
            Extent extent = extents().extentAt(location);
            int offset = extents().offsetAt(location);
            MemorySegment header = extent.headerSegment();
            int oldBytes = RecordLayout.alignedBytes(keyLength, RecordLayout.valueLength(header, offset));
            if (oldBytes != recordBytes || RecordLayout.keyLength(header, offset) != keyLength) {
                return false;
            }
            V old = null;                                                                        // before it goes
            if (condition != null) {
                if (!tiers.meets(condition, stripe, null, record, null)) {
                    return false;
                }
                old = tiers.removals == null ? null : condition.seen();
            } else if (tiers.removals != null) {
                old = tiers.removals.recordValue(extent, offset);
            }
            int version = RecordLayout.beginOverwrite(header, offset);
            if (extent.pins.get() != 0) {
                RecordLayout.endOverwrite(header, offset, version);
                return false;
            }
            if (old != null) {
                tiers.removals.removed(key, old, RemovalCause.REPLACED);
            }
            RecordLayout.setValueLength(header, offset, valueLength);
            long valueOffset = RecordLayout.valueOffset(offset, keyLength);
            if (extent.segment != null) {
                tiers.valueCodec.encode(value, extent.segment, valueOffset);
            } else {
                MemorySegment buffer = MemorySegment.ofArray(new byte[valueLength]);
                tiers.valueCodec.encode(value, buffer, 0);
                extent.copyIn(buffer, 0, valueOffset, valueLength);
            }
            RecordLayout.endOverwrite(header, offset, version + 2);
            tiers.countPut(Tier.OFF_HEAP);
            return true;
        }
    }

    /**
     * Rewrites the deadline of the record in slot {@code record} ({@link ExpiringCodec}) to {@code deadline} if it is
     * earlier, in place, between the two halves of the record's version seqlock, as {@link #overwriteInPlace} writes a
     * value: lock-free readers that copied the old deadline see the version move and read again. A pinned reader
     * (a decode that is not a plain copy, or a zero-copy view) reads the deadline unvalidated, so the write waits for
     * the page's pins to drain: readers that pin meanwhile see the odd version and back off, and a decode holds its
     * pin for well under a microsecond. A zero-copy view whose callback holds it longer than {@link #PIN_SPINS} spins
     * makes the renewal give up, left to the next read that finds it due. Stripe held.
     */
    void renewDeadline(Stripe stripe, int record, long deadline) {
        long location = Slots.location(stripe.records.get(record));
        Extent extent = extents().extentAt(location);
        int offset = extents().offsetAt(location);
        MemorySegment header = extent.headerSegment();
        long deadlineOffset = RecordLayout.valueOffset(offset, RecordLayout.keyLength(header, offset));
        if (ExpiringCodec.deadline(extent.bytes(deadlineOffset, ExpiringCodec.DEADLINE_BYTES), 0) >= deadline) {
            return;
        }
        int version = RecordLayout.beginOverwrite(header, offset);
        for (int spin = 0; extent.pins.get() != 0; spin++) {
            if (spin == PIN_SPINS) {
                RecordLayout.endOverwrite(header, offset, version);
                return;
            }
            Thread.onSpinWait();
        }
        MemorySegment renewed = MemorySegment.ofArray(new byte[ExpiringCodec.DEADLINE_BYTES]);
        ExpiringCodec.setDeadline(renewed, 0, deadline);
        extent.copyIn(renewed, 0, deadlineOffset, ExpiringCodec.DEADLINE_BYTES);
        RecordLayout.endOverwrite(header, offset, version + 2);
    }

    /**
     * Publishes the record written at {@code offset} of {@code extent}, if the condition still holds and the extent's
     * generation is still the reservation's {@code generation}: an evictor that sealed the extent since then walks
     * past this record (it was not yet published) and may reuse its bytes. A record not published is dead.
     *
     * @return DONE, REFUSED (the condition failed) or STALE (the extent was sealed: place again)
     */
    Tiers.Install publishOffHeap(K key, int hash, Extent extent, int offset, int generation, int keyLength,
                                 int recordBytes, Condition<V> condition, Tiers.Source source) {
        Stripe stripe = tiers.index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            if (extent.generation != generation) {
                return Tiers.Install.STALE;                  // a new life: its counters no longer know this record
            }
            Node<K, V> node = tiers.nodeOf(stripe, key, hash);
            int record = node != null ? -1 : extent.isChain()
                    ? tiers.recordOf(stripe, key, hash, source, null, 0, keyLength)
                    : tiers.recordOf(stripe, key, hash, source, extent.segment, RecordLayout.keyOffset(offset),
                            keyLength);
            MemorySegment diskKey = node != null || record >= 0 || tiers.disk() == null ? null
                    : extent.isChain() ? tiers.encodeKey(key, keyLength)
                    : extent.segment.asSlice(RecordLayout.keyOffset(offset), keyLength);
            long stamp = tiers.diskStamp(node, record, diskKey);
            if (!tiers.mayInstall(stripe, node, record, stamp, diskKey, condition, source)) {
                tiers.offHeap.recordLeft(extent, recordBytes);
                return Tiers.Install.REFUSED;
            }
            install(stripe, key, hash, Slots.pack(hash, extent.life(), extents().location(extent, offset)),
                    recordBytes, node, record, stamp == DiskStore.NO_STAMP ? null : diskKey,
                    source == null && tiers.removals != null);
            tiers.counted(Tier.OFF_HEAP, source);
        }
        return Tiers.Install.DONE;
    }

    /**
     * Installs the record {@code slot} names as the key's place, replacing its old record at {@code record}, or
     * inserted before its heap {@code node} or its disk record (keyed {@code diskKey}) is removed, inside one move of
     * the stripe. Stripe held; the key's bytes at {@code diskKey} (in the unpublished record) are stable meanwhile.
     */
    private void install(Stripe stripe, K key, int hash, long slot, int recordBytes, Node<K, V> node, int record,
                         MemorySegment diskKey, boolean reported) {
        RecordTable records = stripe.records;
        V onDisk = null;
        if (reported && node != null) {
            tiers.removals.removed(key, node.value, RemovalCause.REPLACED);
        } else if (reported) {
            onDisk = tiers.replacedRecordOrDiskValue(stripe, key, record, diskKey);
        }
        if (record >= 0) {
            int oldBytes = tiers.recordLeaves(records.get(record));
            records.replace(record, slot);
            tiers.counters(Tier.OFF_HEAP).replaced(oldBytes, recordBytes);
            return;
        }
        boolean move = node != null || diskKey != null;
        if (move) {
            stripe.beginMove();
        }
        records.insert(hash, slot);
        tiers.counters(Tier.OFF_HEAP).added(recordBytes);
        if (node != null) {
            tiers.removeNode(stripe, node);
        } else if (diskKey != null) {
            stripe.diskCrossings++;
            if (tiers.removeFromDisk(diskKey) && onDisk != null) {
                tiers.removals.removed(key, onDisk, RemovalCause.REPLACED);
            }
        }
        if (move) {
            stripe.endMove();
        }
    }

    /** Writes a record's key and value after its header (the off-heap tier's {@link OffHeapTier.Encoder}). */
    @Override
    @SuppressWarnings("unchecked")
    public void encode(Object key, Object value, Extent extent, long keyOffset, int keyLength) {
        if (extent.segment != null) {
            tiers.keyCodec.encode((K) key, extent.segment, keyOffset);
            tiers.valueCodec.encode((V) value, extent.segment, keyOffset + keyLength);
        } else {
            int valueLength = tiers.valueCodec.encodedSize((V) value);
            MemorySegment buffer = MemorySegment.ofArray(new byte[keyLength + valueLength]);
            tiers.keyCodec.encode((K) key, buffer, 0);
            tiers.valueCodec.encode((V) value, buffer, keyLength);
            extent.copyIn(buffer, 0, keyOffset, buffer.byteSize());
        }
    }

    /**
     * Off-heap evacuation: the record at {@code offset} of {@code from}, if its slot still names it, is kept (copied
     * to the end of {@code target}, its slot re-pointed), moved to disk as bytes, or dropped; an expired one is dropped
     * (counted as an expiration), never kept or moved. A move to disk marks the
     * key as spilling under the monitor and writes with the monitor released ({@link #spill}).
     */
    @Override
    public int evacuate(Extent from, int offset, int hash, OffHeapTier.Keep keep, int budget, Extent target) {
        Stripe stripe = tiers.index.stripe(hash);
        long expected = Slots.pack(hash, from.life(), extents().location(from, offset));
        boolean toDisk = tiers.below(Tier.OFF_HEAP) != null;
        for (int round = 0; ; round++) {
            boolean unread;                            // left probation never read: on trial on disk too
            synchronized (stripe) {
                int record = stripe.records.indexOfRecord(hash, expected);
                if (record < 0) {
                    return 0;                          // dead: overwritten, moved or removed
                }
                if (tiers.expiry != null && tiers.recordExpired(from, offset)) {
                    tiers.expireRecord(stripe, null, record, false);
                    return 0;
                }
                long slot = stripe.records.get(record);
                int recordBytes = Tiers.recordBytes(from, offset);
                if (keep != OffHeapTier.Keep.NONE && recordBytes <= budget
                        && (keep == OffHeapTier.Keep.ALL_LIVE || Slots.isVisited(slot))) {
                    if (target.writeOffset + recordBytes > tiers.offHeap.pageSize()) {
                        return OffHeapTier.Evacuation.NO_ROOM;
                    }
                    keepIn(stripe, record, from, offset, target, hash, recordBytes);
                    return recordBytes;
                }
                unread = from.probation && !Slots.isVisited(slot);
                if (from.probation && keep == OffHeapTier.Keep.VISITED) {
                    tiers.offHeap.ghost().add(hash);   // left probation, not for main: remembered if it comes back
                }
                if (!toDisk || round > tiers.diskRounds()) {
                    if (tiers.removals != null) {
                        tiers.removals.removedRecord(null, from, offset, RemovalCause.SIZE);
                    }
                    drop(stripe, record);
                    return 0;
                }
                stripe.beginSpill(hash);
            }
            if (spill(stripe, from, offset, hash, expected, unread) != Tiers.Install.DISK_FULL) {
                return 0;
            }
            if (!tiers.evictDisk()) {
                round = Integer.MAX_VALUE - 1;         // nothing left to evict: the next full answer drops it
            }
        }
    }

    /**
     * Writes the record at {@code offset} of {@code from}, whose key this thread has marked as spilling, to disk as
     * its bytes are (the key stays encoded: the disk store is keyed by those bytes), with no monitor held; then, under
     * the monitor, removes the key's slot (or drops the record if the disk failed) and ends the mark, whatever
     * happened. While the key is marked its record cannot change (its writers wait) and the page is this thread's, so
     * the bytes are stable. The new place comes after the old one in a reader's probe order, so no move of the stripe
     * is needed. A record leaving the off-heap probation log unread goes to the disk store {@code onTrial} (to its own
     * probation log): nothing has read it yet. A clear that empties the disk after the write does not return before
     * the record is removed ({@code Tiers.awaitMovesDown}), so no reader finds the value after that clear.
     *
     * @return DONE, or DISK_FULL (nothing changed: evict from disk and try again)
     */
    private Tiers.Install spill(Stripe stripe, Extent from, int offset, int hash, long expected, boolean onTrial) {
        MemorySegment header = from.headerSegment();
        int keyLength = RecordLayout.keyLength(header, offset);
        int valueLength = RecordLayout.valueLength(header, offset);
        MemorySegment key = from.bytes(RecordLayout.keyOffset(offset), keyLength);
        Tiers.Install written = null;                  // stays null if something unexpected is thrown: change nothing
        try {
            Consumer<MemorySegment> hook = beforeSpillWrite;
            if (hook != null) {
                hook.accept(key);
            }
            written = tiers.diskWrite(key, from.bytes(RecordLayout.valueOffset(offset, keyLength), valueLength),
                    onTrial);
        } finally {
            synchronized (stripe) {
                try {
                    spilled(stripe, hash, expected, key, written);
                } finally {
                    stripe.endSpill(hash);
                }
            }
        }
        return written == Tiers.Install.DISK_FULL ? written : Tiers.Install.DONE;
    }

    /** The end of {@link #spill}: acts on the disk write's outcome ({@code written}). Stripe held. */
    private void spilled(Stripe stripe, int hash, long expected, MemorySegment key, Tiers.Install written) {
        int record = stripe.records.indexOfRecord(hash, expected);
        assert record >= 0 : "a spilling key's record changed while marked: a writer did not wait for the mark";
        if (record < 0) {                              // never, see above; in production keep the disk consistent
            if (written == Tiers.Install.DONE) {
                tiers.removeFromDisk(key);
            }
            return;
        }
        if (written == Tiers.Install.DONE) {
            tiers.removeRecord(stripe, record, true);
            stripe.diskCrossings++;
            tiers.counters(Tier.OFF_HEAP).demotions.increment();
        } else if (written == Tiers.Install.FAILED) {
            drop(stripe, record);
        }
    }

    /** Drops the record, as an eviction: it cannot or need not move down. Stripe held. {@return DONE} */
    private Tiers.Install drop(Stripe stripe, int record) {
        tiers.removeRecord(stripe, record, false);
        tiers.counters(Tier.OFF_HEAP).evictions.increment();
        return Tiers.Install.DONE;
    }

    /** Copies the record at {@code offset} of {@code from} to the end of {@code target} and re-points its slot. */
    private void keepIn(Stripe stripe, int record, Extent from, int offset, Extent target, int hash, int recordBytes) {
        int to = target.writeOffset;
        from.copyOut(offset, target.segment, to, recordBytes);
        target.writeOffset = to + recordBytes;
        stripe.records.replace(record, Slots.pack(hash, target.life(), extents().location(target, to)));
    }
}
