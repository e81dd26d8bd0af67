package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * A tier filled with new keys holds them all in probation; when every one of them has been read, recycling a
     * probation page moves it whole into the main log and frees nothing, page after page. A put must not wait that out
     * (it gives up after {@code OffHeapTier.MAX_ROUNDS} rounds, and its value is dropped): after half of its rounds a
     * probation page promotes only half a page, so each round frees room. Fails if probation pages always promote all.
     */
    @Test
    void putsStillLandAfterEveryKeyOfAFullProbationLogWasRead() {
        int region = 4 << 20;                                 // 1,024 pages of 4 KiB, all in probation when full
        try (TestEngine engine = new TestEngine(1 << 20, region, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = offHeapCache(engine);
            int filled = region / SIZE;                       // a little more than fits
            for (int key = 0; key < filled; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            for (int key = 0; key < filled; key++) {
                cache.get(key);                               // every record held is now read
            }
            for (int key = ONE_OFF; key < ONE_OFF + 2_000; key++) {
                cache.put(key, value(key, 1, SIZE));
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "new key " + key + " right after its put");
            }
            cache.close();
        }
    }

    /**
     * Reclaim for execution ({@code OffHeapTier.evictBytes}) frees every page: both logs, both sets of write pages,
     * the spare and the copy page, which is in no queue; what they held moves to disk.
     */
    @Test
    void reclaimingEverythingFreesTheCopyPageTooAndMovesEveryEntryDown(@TempDir Path dir) {
        try (TestEngine engine = new TestEngine(1 << 20, REGION, PAGE, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("reclaim", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            int keys = 2 * REGION / SIZE;
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 1, SIZE));
                if (key % 3 == 0) {
                    cache.get(key / 2);                       // some read on probation: promoted into the copy page
                }
            }
            OffHeapTier tier = ((TieredCache<Integer, byte[]>) cache).tiersImpl().offHeap;
            long pages = tier.pages();
            assertTrue(pages > 0);
            assertEquals(pages * PAGE, tier.evictBytes(Long.MAX_VALUE), "every page freed");
            assertEquals(0, tier.pages());
            assertEquals(0, cache.size(Tier.OFF_HEAP));
            for (int key = 0; key < keys; key++) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key + " from disk");
            }
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
    void aPutOverAKeyTheTierHoldsGoesToTheMainLog() {
        try (TestEngine engine = new TestEngine(64 * 1024, REGION, PAGE, null, 0)) {
            Cache<Integer, byte[]> offHeap = offHeapCache(engine);
            offHeap.put(1, value(1, 1, SIZE));
            offHeap.put(1, value(1, 2, SIZE + 100));         // a new size: appended, not overwritten in place
            assertFalse(inProbation(offHeap, 1), "a put over a key the tier holds");
            assertArrayEquals(value(1, 2, SIZE + 100), offHeap.get(1));
            offHeap.close();
        }
    }

    /**
     * Under a heap tier, an entry the heap evicts from its small queue, never read, starts in this tier's probation
     * (it has proved nothing yet), and one the heap evicts from its main queue, where a read sent it, goes to the main
     * log.
     */
    @Test
    void aKeyTheHeapEvictsUnreadStartsInProbationAndOneItReadGoesToTheMainLog() {
        try (TestEngine engine = new TestEngine(64 * 1024, REGION, PAGE, null, 0)) {
            Cache<Integer, byte[]> tiered = engine.caches.newCache("tiered", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            int unread = firstDemoted(tiered, 0, false);
            assertTrue(inProbation(tiered, unread), "a key the heap evicts from its small queue, never read");
            int read = firstDemoted(tiered, ONE_OFF, true);
            assertFalse(inProbation(tiered, read), "a key the heap evicts from its main queue was read there");
            assertArrayEquals(value(read, 1, SIZE), tiered.get(read));
            tiered.close();
        }
    }

    /**
     * Puts keys from {@code first} on (each read once right after its put when {@code read}) until the heap tier
     * evicts one of them down to off-heap. {@return that key}
     */
    private static int firstDemoted(Cache<Integer, byte[]> cache, int first, boolean read) {
        for (int key = first; key < first + 100_000; key++) {
            cache.put(key, value(key, 1, SIZE));
            if (read) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key + " right after its put");
            }
            for (int k = first; k <= key; k++) {
                if (Slots.isRecord(slotOf(cache, k))) {
                    return k;
                }
            }
        }
        throw new AssertionError("the heap evicted none of 100,000 keys from " + first);
    }

    /**
     * Two writers put new keys without end (each starts in probation) and overwrite a few hot ones; two readers read
     * the hot keys and recent new ones (so records get promoted into the copy page, which fills and is replaced
     * while others are read) through a region of eight pages, with a disk below. Every value read is whole and no
     * older than one read before; at the end every key has its last value, off-heap or on disk.
     */
    @RepeatedTest(3)                                          // a race: each round catches a broken move often, not always
    void concurrentNewKeysThroughProbationLoseNothingAndNeverTear(@TempDir Path dir) throws Exception {
        int writers = 2;
        int readers = 2;
        int newKeysPerWriter = 12_000;
        int hotKeys = 32;                                     // keys 0-31; new keys from 1000 on (newKey)
        try (TestEngine engine = new TestEngine(1 << 20, 8 * PAGE, PAGE, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("churn", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            CyclicBarrier start = new CyclicBarrier(writers + readers);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicIntegerArray written = new AtomicIntegerArray(writers);
            int[][] hotSequences = new int[writers][hotKeys];
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    start.await();
                    for (int i = 0; i < newKeysPerWriter && failure.get() == null; i++) {
                        int key = newKey(writer, i, writers);
                        cache.put(key, value(key, 1, 8 + random.nextInt(8, 600)));
                        written.set(writer, i + 1);
                        if (i % 4 == 0) {
                            int hot = writer + writers * random.nextInt(hotKeys / writers);   // one writer per key
                            cache.put(hot, value(hot, ++hotSequences[writer][hot], 8 + random.nextInt(8, 600)));
                        }
                    }
                })));
            }
            for (int r = 0; r < readers; r++) {
                int reader = r;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    SplittableRandom random = new SplittableRandom(100 + reader);
                    int[] lastSeen = new int[hotKeys];
                    start.await();
                    for (int op = 0; op < 4 * newKeysPerWriter && failure.get() == null; op++) {
                        int hot = random.nextInt(hotKeys);
                        checkWholeAndNotOlder(hot, cache.get(hot), lastSeen);
                        int writer = random.nextInt(writers);
                        int done = written.get(writer);
                        if (done > 0) {                       // one of the last 200 new keys: often still in probation
                            int key = newKey(writer, Math.max(0, done - 1 - random.nextInt(200)), writers);
                            byte[] bytes = cache.get(key);
                            assertNotNull(bytes, "new key " + key + " lost");
                            checkWhole(key, bytes);
                        }
                    }
                })));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int writer = 0; writer < writers; writer++) {
                for (int i = 0; i < newKeysPerWriter; i++) {
                    int key = newKey(writer, i, writers);
                    byte[] bytes = cache.get(key);
                    assertNotNull(bytes, "new key " + key + " lost");
                    assertEquals(1, checkWhole(key, bytes), "new key " + key);
                }
                for (int hot = writer; hot < hotKeys; hot += writers) {
                    byte[] bytes = cache.get(hot);
                    assertNotNull(bytes, "hot key " + hot + " lost");
                    assertEquals(hotSequences[writer][hot], checkWhole(hot, bytes), "hot key " + hot);
                }
            }
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).demotions() > newKeysPerWriter, "pages were recycled");
            cache.close();
        }
    }

    private static int newKey(int writer, int i, int writers) {
        return 1000 + writer + writers * i;
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
