package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Page recycling copies a page's kept records into the copy page ({@code OffHeapTier.recycle}): records of many
 * sizes, overwritten several times within one page, kept by second chance or by compaction of a sparse page, come back
 * byte for byte, every page's live-byte counter matches the slots that point into it, and recycling a huge page
 * allocates no heap buffer of its size.
 */
class OffHeapRecycleTest {

    private static final int PAGE = 4096;

    @Test
    void compactionOfOverwrittenPagesKeepsEveryLiveValueByteForByte() {
        int keys = 200;                                       // about 64 KiB live in a 256 KiB region
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("compact", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            SplittableRandom random = new SplittableRandom(5);
            byte[][] expected = new byte[keys][];
            int[] sequences = new int[keys];
            for (int op = 0; op < 40_000; op++) {
                int key = random.nextInt(keys);
                if (random.nextInt(50) == 0) {
                    cache.remove(key);
                    expected[key] = null;
                } else {                                      // the same key again soon: written twice into a page
                    expected[key] = value(key, ++sequences[key], 8 + random.nextInt(8, 500));
                    cache.put(key, expected[key]);
                }
                if (op % 997 == 0) {
                    checkAll(cache, expected);
                }
            }
            checkAll(cache, expected);
            checkLiveBytesCounters(cache);
            CacheStats.TierStats offHeap = cache.stats().tier(Tier.OFF_HEAP);
            assertEquals(0, offHeap.evictions(), "a quarter live: compaction alone makes room " + offHeap);
            assertTrue(offHeap.reservedBytes() <= 256 * 1024, offHeap::toString);
            cache.close();
        }
    }

    /**
     * Every page's {@link Extent#liveBytes()} (which picks the page to compact) equals the bytes of the records its
     * slots point at, after overwrites, removes and compactions have each changed it. Call with the cache quiet.
     */
    static void checkLiveBytesCounters(Cache<?, ?> cache) {
        Tiers<?, ?> tiers = ((TieredCache<?, ?>) cache).tiersImpl();
        ExtentTable extents = tiers.offHeap.extents();
        java.util.Map<Extent, Long> pointedAt = new java.util.IdentityHashMap<>();
        for (Stripe stripe : tiers.index.stripes()) {
            synchronized (stripe) {
                for (int i = 0; i < stripe.records.capacity(); i++) {
                    long slot = stripe.records.get(i);
                    if (Slots.isRecord(slot)) {
                        Extent extent = extents.extentAt(Slots.location(slot));
                        int offset = extents.offsetAt(Slots.location(slot));
                        assertTrue(extent.inLife(Slots.life(slot)), "a slot names an older life of " + extent);
                        java.lang.foreign.MemorySegment header = extent.headerSegment();
                        pointedAt.merge(extent, (long) RecordLayout.alignedBytes(RecordLayout.keyLength(header, offset),
                                RecordLayout.valueLength(header, offset)), Long::sum);
                    }
                }
            }
        }
        assertTrue(pointedAt.size() > 1, "the check needs several pages");
        pointedAt.forEach((extent, bytes) -> assertEquals(bytes.longValue(), extent.liveBytes(),
                "live bytes counted for " + extent));
    }

    /**
     * Cold entries written first fill the oldest pages and stay live; a few hot keys are then overwritten thousands of
     * times. The dead records are all in younger pages, behind a wall of live ones: the tier must find and compact
     * them there rather than evict the cold entries at the head of its queue.
     */
    @Test
    void deadPagesBehindLiveOnesAreCompactedBeforeAnyLiveEntryIsEvicted() {
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("wall", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            int cold = 120;                                    // about 60 KB: 15 full pages at the head of the queue
            for (int key = 0; key < cold; key++) {
                cache.put(key, value(key, 1, 500));
            }
            int[] sequences = new int[20];
            for (int op = 0; op < 30_000; op++) {             // about 15 MB through a 256 KiB region
                int hot = op % sequences.length;
                cache.put(cold + hot, value(cold + hot, ++sequences[hot], 500));
            }
            CacheStats.TierStats offHeap = cache.stats().tier(Tier.OFF_HEAP);
            assertEquals(0, offHeap.evictions(), "a quarter live: nothing needs evicting " + offHeap);
            for (int key = 0; key < cold; key++) {
                assertArrayEquals(value(key, 1, 500), cache.get(key), "cold key " + key);
            }
            for (int hot = 0; hot < sequences.length; hot++) {
                assertArrayEquals(value(cold + hot, sequences[hot], 500), cache.get(cold + hot), "hot key " + hot);
            }
            checkLiveBytesCounters(cache);
            cache.close();
        }
    }

    /**
     * The shape of the put benchmark that lost a fifth of its keys: three records fill a page, every key is written
     * once, then skewed overwrites (the hottest key takes two fifths of them) run through a region four times the live
     * data. Cold keys keep the oldest pages live while hot keys leave younger pages dead; with three quarters of the
     * region dead nothing needs evicting, so every key must still be there with its last value. (Before the tier
     * looked past its oldest pages for a sparse one, this lost about 110 of the 192 keys.)
     */
    @Test
    void skewedOverwritesOfLargeRecordsEvictNothingFromARegionFourTimesTheLiveData() {
        int keys = 192;                                        // 192 x ~1.3 KiB = 64 pages live in a 256-page region
        int size = 1300;
        try (TestEngine engine = new TestEngine(1 << 20, 256 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("skew", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            int[] sequences = new int[keys];
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, ++sequences[key], size));
            }
            SplittableRandom random = new SplittableRandom(11);
            for (int op = 0; op < 50_000; op++) {
                int key = (int) (keys * Math.pow(random.nextDouble(), 6));   // key 0 the hottest
                cache.put(key, value(key, ++sequences[key], size));
            }
            CacheStats.TierStats offHeap = cache.stats().tier(Tier.OFF_HEAP);
            assertEquals(0, offHeap.evictions(), "a quarter live: nothing needs evicting " + offHeap);
            for (int key = 0; key < keys; key++) {
                assertArrayEquals(value(key, sequences[key], size), cache.get(key), "key " + key);
            }
            checkLiveBytesCounters(cache);
            cache.close();
        }
    }

    @Test
    void aKeyWrittenTwiceInOnePageIsCompactedFromItsLiveRecordOnly() {
        try (TestEngine engine = new TestEngine(1 << 20, 64 * 1024, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("twice", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            byte[] first = value(1, 1, 200);
            byte[] neighbour = value(2, 1, 100);
            byte[] second = value(1, 2, 1000);                // longer than the dead record and its neighbour
            cache.put(1, first);
            cache.put(2, neighbour);
            cache.put(1, second);                             // page one holds key 1 at two offsets
            for (int op = 0; op < 3000; op++) {               // fresh fillers: page one is the sparsest, and
                cache.put(100 + op, value(100 + op, 1, 300));  // is compacted before any full page is evicted
                if (op % 50 == 0) {
                    assertArrayEquals(second, cache.get(1), "key written twice, after op " + op);
                    assertArrayEquals(neighbour, cache.get(2), "its neighbour, after op " + op);
                }
            }
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).evictions() > 2000, "unread fillers cycled through");
            assertArrayEquals(value(3099, 1, 300), cache.get(3099), "newest filler");
            cache.close();
        }
    }

    @Test
    void secondChanceKeepsReadRecordsWhileColdOnesCycleThrough() {
        int hotKeys = 8;                                      // about 1.2 KB: all fit in the kept half of a page
        try (TestEngine engine = new TestEngine(1 << 20, 128 * 1024, 2 * PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("hot", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            byte[][] hot = new byte[hotKeys][];
            for (int key = 0; key < hotKeys; key++) {
                hot[key] = value(key, 1, 150 + 10 * key);
                cache.put(key, hot[key]);
            }
            SplittableRandom random = new SplittableRandom(9);
            for (int op = 0; op < 20_000; op++) {
                int cold = hotKeys + op;
                byte[] coldValue = value(cold, 1, 8 + random.nextInt(16, 700));
                cache.put(cold, coldValue);                   // never read: moves down (here: dropped) when old
                if (op % 8 == 0) {                            // every hot key read well within a page's lifetime
                    for (int key = 0; key < hotKeys; key++) {
                        assertArrayEquals(hot[key], cache.get(key), "hot key " + key + " after op " + op);
                    }
                }
                if (op % 64 == 0) {                           // a few cold ones read too: their bytes are whole
                    int older = hotKeys + random.nextInt(op + 1);
                    byte[] seen = cache.get(older);
                    if (seen != null) {
                        checkWhole(older, seen);
                    }
                }
            }
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).evictions() > 10_000, "cold keys cycled through");
            checkLiveBytesCounters(cache);
            cache.close();
        }
    }

    /**
     * The oldest main page, every record in it read, keeps three quarters of a page of them
     * ({@code OffHeapTier.KEPT_QUARTERS}: its first records, in page order) and moves the rest down, here dropping them. The main log fills the
     * tier, so the first page a one-off put needs comes from it. Fails if the bound goes back to half a page, and if
     * the page keeps everything (it would free nothing, and the loop gives up).
     */
    @Test
    void aMainPageReadThroughKeepsThreeQuartersOfItsRecords() {
        int perPage = 16;
        int valueSize = PAGE / perPage - RecordLayout.HEADER_BYTES - Integer.BYTES;   // records of exactly 256 B
        int mainPages = 56;                                   // of 64: main outweighs probation more than tenfold
        int keys = mainPages * perPage;
        int oneOff = 1_000_000;
        try (TestEngine engine = new TestEngine(1 << 20, 64 * PAGE, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("main", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 1, 20));            // a new key: probation (a 40-byte record, dead at once)
                cache.put(key, value(key, 2, valueSize));     // put over, another size: appended to the main log
            }
            for (int key = 0; key < keys; key++) {
                assertArrayEquals(value(key, 2, valueSize), cache.get(key), "key " + key + " before");
            }
            int lastOfFirstPage = perPage - 1;
            for (int next = oneOff; cache.containsKey(lastOfFirstPage); next++) {
                assertTrue(next < oneOff + 8 * perPage, "eight pages of one-off keys and the first main page is intact");
                cache.put(next, value(next, 1, valueSize));
            }
            int kept = perPage * 3 / 4;
            for (int key = 0; key < perPage; key++) {
                if (key < kept) {
                    assertArrayEquals(value(key, 2, valueSize), cache.get(key), "kept: key " + key);
                } else {
                    assertNull(cache.get(key), "beyond the kept share: key " + key);
                }
            }
            for (int key = perPage; key < keys; key++) {
                assertArrayEquals(value(key, 2, valueSize), cache.get(key), "key " + key + " on a later main page");
            }
            checkLiveBytesCounters(cache);
            cache.close();
        }
    }

    @RepeatedTest(3)                                          // a race: each round catches a broken move often, not always
    void concurrentReadersNeverSeeTornStaleOrLostValuesWhilePagesAreRecycled(@TempDir Path dir) throws Exception {
        int keys = 96;
        int writers = 2;
        int readers = 2;
        int writesPerWriter = 40_000;
        try (TestEngine engine = new TestEngine(1 << 20, 32 * 1024, PAGE, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("race", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            CyclicBarrier start = new CyclicBarrier(writers + readers);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int[][] last = new int[writers][keys];
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    start.await();
                    for (int op = 0; op < writesPerWriter && failure.get() == null; op++) {
                        int key = writer + writers * random.nextInt(keys / writers);   // one writer per key
                        last[writer][key]++;
                        cache.put(key, value(key, last[writer][key], 8 + random.nextInt(8, 900)));
                    }
                })));
            }
            for (int r = 0; r < readers; r++) {
                int reader = r;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    SplittableRandom random = new SplittableRandom(100 + reader);
                    int[] lastSeen = new int[keys];
                    start.await();
                    for (int op = 0; op < 3 * writesPerWriter && failure.get() == null; op++) {
                        int key = random.nextInt(keys);
                        checkWholeAndNotOlder(key, cache.get(key), lastSeen);   // hits mark records visited
                    }
                })));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int key = 0; key < keys; key++) {              // spilled records went to disk, none was lost
                int sequence = last[key % writers][key];
                if (sequence > 0) {
                    byte[] bytes = cache.get(key);
                    assertNotNull(bytes, "key " + key + " lost");
                    assertEquals(sequence, checkWhole(key, bytes), "key " + key);
                }
            }
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).demotions() > 0, "pages were recycled");
            cache.close();
        }
    }

    @Test
    void recyclingA64MebibytePageAllocatesNoHeapBufferOfItsSize() {
        int pageSize = 64 << 20;
        int valueSize = 4 << 20;
        byte[][] values = new byte[40][];                     // 40 * 4 MiB: two and a half pages' worth
        for (int key = 0; key < values.length; key++) {
            values[key] = value(key, 1, valueSize);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TestEngine engine = new TestEngine(1 << 20, pageSize, pageSize, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("huge", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            cache.put(-1, values[0]);                          // first page and the cache's lazy parts
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int key = 0; key < values.length; key++) {
                cache.put(key, values[key]);
                assertEquals(valueSize, cache.read(key, MemorySegment::byteSize));  // read: second chance may keep it
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).evictions() > 0, "the one page was recycled");
            assertTrue(allocated < 4 << 20, "heap allocated by 40 puts recycling 64 MiB pages: " + allocated);
            for (int key = 0; key < values.length; key++) {   // those kept by second chance are whole
                byte[] kept = cache.get(key);
                if (kept != null) {
                    assertArrayEquals(values[key], kept, "key " + key);
                }
            }
            assertArrayEquals(values[values.length - 1], cache.get(values.length - 1));
            cache.close();
        }
    }

    private static void checkAll(Cache<Integer, byte[]> cache, byte[][] expected) {
        for (int key = 0; key < expected.length; key++) {
            byte[] actual = cache.get(key);
            if (expected[key] == null) {
                assertEquals(null, actual, "removed key " + key);
            } else {
                assertArrayEquals(expected[key], actual, "key " + key);
            }
        }
    }
}
