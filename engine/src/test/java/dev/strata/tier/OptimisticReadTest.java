package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Lock-free reads ({@link Lookups}, {@link OffHeapReads}): a stable off-heap entry is read without a lock; other codecs
 * decode with the page pinned; a zero-copy view keeps its page from reuse; and under concurrent overwrites, page
 * recycling, moves between the heap and off-heap tables, and close, every value read is whole (never torn), never
 * older than one the same reader saw before (never stale), and a present key is never read as a miss.
 */
class OptimisticReadTest {

    private static final long REGION = 256 * 1024;
    private static final int KEYS = 64;
    private static final int WRITERS = 2;
    private static final int READERS = 2;
    private static final int WRITES_PER_WRITER = 60_000;

    @Test
    void stableOffHeapEntryIsReadWithoutTheLock() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("stable", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            byte[] expected = value(7, 1, 300);
            cache.put(7, expected);
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            Stripe stripe = tiers.index.stripe(KeyIndex.hash(7));
            long slot = tiers.reads.find(stripe.records.table(), KeyIndex.hash(7), 7);
            assertTrue(Slots.isRecord(slot));
            assertArrayEquals(expected, (byte[]) tiers.reads.value(slot));
            assertArrayEquals(expected, cache.get(7));
            assertTrue(Slots.isVisited(tiers.reads.find(stripe.records.table(), KeyIndex.hash(7), 7)),
                    "a hit marks the slot visited");
            cache.remove(7);
            assertNull(cache.get(7));
            cache.close();
        }
    }

    @Test
    void otherCodecsDecodeWithThePagePinned() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, String> cache = engine.caches.newCache("strings", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.OFF_HEAP).build();
            cache.put(1, "one");
            Tiers<Integer, String> tiers = ((TieredCache<Integer, String>) cache).tiersImpl();
            Stripe stripe = tiers.index.stripe(KeyIndex.hash(1));
            long slot = tiers.reads.find(stripe.records.table(), KeyIndex.hash(1), 1);
            Extent extent = tiers.offHeap.extents().extentAt(Slots.location(slot));
            assertEquals("one", tiers.reads.value(slot));
            assertEquals("one", cache.get(1));
            assertEquals(0, extent.pins.get(), "every pin released");
            extent.seal();
            extent.renew();                                     // as if recycled: the pinned path sees the new life
            assertSame(OffHeapReads.TORN, tiers.reads.value(slot));
            cache.close();
        }
    }

    /**
     * A zero-copy read holds its page pinned: the page's recycler, which has already moved the record out and started
     * the page's next life, waits in renewal until the callback returns, so the view never changes under the reader.
     */
    @Test
    void aReadCallbackKeepsItsPageFromBeingReusedUntilItReturns() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("pinned", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            byte[] expected = value(3, 1, 500);
            cache.put(3, expected);
            Stripe stripe = tiers.index.stripe(KeyIndex.hash(3));
            long slot = tiers.reads.find(stripe.records.table(), KeyIndex.hash(3), 3);
            Extent extent = tiers.offHeap.extents().extentAt(Slots.location(slot));
            int generation = extent.generation;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] evictor = new Thread[1];
            byte[] seen = cache.read(3, view -> {
                evictor[0] = Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure,
                        () -> tiers.offHeap.evictBytes(REGION)));
                while (extent.generation < generation + 2) {
                    Thread.onSpinWait();                        // the record is gone and the next life started
                }
                assertTrue(evictor[0].isAlive(), "renewal waits for the pin");
                return view.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            });
            evictor[0].join();
            assertNull(failure.get());
            assertArrayEquals(expected, seen, "the view stayed whole through the recycling");
            assertNull(cache.get(3), "evicted with its page");
            cache.close();
        }
    }

    /**
     * One key's value moves between the heap and the off-heap tables with every put (large values are too big for the
     * heap tier and land off-heap): readers must always find it, never read a miss in the instant between the two
     * tables, and never read an older write.
     */
    @Test
    void aKeyMovingBetweenHeapAndOffHeapIsNeverMissedNorStale() throws Exception {
        try (TestEngine engine = new TestEngine(64 * 1024, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("moving", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).promotion(dev.strata.cache.Promotion.NEVER).build();
            int heapLimit = (int) (64 * 1024 / TierLimits.LARGE_ENTRY_FRACTION - Tiers.ENTRY_OVERHEAD_BYTES - 4);
            cache.put(0, value(0, 0, 100));
            int writes = 40_000;
            CyclicBarrier start = new CyclicBarrier(1 + READERS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                start.await();
                for (int sequence = 1; sequence <= writes && failure.get() == null; sequence++) {
                    cache.put(0, value(0, sequence, sequence % 2 == 0 ? 100 : heapLimit + 200));
                }
            })));
            for (int r = 0; r < READERS; r++) {
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    int[] lastSeen = new int[1];
                    start.await();
                    for (int op = 0; op < 2 * writes && failure.get() == null; op++) {
                        byte[] read = cache.get(0);
                        assertNotNull(read, "a present key read as a miss");
                        checkWholeAndNotOlder(0, read, lastSeen);
                        assertTrue(cache.containsKey(0), "a present key not contained");
                    }
                })));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(Tier.HEAP).puts() > 0 && stats.tier(Tier.OFF_HEAP).puts() > 0, stats::toString);
            cache.close();
        }
    }

    @Test
    void lockFreeReadsRacingWithCloseReturnWholeValuesThenThrow() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("closing", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            for (int key = 0; key < KEYS; key++) {
                cache.put(key, value(key, 1, 100 + 20 * key));
            }
            CountDownLatch reading = new CountDownLatch(READERS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                readers.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    try {
                        readUntilClosed(cache, reading);
                    } finally {
                        reading.countDown();                     // a failing reader must not leave close waiting
                    }
                })));
            }
            reading.await();
            cache.close();
            for (Thread reader : readers) {
                reader.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
        }
    }

    private static void readUntilClosed(Cache<Integer, byte[]> cache, CountDownLatch reading) {
        for (long op = 0; ; op++) {
            byte[] bytes;
            try {
                bytes = cache.get((int) (op % KEYS));
            } catch (IllegalStateException closed) {
                return;                              // the only way out: the cache was closed
            }
            if (bytes != null) {
                assertEquals(1, checkWhole((int) (op % KEYS), bytes));
            }
            if (op == 1000) {
                reading.countDown();
            }
        }
    }

    @Test
    void readsUnderOverwritesAndPageRecyclingAreWholeAndNeverStale() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("racing", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            CyclicBarrier start = new CyclicBarrier(WRITERS + READERS);
            CountDownLatch writing = new CountDownLatch(WRITERS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int[] readsDone = new int[READERS];
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    try {
                        Random random = new Random(writer);
                        int[] sequences = new int[KEYS];
                        start.await();
                        for (int op = 0; op < WRITES_PER_WRITER && failure.get() == null; op++) {
                            int key = writer + WRITERS * random.nextInt(KEYS / WRITERS);   // each key has one writer
                            cache.put(key, value(key, ++sequences[key], 8 + random.nextInt(1500)));
                        }
                    } finally {
                        writing.countDown();
                    }
                })));
            }
            for (int r = 0; r < READERS; r++) {
                int reader = r;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    Random random = new Random(100 + reader);
                    int[] lastSeen = new int[KEYS];
                    start.await();
                    // read for as long as the writers write (a reader may be scheduled long before them)
                    for (int op = 0; (op < 4 * WRITES_PER_WRITER || writing.getCount() > 0) && failure.get() == null;
                            op++) {
                        int key = random.nextInt(KEYS);
                        if (checkWholeAndNotOlder(key, cache.get(key), lastSeen)) {
                            readsDone[reader]++;
                        }
                    }
                    for (int key = 0; key < KEYS && failure.get() == null; key++) {   // and once more after them
                        if (checkWholeAndNotOlder(key, cache.get(key), lastSeen)) {
                            readsDone[reader]++;
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
            for (int reads : readsDone) {
                assertTrue(reads > 0, "a reader found no value at all");
            }
            cache.close();
        }
    }
}
