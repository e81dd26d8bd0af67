package dev.strata.tier;

import dev.strata.Tier;
import java.lang.foreign.MemorySegment;

/**
 * A value made ready for one tier but not yet visible: heap memory reserved, an off-heap record written, or encoded
 * bytes for the disk (written when installed, under the node's monitor, because the disk store is keyed by key).
 *
 * @param tier where the value goes
 * @param value the value object (heap)
 * @param weight the reserved heap weight (heap)
 * @param placement the written record (off-heap)
 * @param keyLength the encoded key length
 * @param valueLength the encoded value length
 * @param diskKey the encoded key (disk)
 * @param diskValue the encoded value (disk)
 */
record Prepared(Tier tier, Object value, long weight, OffHeapTier.Placement placement, int keyLength,
                int valueLength, MemorySegment diskKey, MemorySegment diskValue) {

    static Prepared heap(Object value, long weight, int keyLength, int valueLength) {
        return new Prepared(Tier.HEAP, value, weight, null, keyLength, valueLength, null, null);
    }

    static Prepared offHeap(OffHeapTier.Placement placement, int keyLength, int valueLength) {
        return new Prepared(Tier.OFF_HEAP, null, 0, placement, keyLength, valueLength, null, null);
    }

    static Prepared disk(MemorySegment key, MemorySegment value) {
        return new Prepared(Tier.DISK, null, 0, null, (int) key.byteSize(), (int) value.byteSize(), key, value);
    }
}
