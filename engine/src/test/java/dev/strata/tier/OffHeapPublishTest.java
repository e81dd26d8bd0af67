package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The off-heap reservation is a primitive ({@link OffHeapTier#append} packs offset and generation into a long) and a
 * written record is published only while its extent's generation is still the reserved one: the steps of a put,
 * taken one at a time so that a recycling can be put between them.
 */
class OffHeapPublishTest {

    private static final int PAGE = 4096;

    @Test
    void aRecordWhosePageWasRecycledAfterItWasWrittenIsNotPublished() {
        try (TestEngine engine = new TestEngine(1 << 20, 64 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("stale", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            cache.put(1, new byte[100]);                       // the write page exists
            byte[] value = {7, 7, 7};
            int recordBytes = RecordLayout.alignedBytes(4, value.length);
            Extent extent = tiers.offHeap.writeTarget(recordBytes, true);
            long reservation = append(tiers, extent, 2, value);

            tiers.offHeap.evictBytes(2 * PAGE);                // the evictor passes over the unpublished record

            assertEquals(Tiers.Install.STALE, publish(tiers, extent, reservation, 2, value));
            assertNull(cache.get(2), "nothing published into the recycled page");
            assertNull(cache.get(1), "evicted with its page");
            cache.put(2, value);                               // a put places it again, in a fresh page
            assertArrayEquals(value, cache.get(2));
            cache.close();
        }
    }

    /** Generations are any int, so the packing must keep the sign apart from the offset. */
    @ParameterizedTest
    @ValueSource(ints = {-2, Integer.MIN_VALUE, Integer.MAX_VALUE - 1, 0, 12344})
    void aReservationCarriesOffsetAndGenerationOfAnyValue(int generation) {
        try (TestEngine engine = new TestEngine(1 << 20, 64 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("packed", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            cache.put(1, new byte[100]);                       // the next record starts at 120
            byte[] value = {1, 2, 3, 4, 5};
            Extent extent = tiers.offHeap.writeTarget(RecordLayout.alignedBytes(4, value.length), true);
            extent.generation = generation;
            long reservation = append(tiers, extent, 2, value);
            assertNotEquals(OffHeapTier.NO_RESERVATION, reservation);
            assertEquals(RecordLayout.alignedBytes(4, 100), OffHeapTier.offset(reservation));
            assertEquals(generation, OffHeapTier.generation(reservation));

            assertEquals(Tiers.Install.DONE, publish(tiers, extent, reservation, 2, value));
            assertArrayEquals(value, cache.get(2));
            assertArrayEquals(new byte[100], cache.get(1));
            cache.close();
        }
    }

    @Test
    void aReservationInAPageNoLongerTheWritePageIsRefused() {
        try (TestEngine engine = new TestEngine(1 << 20, 64 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("moved", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            Extent first = tiers.offHeap.writeTarget(104, true);
            cache.put(1, new byte[3000]);
            cache.put(2, new byte[3000]);                      // does not fit behind key 1: a new write page
            int small = 104 - RecordLayout.HEADER_BYTES - 4;
            int whole = PAGE - RecordLayout.HEADER_BYTES - 4;
            assertEquals(OffHeapTier.NO_RESERVATION, tiers.offHeap.append(first, 104, 3, 4, small,
                    tiers.offHeapPlacement, 3, new byte[small]));
            assertEquals(OffHeapTier.NO_RESERVATION, tiers.offHeap.append(tiers.offHeap.writeTarget(104, true), PAGE, 3,
                    4, whole, tiers.offHeapPlacement, 3, new byte[whole]), "no room left for the record");
            cache.close();
        }
    }

    /** Appends a record of int key {@code key} and {@code value} to {@code extent}: header, key and value. */
    private static long append(Tiers<Integer, byte[]> tiers, Extent extent, int key, byte[] value) {
        return tiers.offHeap.append(extent, RecordLayout.alignedBytes(4, value.length), KeyIndex.hash(key), 4,
                value.length, tiers.offHeapPlacement, key, value);
    }

    private static Tiers.Install publish(Tiers<Integer, byte[]> tiers, Extent extent, long reservation, int key,
                                         byte[] value) {
        return tiers.offHeapPlacement.publishOffHeap(key, KeyIndex.hash(key), extent, OffHeapTier.offset(reservation),
                OffHeapTier.generation(reservation), 4, RecordLayout.alignedBytes(4, value.length), null, null);
    }
}
