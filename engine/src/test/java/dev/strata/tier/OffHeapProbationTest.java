package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import org.junit.jupiter.api.Test;

/**
 * The off-heap tier's two logs ({@code OffHeapTier}, S3-FIFO in pages): new keys start in probation; what is read
 * there, what comes back after leaving it unread, and what another tier moves in live in the main log, which a scan of
 * one-off keys through probation does not reach.
 */
class OffHeapProbationTest {

    private static final int PAGE = 4096;
    private static final int REGION = 256 * 1024;
    private static final int SIZE = 300;
    /** One-off keys start here; six times the region of them pass through in a scan. */
    private static final int ONE_OFF = 1_000_000;
    private static final int SCAN = 6 * REGION / SIZE;

    @Test
    void aScanOfOneOffKeysSixTimesTheRegionEvictsNoKeyReadBeforeIt() {
        int hotKeys = 100;                                    // about 8 pages of the 64
        try (TestEngine engine = new TestEngine(1 << 20, REGION, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = offHeapCache(engine);
            for (int key = 0; key < hotKeys; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            for (int key = 0; key < hotKeys; key++) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "hot key " + key);
            }
            scan(cache, ONE_OFF);
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).evictions() > SCAN - REGION / SIZE,
                    "the scan cycled through the region: " + cache.stats().tier(Tier.OFF_HEAP));
            for (int key = 0; key < hotKeys; key++) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "hot key " + key + " after the scan");
            }
            cache.close();
        }
    }

    @Test
    void aKeyEvictedFromProbationUnreadAndPutAgainSurvivesAScan() {
        int returning = 7;
        try (TestEngine engine = new TestEngine(1 << 20, REGION, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = offHeapCache(engine);
            cache.put(returning, value(returning, 1, SIZE));
            assertTrue(inProbation(cache, returning), "a new key starts in probation");
            int next = ONE_OFF;
            while (cache.containsKey(returning)) {
                cache.put(next, value(next, 1, SIZE));
                next++;
            }
            cache.put(returning, value(returning, 2, SIZE));   // back within the ghost's memory
            assertFalse(inProbation(cache, returning), "a key back soon after leaving probation goes to main");
            scan(cache, next);
            assertArrayEquals(value(returning, 2, SIZE), cache.get(returning), "the returning key after the scan");
            cache.close();
        }
    }

    @Test
    void aKeyNeverReadIsEvictedByTheScanLikeAnyOneOff() {
        try (TestEngine engine = new TestEngine(1 << 20, REGION, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = offHeapCache(engine);
            cache.put(7, value(7, 1, SIZE));
            scan(cache, ONE_OFF);
            assertFalse(cache.containsKey(7), "a key never read stays in probation and leaves with the scan");
            cache.close();
        }
    }

    @Test
    void aPutOverAKeyTheTierHoldsAndAKeyTheHeapEvictsGoToTheMainLog() {
        try (TestEngine engine = new TestEngine(64 * 1024, REGION, PAGE, null, 0)) {
            Cache<Integer, byte[]> offHeap = offHeapCache(engine);
            offHeap.put(1, value(1, 1, SIZE));
            offHeap.put(1, value(1, 2, SIZE + 100));         // a new size: appended, not overwritten in place
            assertFalse(inProbation(offHeap, 1), "a put over a key the tier holds");
            assertArrayEquals(value(1, 2, SIZE + 100), offHeap.get(1));

            Cache<Integer, byte[]> tiered = engine.caches.newCache("tiered", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            int key = 0;
            while (tiered.stats().tier(Tier.OFF_HEAP).entries() == 0) {
                tiered.put(key, value(key, 1, SIZE));
                key++;
            }
            int demoted = -1;
            for (int k = 0; k < key && demoted < 0; k++) {
                if (tiered.size(Tier.OFF_HEAP) > 0 && ((TieredCache<Integer, byte[]>) tiered).tiersImpl().offHeap
                        != null && slotOf(tiered, k) != OffHeapReads.MISS) {
                    demoted = k;
                }
            }
            assertNotEquals(-1, demoted, "the heap evicted a key down to off-heap");
            assertFalse(inProbation(tiered, demoted), "a key the heap tier evicts has passed the heap's probation");
            offHeap.close();
            tiered.close();
        }
    }

    private static Cache<Integer, byte[]> offHeapCache(TestEngine engine) {
        return engine.caches.newCache("probation", Codecs.int32(), Codecs.bytes()).tiers(Tier.OFF_HEAP).build();
    }

    /** Puts {@link #SCAN} keys from {@code first} on, each once, none read. */
    private static void scan(Cache<Integer, byte[]> cache, int first) {
        for (int key = first; key < first + SCAN; key++) {
            cache.put(key, value(key, 1, SIZE));
        }
    }

    private static long slotOf(Cache<Integer, byte[]> cache, int key) {
        Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
        int hash = KeyIndex.hash(key);
        synchronized (tiers.index.stripe(hash)) {
            return tiers.reads.find(tiers.index.stripe(hash).records.table(), hash, key);
        }
    }

    /** {@return whether the page holding {@code key}'s off-heap record is in the probation log} */
    private static boolean inProbation(Cache<Integer, byte[]> cache, int key) {
        long slot = slotOf(cache, key);
        assertTrue(Slots.isRecord(slot), "key " + key + " has an off-heap record");
        ExtentTable extents = ((TieredCache<Integer, byte[]>) cache).tiersImpl().offHeap.extents();
        return extents.extentAt(Slots.location(slot)).probation;
    }
}
