package dev.strata.tier;

import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Lock-free lookups of off-heap records: probe a stripe's {@link RecordTable}, compare the key, read the value, with
 * no lock and no heap object per record.
 *
 * <pre>
 *   slot ──► extent (by id) ──► hash and key equal? ──► copy or decode the value ──► life still the slot's?
 * </pre>
 *
 * <p><b>Why a validated read is a current value.</b> A slot the reader loads was the key's place at that moment. The
 * record it names is immutable while its extent stays in the life that wrote it ({@link Extent}); the reader checks,
 * behind an acquire fence, that the life is still the slot's after it read, so whatever it read is that record's
 * bytes. Anything read across a change of life (garbage lengths, out-of-bounds offsets, a freed page) is discarded,
 * exceptions included: the probe answers "look again" and the caller reads again or under the stripe's monitor. The
 * key is compared with {@link Codec#matches}, in place.
 *
 * <p>Values are copied under this validation only for {@code Codecs.bytes()} (alone, or behind the deadline of an
 * {@link ExpiringCodec}), whose decoding checks its bounds before it allocates and is otherwise a copy with no side
 * effects; other codecs decode with the extent pinned ({@link Extent#pins}), so their input never changes under
 * them.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class OffHeapReads<K, V> {

    /** {@link #find}'s answer: the key has no record in the table. Never a slot word (those are negative). */
    static final long MISS = 0;
    /** {@link #find}'s answer: a record changed under the probe; look again. Never a slot word. */
    static final long RETRY = 1;
    /** {@link #value} and {@link #copy}'s answer when the record changed while it was read. Never a value. */
    static final Object TORN = new Object();
    /** {@link #copy}'s answer when the key has no record in the table. Never a value. */
    static final Object ABSENT = new Object();

    private final ExtentTable extents;
    private final Codec<K> keyCodec;
    private final Codec<V> valueCodec;
    private final boolean copyOnly;

    OffHeapReads(ExtentTable extents, Codec<K> keyCodec, Codec<V> valueCodec, boolean copyOnly) {
        this.extents = extents;
        this.keyCodec = keyCodec;
        this.valueCodec = valueCodec;
        this.copyOnly = copyOnly;
    }

    /** {@return whether values are read by a validated copy ({@link #copy}) rather than decoded with the page pinned} */
    boolean copyOnly() {
        return copyOnly;
    }

    /**
     * {@return whether the record at {@code offset} of {@code extent} holds {@code key}, whose spread hash is
     * {@code hash}} Unvalidated: on a record read across a change of life it may answer anything or throw.
     */
    boolean keyAt(Extent extent, int offset, int hash, K key) {
        MemorySegment header = extent.headerSegment();
        if (RecordLayout.hash(header, offset) != hash) {
            return false;
        }
        int keyLength = RecordLayout.keyLength(header, offset);
        long keyOffset = RecordLayout.keyOffset(offset);
        if (extent.segment != null) {
            return keyCodec.matches(key, extent.segment, keyOffset, keyLength);
        }
        if (keyLength < 0 || keyOffset + keyLength > extent.byteSize()) {
            return false;                              // a torn header: no copy of a nonsense length
        }
        return keyCodec.matches(key, extent.bytes(keyOffset, keyLength), 0, keyLength);
    }

    /**
     * Probes {@code table} for {@code key}. Lock-free.
     *
     * @return the key's slot word (negative), {@link #MISS} or {@link #RETRY}
     */
    long find(long[] table, int hash, K key) {
        int mask = table.length - 1;
        long tag = Slots.tagBits(hash);
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = RecordTable.slotAt(table, i);
            if (slot == Slots.EMPTY) {
                return MISS;
            }
            if (!Slots.isRecord(slot) || Slots.tagOf(slot) != tag) {
                continue;
            }
            long location = Slots.location(slot);
            Extent extent = extents.extentAt(location);
            boolean match;
            try {
                match = keyAt(extent, extents.offsetAt(location), hash, key);
            } catch (RuntimeException torn) {
                return RETRY;
            }
            VarHandle.acquireFence();                  // the key's loads complete before the life is read
            if (!extent.inLife(Slots.life(slot))) {
                return RETRY;
            }
            if (match) {
                return slot;
            }
        }
    }

    /**
     * The read of a {@code Codecs.bytes()} value (or one behind a deadline) in one pass: probes {@code table} for
     * {@code key}, and for the candidate whose hash and key match copies the value at once, then validates the
     * record's life once for both (a copy of a record that changed life is thrown away, whether it matched or not).
     * Marks the slot visited on a hit. Log pages only: a record in a chain answers {@link #TORN}, for the general
     * path.
     *
     * @return the value, {@link #ABSENT}, or {@link #TORN} (look again)
     */
    Object copy(long[] table, int hash, K key) {
        int mask = table.length - 1;
        long tag = Slots.tagBits(hash);
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = RecordTable.slotAt(table, i);
            if (slot == Slots.EMPTY) {
                return ABSENT;
            }
            if (!Slots.isRecord(slot) || Slots.tagOf(slot) != tag) {
                continue;
            }
            long location = Slots.location(slot);
            Extent extent = extents.extentAt(location);
            MemorySegment page = extent.segment;
            if (page == null) {
                return TORN;
            }
            int offset = extents.offsetAt(location);
            Object value = null;
            int version = 0;
            try {
                long head = RecordLayout.hashAndKeyLength(page, offset);
                if (RecordLayout.firstInt(head) == hash) {
                    int keyLength = RecordLayout.secondInt(head);
                    if (keyCodec.matches(key, page, RecordLayout.keyOffset(offset), keyLength)) {
                        long tail = RecordLayout.valueLengthAndVersionAcquire(page, offset);
                        version = RecordLayout.secondInt(tail);
                        value = valueCodec.decode(page, RecordLayout.valueOffset(offset, keyLength),
                                RecordLayout.firstInt(tail));
                    }
                }
            } catch (RuntimeException torn) {
                return TORN;
            }
            VarHandle.acquireFence();                  // the record's loads complete before the life is read
            if (!extent.inLife(Slots.life(slot))) {
                return TORN;
            }
            if (value != null) {
                if ((version & 1) != 0 || RecordLayout.version(page, offset) != version) {
                    return TORN;                       // overwritten in place while copied
                }
                RecordTable.markVisited(table, i, slot);
                return value;
            }
        }
    }

    /**
     * {@return the value of the record {@code slot} names, or {@link #TORN} if its extent changed life meanwhile}
     * Lock-free.
     */
    Object value(long slot) {
        long location = Slots.location(slot);
        Extent extent = extents.extentAt(location);
        int offset = extents.offsetAt(location);
        int life = Slots.life(slot);
        return copyOnly ? copiedValue(extent, offset, life) : pinnedValue(extent, offset, life);
    }

    /**
     * {@return the version of the value of the record {@code slot} names ({@link RecordLayout}), with acquire
     * semantics} Lock-free and unvalidated: for a move, which installs only if the record's version is still this one
     * (an odd or garbage version only makes it refuse); under the stripe's monitor, where overwrites in place run, it is
     * the record's current version.
     */
    int versionOf(long slot) {
        long location = Slots.location(slot);
        try {
            return RecordLayout.versionAcquire(extents.extentAt(location).headerSegment(), extents.offsetAt(location));
        } catch (RuntimeException torn) {
            return -1;                                 // odd: never a version a move installs over
        }
    }

    private Object copiedValue(Extent extent, int offset, int life) {
        Object value;
        int version = 0;
        try {
            version = RecordLayout.versionAcquire(extent.headerSegment(), offset);
            value = decode(extent, offset);
        } catch (RuntimeException torn) {
            value = TORN;
        }
        VarHandle.acquireFence();                      // the copy's loads complete before the life is read again
        if (!extent.inLife(life) || (version & 1) != 0 || RecordLayout.version(extent.headerSegment(), offset) != version) {
            return TORN;
        }
        return value;
    }

    private Object pinnedValue(Extent extent, int offset, int life) {
        extent.pins.incrementAndGet();
        try {
            return stablePinned(extent, offset, life) ? decode(extent, offset) : TORN;
        } finally {
            extent.pins.decrementAndGet();
        }
    }

    /**
     * {@return whether the record at {@code offset} of {@code extent}, which the caller has just pinned, is in
     * {@code life} and not being overwritten in place} A writer in place makes the version odd and then checks for
     * pins (both with full fences); the caller pinned and then reads the version: one of the two sees the other, so a
     * pinned reader that sees an even version reads a value no writer touches until it unpins.
     */
    static boolean stablePinned(Extent extent, int offset, int life) {
        return extent.inLife(life) && (RecordLayout.versionAcquire(extent.headerSegment(), offset) & 1) == 0;
    }

    /**
     * {@return the value of the record at {@code offset}, decoded} The lengths are checked against the extent first,
     * so a torn header cannot make the codec allocate more than the extent holds. Under the record's stripe monitor
     * or a pin the record is stable; otherwise the caller validates.
     */
    V decode(Extent extent, int offset) {
        MemorySegment header = extent.headerSegment();
        int keyLength = RecordLayout.keyLength(header, offset);
        int valueLength = RecordLayout.valueLength(header, offset);
        long valueOffset = RecordLayout.valueOffset(offset, keyLength);
        long size = extent.byteSize();
        if (keyLength < 0 || valueLength < 0 || valueOffset + valueLength > size) {
            throw new IndexOutOfBoundsException("record at " + offset + ": key " + keyLength + ", value "
                    + valueLength + " bytes (expected: within " + size + ")");
        }
        return extent.segment != null
                ? valueCodec.decode(extent.segment, valueOffset, valueLength)
                : valueCodec.decode(extent.bytes(valueOffset, valueLength), 0, valueLength);
    }

    /** {@return the record's value bytes as a read-only view (a copy for a chain)} The record must be stable. */
    MemorySegment valueBytes(Extent extent, int offset) {
        MemorySegment header = extent.headerSegment();
        int keyLength = RecordLayout.keyLength(header, offset);
        return extent.bytes(RecordLayout.valueOffset(offset, keyLength), RecordLayout.valueLength(header, offset))
                .asReadOnly();
    }
}
