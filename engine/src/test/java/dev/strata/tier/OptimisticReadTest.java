package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The lock-free off-heap read ({@link Tiers#readOffHeapOptimistic}): it is taken for a stable entry, and under
 * concurrent overwrites and page recycling every value read is whole (never torn) and never older than one the same
 * reader saw before (never stale).
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
            assertArrayEquals(expected, tiers.readOffHeapOptimistic(tiers.index.get(7)));
            assertArrayEquals(expected, cache.get(7));
            cache.remove(7);
            assertNull(cache.get(7));
            cache.close();
        }
    }

    @Test
    void otherCodecsTakeTheLockedPath() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, String> cache = engine.caches.newCache("strings", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.OFF_HEAP).build();
            cache.put(1, "one");
            Tiers<Integer, String> tiers = ((TieredCache<Integer, String>) cache).tiersImpl();
            assertNull(tiers.readOffHeapOptimistic(tiers.index.get(1)));
            assertEquals("one", cache.get(1));
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
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int[] readsDone = new int[READERS];
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    Random random = new Random(writer);
                    int[] sequences = new int[KEYS];
                    start.await();
                    for (int op = 0; op < WRITES_PER_WRITER && failure.get() == null; op++) {
                        int key = writer + WRITERS * random.nextInt(KEYS / WRITERS);   // each key has one writer
                        cache.put(key, value(key, ++sequences[key], 8 + random.nextInt(1500)));
                    }
                })));
            }
            for (int r = 0; r < READERS; r++) {
                int reader = r;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    Random random = new Random(100 + reader);
                    int[] lastSeen = new int[KEYS];
                    start.await();
                    for (int op = 0; op < 4 * WRITES_PER_WRITER && failure.get() == null; op++) {
                        int key = random.nextInt(KEYS);
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
