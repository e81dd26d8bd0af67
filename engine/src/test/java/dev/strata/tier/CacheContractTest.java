package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.ValueTooLargeException;
import dev.strata.codec.Codecs;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input, lifecycle, persistence, loader semantics, statistics and JMX. */
class CacheContractTest {

    private static final long REGION = 256 * 1024;

    @TempDir
    Path dir;

    private TestEngine engine() {
        return new TestEngine(REGION, REGION, 4096, dir, 16L << 20);
    }

    @Test
    void badInputIsRefusedWithClearExceptions() {
        try (TestEngine engine = engine()) {
            Cache<String, String> cache = engine.caches.newCache("bad", Codecs.utf8(), Codecs.utf8()).build();
            assertEquals("key", assertThrows(NullPointerException.class, () -> cache.get(null)).getMessage());
            assertEquals("value", assertThrows(NullPointerException.class, () -> cache.put("k", null)).getMessage());
            assertEquals("key", assertThrows(NullPointerException.class, () -> cache.put(null, "v")).getMessage());
            assertEquals("loader", assertThrows(NullPointerException.class,
                    () -> cache.computeIfAbsent("k", null)).getMessage());
            assertThrows(NullPointerException.class, () -> cache.getAll(java.util.Arrays.asList("a", null)));
            assertThrows(NullPointerException.class, () -> cache.size(null));
            cache.close();

            var builder = engine.caches.newCache("b", Codecs.utf8(), Codecs.utf8());
            assertThrows(IllegalArgumentException.class, builder::tiers);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.tiers(Tier.DISK, Tier.HEAP))
                    .getMessage().contains("in the order"));
            assertThrows(IllegalArgumentException.class, () -> builder.tiers(Tier.HEAP, Tier.HEAP));
            assertThrows(NullPointerException.class, () -> builder.tiers(Tier.HEAP, null));
            assertThrows(IllegalArgumentException.class, () -> builder.tiers(Tier.HEAP).persistent(true).build());
            assertThrows(IllegalArgumentException.class,
                    () -> engine.caches.newCache("no/slash", Codecs.utf8(), Codecs.utf8()));
        }
        try (TestEngine memoryOnly = new TestEngine(REGION, 0, 4096, null, 0)) {
            var builder = memoryOnly.caches.newCache("m", Codecs.utf8(), Codecs.utf8());
            String message = assertThrows(IllegalArgumentException.class,
                    () -> builder.tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK)).getMessage();
            assertTrue(message.contains("OFF_HEAP (the engine has no off-heap region)")
                    && message.contains("DISK (the engine has no disk directory)"), message);
        }
    }

    @Test
    void closedCacheThrowsIllegalState() {
        try (TestEngine engine = engine()) {
            Cache<String, String> cache = engine.caches.newCache("closing", Codecs.utf8(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            cache.put("a", "1");
            cache.close();
            cache.close();
            assertThrows(IllegalStateException.class, () -> cache.get("a"));
            assertThrows(IllegalStateException.class, () -> cache.put("a", "2"));
            assertThrows(IllegalStateException.class, () -> cache.remove("a"));
            assertThrows(IllegalStateException.class, cache::size);
            assertEquals(1, cache.stats().tier(Tier.HEAP).puts());
            Cache<String, String> again = engine.caches.newCache("closing", Codecs.utf8(), Codecs.utf8()).build();
            assertNull(again.get("a"));
            assertThrows(IllegalStateException.class,
                    () -> engine.caches.newCache("closing", Codecs.utf8(), Codecs.utf8()).build());
        }
    }

    @Test
    void valueLargerThanEveryTierIsRefusedAndNothingIsLost() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<String, byte[]> cache = engine.caches.newCache("large", Codecs.utf8(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            cache.put("small", new byte[10]);
            ValueTooLargeException e = assertThrows(ValueTooLargeException.class,
                    () -> cache.put("small", new byte[(int) REGION + 1]));
            assertTrue(e.entryBytes() > REGION && e.maxEntryBytes() == REGION, e::getMessage);
            assertTrue(e.getMessage().contains("HEAP") && e.getMessage().contains("OFF_HEAP"), e.getMessage());
            assertEquals(10, cache.get("small").length);
            byte[] big = new byte[(int) REGION / 2];         // too large for the heap's 1/8 share: goes off-heap
            cache.put("big", big);
            assertEquals(big.length, cache.get("big").length);
            assertEquals(1, cache.size(Tier.OFF_HEAP));
            cache.close();
        }
    }

    @Test
    void fullDiskDropsTheOldestEntriesAndKeepsServing() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, dir, 256 * 1024)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("full", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            for (int k = 0; k < 2000; k++) {
                cache.put(k, new byte[1000]);
                engine.checkPools();
            }
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(Tier.DISK).evictions() > 0, stats::toString);
            assertTrue(engine.quota.usedBytes() <= engine.quota.limitBytes());
            assertEquals(1000, cache.get(1999).length);
            cache.put(5000, new byte[10]);
            assertEquals(10, cache.get(5000).length);
            cache.close();
        }
    }

    @Test
    void persistentCacheComesBackAfterReopen() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).persistent(true).build();
            for (int k = 0; k < 500; k++) {
                cache.put(k, "value-" + k + "-".repeat(k % 700));
            }
            cache.remove(7);
            cache.close();
        }
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).persistent(true).build();
            assertEquals(499, cache.size());
            assertEquals(499, cache.size(Tier.DISK));
            for (int k = 0; k < 500; k++) {
                assertEquals(k == 7 ? null : "value-" + k + "-".repeat(k % 700), cache.get(k), "key " + k);
            }
            cache.close();
        }
    }

    @Test
    void aReopenedCacheEvictsItsRecoveredEntriesFirstWhenTheDiskFills() {
        int recovered = 6_000;
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("refill", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).persistent(true).build();
            for (int k = 0; k < recovered; k++) {
                cache.put(k, new byte[1024]);
            }
            cache.close();
        }
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("refill", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).persistent(true).build();
            assertEquals(recovered, cache.size(Tier.DISK));
            int fresh = 12_000;                            // 18 MiB in all, past the 16 MiB quota
            for (int k = recovered; k < recovered + fresh; k++) {
                cache.put(k, new byte[1024]);
            }
            assertTrue(cache.stats().tier(Tier.DISK).evictions() > 0);
            for (int k = recovered; k < recovered + fresh; k++) {
                byte[] value = cache.get(k);
                assertTrue(value != null && value.length == 1024, "a new key lost, recovered ones kept: " + k);
            }
            long recoveredLeft = java.util.stream.IntStream.range(0, recovered).filter(cache::containsKey).count();
            assertTrue(recoveredLeft < recovered, "no recovered entry was evicted");
            assertEquals(fresh + recoveredLeft, cache.size(Tier.DISK));
            assertTrue(engine.quota.usedBytes() <= engine.quota.limitBytes());
            cache.close();
        }
    }

    @Test
    void computeIfAbsentCallsTheLoaderOncePerKey() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<String, String> cache = engine.caches.newCache("loader", Codecs.utf8(), Codecs.utf8()).build();
            AtomicInteger calls = new AtomicInteger();
            CountDownLatch loaderEntered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CyclicBarrier start = new CyclicBarrier(4);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = new Thread[4];
            String[] results = new String[4];
            for (int t = 0; t < 4; t++) {
                int index = t;
                threads[t] = Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    start.await();
                    results[index] = cache.computeIfAbsent("k", k -> {
                        calls.incrementAndGet();
                        loaderEntered.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return "loaded";
                    });
                }));
            }
            loaderEntered.await();
            release.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get());
            assertEquals(1, calls.get());
            assertEquals(List.of("loaded", "loaded", "loaded", "loaded"), List.of(results));
            assertNull(cache.computeIfAbsent("absent", k -> null));
            assertFalse(cache.containsKey("absent"));
            assertThrows(UnsupportedOperationException.class, () -> cache.computeIfAbsent("boom", k -> {
                throw new UnsupportedOperationException("boom");
            }));
            assertFalse(cache.containsKey("boom"));
            cache.close();
        }
    }

    /**
     * A cache-aside reader that removes a key (its source changed) and then loads it must never get the value it
     * removed. A load that has just stored its value is still registered for a moment (so that callers joining it share
     * its result); a caller that joins it then must not take that result, which may have been removed since, as its
     * own. Here one thread loads a key's value round after round while another waits for it to be stored, removes it,
     * and loads it again; the window is short, so the rounds are many.
     */
    @Test
    void aLoadAfterARemoveNeverReturnsTheRemovedValue() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("reload", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP).build();
            int rounds = 20_000;
            AtomicInteger round = new AtomicInteger(-1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread loader = Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                for (int r = 0; r < rounds; r++) {
                    while (round.get() != r - 1) {
                        Thread.onSpinWait();
                    }
                    int current = r;
                    cache.computeIfAbsent(current, k -> "old" + current);
                }
            }));
            int stale = 0;
            for (int r = 0; r < rounds && loader.isAlive(); r++) {
                while (!("old" + r).equals(cache.get(r)) && loader.isAlive()) {
                    Thread.onSpinWait();
                }
                int current = r;
                assertTrue(cache.remove(r), () -> "round " + current + ", the loader's failure: " + failure.get());
                if (("old" + r).equals(cache.computeIfAbsent(r, k -> "new" + current))) {
                    stale++;
                }
                cache.remove(r);
                round.set(r);
            }
            loader.join();
            assertNull(failure.get());
            assertEquals(0, stale, "loads that returned the value removed before they began");
            cache.close();
        }
    }

    @Test
    void statsCountHitsPerTierAndMXBeanIsRegistered() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("observed", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            cache.put(1, "one");
            assertEquals("one", cache.get(1));
            assertNull(cache.get(2));
            CacheStats stats = cache.stats();
            assertEquals(1, stats.hits());
            assertEquals(1, stats.misses());
            assertEquals(1, stats.tier(Tier.OFF_HEAP).hits());
            assertEquals(1, stats.tier(Tier.DISK).misses());
            assertEquals(0.5, stats.hitRate());
            assertEquals(Map.of(Tier.HEAP, 0L, Tier.OFF_HEAP, stats.tier(Tier.OFF_HEAP).bytes(), Tier.DISK, 0L),
                    engine.caches.tierBytes());
            ObjectName name = new ObjectName("dev.strata:type=Cache,name=observed");
            assertEquals(1L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Hits"));
            cache.close();
            assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(name));
        }
    }

    @Test
    void cachesShareMemoryAndTheEvictorMovesEveryCachesEntriesDown() {
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> first = engine.caches.newCache("first", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            Cache<Integer, byte[]> second = engine.caches.newCache("second", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            for (int k = 0; k < 150; k++) {
                first.put(k, new byte[1000]);
            }
            for (int k = 0; k < 150; k++) {
                second.put(k, new byte[1000]);
            }
            assertTrue(second.size(Tier.HEAP) > 50, "second cache got heap room by moving the first's entries down");
            assertTrue(first.size(Tier.DISK) > 0);
            assertEquals(150, first.size());
            assertEquals(150, second.size());
            long freed = engine.caches.evictStorage(dev.strata.MemoryMode.ON_HEAP, 50_000);
            assertTrue(freed >= 50_000, "freed " + freed);
            assertEquals(150, first.size());
            assertEquals(150, second.size());
            engine.checkPools();
            first.close();
            second.close();
        }
    }
}
