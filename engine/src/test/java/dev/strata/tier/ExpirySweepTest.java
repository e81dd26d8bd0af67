package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The expiry sweep ({@link ExpirySweeper}): it removes the expired entries of the heap and off-heap tiers that nothing
 * met, counting them as expirations and giving their memory back, leaves live entries (read ones of a time-to-idle
 * cache too) and disk records alone, and its thread runs while a cache with expiry is open. Time is a clock the test
 * moves by hand; the sweeper's own thread is checked with a short period and a latch.
 */
class ExpirySweepTest extends ExpiryFixture {

    private static final Duration TTL = Duration.ofMillis(1000);
    private static final int KEYS = 200;

    private static TieredCache<Integer, ?> stamped(Cache<Integer, String> cache) {
        return ((ExpiringCache<Integer, String>) cache).stamped();
    }

    private static long memoryEntries(Cache<Integer, String> cache) {
        return cache.tiers().stream().filter(tier -> tier != Tier.DISK).mapToLong(cache::size).sum();
    }

    private static long memoryExpirations(CacheStats stats) {
        return stats.tiers().stream().filter(tier -> tier.tier() != Tier.DISK)
                .mapToLong(CacheStats.TierStats::expirations).sum();
    }

    private static String value(int key) {
        return ("v" + key + "-").repeat(40).substring(0, 100);
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aSweep_removesTheExpiredEntriesOfTheMemoryTiers_andNothingElse(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("sweep", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterWrite(TTL).clock(clock).build();
            for (int k = 0; k < KEYS; k++) {
                cache.put(k, value(k));
            }
            clock.advance(500);
            for (int k = KEYS; k < 2 * KEYS; k++) {
                cache.put(k, value(k));
            }
            clock.advance(500);                            // the first half expired, the second has 500 ms left
            long memoryBefore = memoryEntries(cache);
            long diskBefore = tiers.contains(Tier.DISK) ? cache.size(Tier.DISK) : 0;
            int removed = stamped(cache).sweepExpired(1);  // one slice: every stripe
            CacheStats stats = cache.stats();
            assertTrue(removed > 0 || memoryBefore == 0, stats::toString);
            assertEquals(removed, memoryExpirations(stats), stats::toString);
            assertEquals(memoryBefore - removed, memoryEntries(cache), stats::toString);
            if (tiers.contains(Tier.DISK)) {
                assertEquals(diskBefore, cache.size(Tier.DISK), "disk records are left to compaction and eviction");
            } else {
                assertEquals(KEYS, cache.size(), "only the expired half was removed");
                assertEquals(KEYS, removed);
            }
            assertEquals(0, stamped(cache).sweepExpired(1), "nothing expired is left in memory");
            for (int k = KEYS; k < 2 * KEYS; k++) {
                assertEquals(value(k), cache.get(k), "live key " + k);
            }
            engine.checkPools();
            cache.close();
        }
    }

    @Test
    void aSweep_givesTheMemoryBack() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("memory", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).expireAfterWrite(TTL).clock(clock).build();
            for (int k = 0; cache.size(Tier.OFF_HEAP) < KEYS; k++) {   // until the heap moved some down
                cache.put(k, value(k));
            }
            assertTrue(cache.bytes(Tier.HEAP) > 0 && cache.bytes(Tier.OFF_HEAP) > 0, cache.stats()::toString);
            clock.advance(TTL.toMillis());
            stamped(cache).sweepExpired(1);
            assertEquals(0, cache.size());
            assertEquals(0, cache.bytes(Tier.HEAP), cache.stats()::toString);
            assertEquals(0, cache.bytes(Tier.OFF_HEAP), cache.stats()::toString);
            engine.checkPools();
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aSweep_leavesTheEntriesATimeToIdleKeptAlive(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("idle", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterAccess(TTL).clock(clock).build();
            for (int k = 0; k < KEYS; k++) {
                cache.put(k, value(k));
            }
            clock.advance(600);
            for (int k = 0; k < KEYS; k += 2) {
                assertEquals(value(k), cache.get(k));     // renewed to 1,600 ms after the puts
            }
            clock.advance(400);                            // the odd keys, unread, expired
            stamped(cache).sweepExpired(1);
            for (int k = 0; k < KEYS; k += 2) {
                assertEquals(value(k), cache.get(k), "read key " + k);
            }
            if (!tiers.contains(Tier.DISK)) {
                assertEquals(KEYS / 2, cache.size());
            }
            cache.close();
        }
    }

    /**
     * On disk the sweep reads no record: it hands the sealed segments whose records have all expired to the store's
     * compaction (on the engine's compactor thread), which drops them. 128 KiB segments; the expired keys fill several.
     */
    @Test
    void aSweep_handsDiskSegmentsWhoseRecordsAllExpiredToCompaction() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 2L << 20)) {
            Cache<Integer, String> cache = engine.caches.newCache("disk", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).expireAfterWrite(TTL).clock(clock).build();
            String large = "x".repeat(1000);
            for (int k = 0; k < 400; k++) {
                cache.put(k, large + k);
            }
            clock.advance(TTL.toMillis());
            for (int k = 400; k < 600; k++) {
                cache.put(k, large + k);                 // seals the expired keys' segments
            }
            long diskBefore = cache.size(Tier.DISK);
            assertEquals(0, stamped(cache).sweepExpired(1), "no memory tier: no memory entry removed");
            assertExpiredKeysLeftWithoutARead(engine, cache, diskBefore, large);
            cache.close();
        }
    }

    /**
     * A time to live computed per key, a second for two keys of three and a day for the third: no segment's records
     * all expire for a day, but after a second two thirds of every segment have, and the sweep hands the sealed ones to
     * compaction by their bytes by deadline. The keys that live a day stay, every one.
     */
    @Test
    void aSweep_handsDiskSegmentsMostlyExpiredToCompaction_whenTimesToLiveDiffer() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 2L << 20)) {
            Cache<Integer, String> cache = engine.caches.newCache("mixed", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).expireAfterWrite((k, v) -> k % 3 == 2 ? Duration.ofDays(1) : TTL).clock(clock)
                    .build();
            String large = "x".repeat(1000);
            for (int k = 0; k < 600; k++) {
                cache.put(k, large + k);
            }
            clock.advance(TTL.toMillis());
            long diskBefore = cache.size(Tier.DISK);
            stamped(cache).sweepExpired(1);
            engine.awaitCompactorIdle();
            CacheStats stats = cache.stats();
            long expired = stats.tier(Tier.DISK).expirations();
            assertTrue(expired >= 300 && expired <= 400, "most of the 400 expired keys left without a read: " + stats);
            assertEquals(diskBefore - expired, cache.size(Tier.DISK), stats::toString);
            for (int k = 2; k < 600; k += 3) {
                assertEquals(large + k, cache.get(k), "live key " + k);
            }
            cache.close();
        }
    }

    /**
     * Once the compactions a sweep queued have run, most of keys 0..399 (expired) left the disk tier, counted as
     * expirations, and keys 400..599 (live, {@code large} + key) read back.
     */
    private static void assertExpiredKeysLeftWithoutARead(TestEngine engine, Cache<Integer, String> cache,
                                                          long diskBefore, String large) throws InterruptedException {
        engine.awaitCompactorIdle();
        CacheStats stats = cache.stats();
        long expired = stats.tier(Tier.DISK).expirations();
        assertTrue(expired >= 300, "most of the 400 expired keys left without a read: " + stats);
        assertEquals(diskBefore - expired, cache.size(Tier.DISK), stats::toString);
        for (int k = 400; k < 600; k++) {
            assertEquals(large + k, cache.get(k), "live key " + k);
        }
    }

    /**
     * A persistent cache reopened, with nothing read or written since, still finds the segments whose records have all
     * expired: their deadlines come back from the index snapshot its close wrote, or, after a crash (no snapshot),
     * from the open's scan of every record.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aSweepAfterARestart_findsThePersistentCachesExpiredSegments(boolean crashed) throws Exception {
        String large = "x".repeat(1000);
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 2L << 20)) {
            Cache<Integer, String> cache = persistentDiskCache(engine);
            for (int k = 0; k < 400; k++) {
                cache.put(k, large + k);
            }
            clock.advance(TTL.toMillis() / 2);
            for (int k = 400; k < 600; k++) {
                cache.put(k, large + k);
            }
            cache.close();
        }
        if (crashed) {
            Files.delete(dir.resolve("restart").resolve("index.snapshot"));   // a crash leaves none
        }
        clock.advance(TTL.toMillis() / 2);                // the first 400 expired, the last 200 have 500 ms left
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 2L << 20)) {
            Cache<Integer, String> cache = persistentDiskCache(engine);
            long diskBefore = cache.size(Tier.DISK);
            assertEquals(600, diskBefore);
            stamped(cache).sweepExpired(1);
            assertExpiredKeysLeftWithoutARead(engine, cache, diskBefore, large);
            cache.close();
        }
    }

    private Cache<Integer, String> persistentDiskCache(TestEngine engine) {
        return engine.caches.newCache("restart", Codecs.int32(), Codecs.utf8())
                .tiers(Tier.DISK).persistent(true).expireAfterWrite(TTL).clock(clock).build();
    }

    @Test
    void slices_coverEveryStripeInTurn() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("slices", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.OFF_HEAP).expireAfterWrite(TTL).clock(clock).build();
            for (int k = 0; k < KEYS; k++) {
                cache.put(k, value(k));
            }
            clock.advance(TTL.toMillis());
            int removed = 0;
            for (int sweep = 0; sweep < ExpirySweeper.SLICES - 1; sweep++) {
                removed += stamped(cache).sweepExpired(ExpirySweeper.SLICES);
            }
            assertTrue(removed > 0 && cache.size() > 0, "a slice is a share of the stripes: " + removed);
            removed += stamped(cache).sweepExpired(ExpirySweeper.SLICES);
            assertEquals(KEYS, removed, "one round of slices sweeps every stripe once");
            assertEquals(0, cache.size());
            cache.close();
        }
    }

    @Test
    void aCacheWithoutExpiry_isNotSwept() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("plain", Codecs.int32(), Codecs.utf8()).build();
            cache.put(1, "one");
            assertEquals(0, ((TieredCache<Integer, String>) cache).sweepExpired(1));
            assertFalse(engine.caches.sweeper.isRunning(), "no cache with expiry: no sweeping thread");
            cache.close();
        }
    }

    @Test
    void theSweeperThread_startsWithTheFirstCacheWithExpiry_andStopsWithTheEngine() {
        TestEngine engine = engine();
        try {
            engine.caches.newCache("plain", Codecs.int32(), Codecs.utf8()).build();
            assertFalse(engine.caches.sweeper.isRunning());
            engine.caches.newCache("expiring", Codecs.int32(), Codecs.utf8()).expireAfterAccess(TTL).build();
            assertTrue(engine.caches.sweeper.isRunning());
        } finally {
            engine.close();
        }
        assertFalse(engine.caches.sweeper.isRunning(), "closed with the engine");
    }

    /** The sweeper's own thread, with a period of a millisecond: a round of slices empties the cache of the expired. */
    @Test
    void theSweeperThread_removesExpiredEntriesOnItsOwn() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("own", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).expireAfterWrite(TTL).clock(clock).build();
            for (int k = 0; k < KEYS; k++) {
                cache.put(k, value(k));
            }
            clock.advance(TTL.toMillis());
            CountDownLatch rounds = new CountDownLatch(ExpirySweeper.SLICES + 1);   // the last comes after 16 sweeps
            Collection<TieredCache<?, ?>> swept = new ArrayList<>(List.of(stamped(cache)));
            try (ExpirySweeper sweeper = new ExpirySweeper(() -> {
                rounds.countDown();
                return swept;
            }, 1)) {
                sweeper.start();
                assertTrue(rounds.await(30, TimeUnit.SECONDS), "the sweeper ran " + ExpirySweeper.SLICES + " times");
            }
            assertEquals(0, cache.size(), cache.stats()::toString);
            assertEquals(KEYS, memoryExpirations(cache.stats()), cache.stats()::toString);
            cache.close();
        }
    }
}
