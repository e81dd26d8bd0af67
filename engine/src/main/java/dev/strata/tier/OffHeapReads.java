package dev.strata.tier;

import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Lock-free lookups of off-heap records: probe a stripe's {@link RecordTable}, compare the key, read the value, with
 * no lock and no heap object per record.
 *
 * <pre>
 *   slot ──► extent (by id) ──► life still the slot's? ──► hash, key bytes equal? ──► life still the slot's?
 *                                                            └─ copy or decode the value ──► life still the slot's?
 * </pre>
 *
 * <p><b>Why a validated read is a current value.</b> A slot the reader loads was the key's place at that moment. The
 * record it names is immutable while its extent stays in the life that wrote it ({@link Extent}); the reader checks
 * that life before it reads and again after (behind an acquire fence), so whatever it read is that record's bytes.
 * Anything read across a change of life (garbage lengths, out-of-bounds offsets, a freed page) is discarded:
 * exceptions included, the probe answers {@link #RETRY} and the caller reads again or under the stripe's monitor.
 *
 * <p>Values are copied under this validation only for {@code Codecs.bytes()}, whose decoding is a bounded copy with
 * no side effects; other codecs decode with the extent pinned ({@link Extent#pins}), so their input never changes
 * under them.
 *
 * @param <V> the value type
 */
final class OffHeapReads<V> {

    /** A probe's answer: the key has no record in the table. */
    static final int MISS = -1;
    /** A probe's answer: a record changed under the probe; look again. */
    static final int RETRY = -2;
    /** {@link #value}'s answer when the record changed while it was read. Never a value. */
    static final Object TORN = new Object();

    private final ExtentTable extents;
    private final Codec<V> valueCodec;
    private final boolean copyOnly;

    OffHeapReads(ExtentTable extents, Codec<V> valueCodec, boolean copyOnly) {
        this.extents = extents;
        this.valueCodec = valueCodec;
        this.copyOnly = copyOnly;
    }

    /**
     * {@return whether the record at {@code offset} of {@code extent} holds the key with {@code hash} whose encoding is
     * the {@code keyLength} bytes of {@code key} at {@code keyOffset}} Unvalidated: on a record read across a change of
     * life it may answer anything or throw.
     */
    static boolean keyAt(Extent extent, int offset, int hash, MemorySegment key, long keyOffset, int keyLength) {
        MemorySegment header = extent.headerSegment();
        return RecordLayout.hash(header, offset) == hash && RecordLayout.keyLength(header, offset) == keyLength
                && extent.bytesEqual(RecordLayout.keyOffset(offset), key, keyOffset, keyLength);
    }

    /**
     * Probes {@code table} for the key encoded in {@code probe}. On a hit, {@code probe} receives the slot word and
     * its index.
     *
     * @return the slot index, {@link #MISS} or {@link #RETRY}
     */
    int find(long[] table, int hash, ReadContext probe) {
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
            int life = Slots.life(slot);
            if (!extent.inLife(life)) {
                return RETRY;                          // a stale slot: the table has moved on
            }
            boolean match;
            try {
                match = keyAt(extent, extents.offsetAt(location), hash, probe.key(), 0, probe.keyLength());
            } catch (RuntimeException torn) {
                return RETRY;
            }
            VarHandle.acquireFence();                  // the key's loads complete before the life is read again
            if (!extent.inLife(life)) {
                return RETRY;
            }
            if (match) {
                probe.slot = slot;
                probe.index = i;
                return i;
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

    private Object copiedValue(Extent extent, int offset, int life) {
        Object value;
        try {
            value = decode(extent, offset);
        } catch (RuntimeException torn) {
            value = TORN;
        }
        VarHandle.acquireFence();                      // the copy's loads complete before the life is read again
        return extent.inLife(life) ? value : TORN;
    }

    private Object pinnedValue(Extent extent, int offset, int life) {
        extent.pins.incrementAndGet();
        try {
            return extent.inLife(life) ? decode(extent, offset) : TORN;
        } finally {
            extent.pins.decrementAndGet();
        }
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
        long size = extent.isChain() ? extent.pages.length * header.byteSize() : header.byteSize();
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
