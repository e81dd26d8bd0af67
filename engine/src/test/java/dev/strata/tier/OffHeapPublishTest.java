package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The off-heap reservation is a primitive ({@link OffHeapTier#reserve} packs offset and generation into a long) and a
 * written record is published only while its extent's generation is still the reserved one: the steps of a put,
 * taken one at a time so that an eviction can be put between them.
 */
class OffHeapPublishTest {

    private static final int PAGE = 4096;

    @Test
    void aRecordWhosePageWasEvictedAfterItWasWrittenIsNotPublished() {
        try (TestEngine engine = new TestEngine(1 << 20, 64 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("stale", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            cache.put(1, new byte[100]);                       // the write page exists
            Node<Integer, byte[]> node = tiers.index.getOrCreate(2);
            byte[] value = {7, 7, 7};
            int recordBytes = RecordLayout.recordBytes(4, value.length);
            Extent extent = tiers.offHeap.writeTarget(recordBytes);
            long reservation = tiers.offHeap.reserve(node, recordBytes, extent);
            write(tiers, extent, OffHeapTier.offset(reservation), 2, value);
            OffHeapTier.written(extent);

            tiers.offHeap.evictBytes(PAGE);                    // the evictor passes over the unpublished record

            assertEquals(Tiers.Install.STALE, tiers.publishOffHeap(node, extent, OffHeapTier.offset(reservation),
                    OffHeapTier.generation(reservation), 4, value.length, Tiers.PUT));
            assertNull(node.tier, "nothing published into the evicted page");
            assertNull(cache.get(2));
            assertNull(cache.get(1), "evicted with its page");
            cache.put(2, value);                               // a put places it again, in a fresh page
            assertArrayEquals(value, cache.get(2));
            cache.close();
        }
    }

    /** Generations are any int, so the packing must keep the sign apart from the offset. */
    @ParameterizedTest
    @ValueSource(ints = {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, 12345})
    void aReservationCarriesOffsetAndGenerationOfAnyValue(int generation) {
        try (TestEngine engine = new TestEngine(1 << 20, 64 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("packed", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            cache.put(1, new byte[100]);                       // the next record starts at 108
            Node<Integer, byte[]> node = tiers.index.getOrCreate(2);
            byte[] value = {1, 2, 3, 4, 5};
            int recordBytes = RecordLayout.recordBytes(4, value.length);
            Extent extent = tiers.offHeap.writeTarget(recordBytes);
            extent.generation = generation;
            long reservation = tiers.offHeap.reserve(node, recordBytes, extent);
            assertNotEquals(OffHeapTier.NO_RESERVATION, reservation);
            assertEquals(RecordLayout.recordBytes(4, 100), OffHeapTier.offset(reservation));
            assertEquals(generation, OffHeapTier.generation(reservation));
            write(tiers, extent, OffHeapTier.offset(reservation), 2, value);
            OffHeapTier.written(extent);

            assertEquals(Tiers.Install.DONE, tiers.publishOffHeap(node, extent, OffHeapTier.offset(reservation),
                    OffHeapTier.generation(reservation), 4, value.length, Tiers.PUT));
            assertSame(extent, node.extent);
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
            Extent first = tiers.offHeap.writeTarget(100);
            cache.put(1, new byte[3000]);
            cache.put(2, new byte[3000]);                      // does not fit behind key 1: a new write page
            Node<Integer, byte[]> node = tiers.index.getOrCreate(3);
            assertEquals(OffHeapTier.NO_RESERVATION, tiers.offHeap.reserve(node, 100, first));
            assertEquals(OffHeapTier.NO_RESERVATION, tiers.offHeap.reserve(node, PAGE,
                    tiers.offHeap.writeTarget(100)), "no room left for the record");
            cache.remove(3);
            cache.close();
        }
    }

    private static void write(Tiers<Integer, byte[]> tiers, Extent extent, int offset, int key, byte[] value) {
        RecordLayout.writeHeader(extent.segment, offset, 4, value.length);
        tiers.keyCodec.encode(key, extent.segment, RecordLayout.keyOffset(offset));
        tiers.valueCodec.encode(value, extent.segment, RecordLayout.valueOffset(offset, 4));
    }
}
