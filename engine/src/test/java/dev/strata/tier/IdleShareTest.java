package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.management.CacheMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache none of whose entries is read for the engine's idle time has no share of contended memory or disk quota: a
 * cache in use takes all it holds, on the heap, off it and on disk, and its entries move down its tiers (nothing of
 * them is lost while a tier below has room); read again, it takes an equal share back; execution reclaims from it
 * first. The engine's clock ({@link TestEngine#nanos}) is moved by hand.
 */
class IdleShareTest {

    private static final long REGION = 1L << 20;
    private static final int PAGE = 4096;
    private static final int VALUE_BYTES = 300;
    private static final long PAST_IDLE = TestEngine.IDLE_AFTER.toNanos() + TimeUnit.SECONDS.toNanos(1);

    private static byte[] value(int key) {
        return TestValues.seeded(key, VALUE_BYTES);
    }

    @TempDir
    Path dir;

    @Test
    void aCacheInUseTakesAllAnIdleOneHoldsOnTheHeap_itsEntriesMoveToDisk_andItTakesAShareBackWhenUsed()
            throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, 8 * REGION)) {
            assertIdleCacheGivesAllBack(engine, Tier.HEAP, List.of(Tier.HEAP, Tier.DISK),
                    () -> engine.memory.state(MemoryMode.ON_HEAP).storageUsedBytes(), REGION);
        }
    }

    @Test
    void aCacheInUseTakesAllAnIdleOneHoldsOffTheHeap_itsEntriesMoveToDisk_andItTakesAShareBackWhenUsed()
            throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 2 * REGION, PAGE, dir, 8 * REGION)) {
            assertIdleCacheGivesAllBack(engine, Tier.OFF_HEAP, List.of(Tier.OFF_HEAP, Tier.DISK),
                    () -> engine.memory.state(MemoryMode.OFF_HEAP).storageUsedBytes(), 2 * REGION);
        }
    }

    /** On disk, the lowest tier, the idle cache's segments are evicted: whole segments, a sixteenth of the quota. */
    @Test
    void aCacheInUseTakesTheDiskQuotaAnIdleOneHolds_andItTakesAShareBackWhenUsed() throws Exception {
        long quota = 8 * REGION;
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, quota)) {
            assertIdleCacheGivesAllBack(engine, Tier.DISK, List.of(Tier.DISK), engine.quota::usedBytes, quota);
        }
    }

    /**
     * Fills {@code idle} until {@code used} reaches three quarters of {@code limit}, has {@code busy} put ten times
     * {@code limit} in entries, checks each then holds about half; moves the clock past the idle time, has {@code busy}
     * put as much again and checks {@code idle} holds at most a sixteenth of {@code limit} in {@code tier}; then uses
     * {@code idle} again and checks it gets back about half.
     */
    private static void assertIdleCacheGivesAllBack(TestEngine engine, Tier tier, List<Tier> idleTiers,
                                                    LongSupplier used, long limit) throws Exception {
        Cache<Integer, byte[]> idle = engine.caches.newCache("idle", Codecs.int32(), Codecs.bytes())
                .tiers(idleTiers.toArray(Tier[]::new)).build();
        int idleKeys = 0;
        while (used.getAsLong() < limit * 3 / 4) {
            idle.put(idleKeys, value(idleKeys));
            idleKeys++;
        }
        Cache<Integer, byte[]> busy = engine.caches.newCache("busy", Codecs.int32(), Codecs.bytes())
                .tiers(tier).build();
        int busyKeys = putMany(engine, busy, tier, 0, limit);
        assertAboutHalfEach(idle, busy, tier, "both in use");
        assertFalse(engine.caches.isIdle((TieredCache<?, ?>) idle));

        engine.nanos.addAndGet(PAST_IDLE);
        busyKeys = putMany(engine, busy, tier, busyKeys, limit);
        assertTrue(engine.caches.isIdle((TieredCache<?, ?>) idle));
        assertFalse(engine.caches.isIdle((TieredCache<?, ?>) busy));
        long idleHolds = idle.stats().tier(tier).reservedBytes();
        assertTrue(idleHolds <= limit / 16, () -> tier + ": the idle cache still holds " + idleHolds + " bytes");
        if (idleTiers.size() > 1) {
            for (int k = 0; k < idleKeys; k++) {
                assertArrayEquals(value(k), idle.get(k), tier + ": key " + k + " moved down, not lost");
            }
        }
        engine.checkPools();

        idle.put(-1, value(-1));
        assertArrayEquals(value(-1), idle.get(-1), "a hit: read again");
        engine.nanos.addAndGet(PAST_IDLE / IdleCaches.LOOKS_PER_IDLE);
        putMany(engine, idle, tier, idleKeys, limit);
        assertFalse(engine.caches.isIdle((TieredCache<?, ?>) idle), "read again");
        assertAboutHalfEach(idle, busy, tier, "the idle cache read again");
        engine.checkPools();
        busy.close();
        idle.close();
    }

    /**
     * Has {@code cache} put ten times {@code limit} in new entries from key {@code from}, reading each back (hits: the
     * cache is in use; on disk a share of a few segments may have its probation segment evicted between a put and its
     * read, see docs/limits.md, so the reads are not checked here); {@return the next key}
     */
    private static int putMany(TestEngine engine, Cache<Integer, byte[]> cache, Tier tier, int from, long limit)
            throws InterruptedException {
        int to = from + (int) (10 * limit / VALUE_BYTES);
        for (int k = from; k < to; k++) {
            cache.put(k, value(k));
            cache.get(k);
        }
        if (tier == Tier.DISK) {
            engine.awaitCompactorIdle();               // the evictions ahead handed over by the last puts
        }
        return to;
    }

    private static void assertAboutHalfEach(Cache<?, ?> first, Cache<?, ?> second, Tier tier, String when) {
        long firstHolds = first.stats().tier(tier).reservedBytes();
        long secondHolds = second.stats().tier(tier).reservedBytes();
        long fair = (firstHolds + secondHolds) * (tier == Tier.DISK ? 1 : 2) / (tier == Tier.DISK ? 3 : 5);
        assertTrue(firstHolds >= fair && secondHolds >= fair,   // disk: whole segments of 1/16 of the quota at once
                () -> tier + ", " + when + ": " + first.name() + " holds " + firstHolds + " bytes, " + second.name()
                        + " " + secondHolds);
    }

    /** Execution memory is reclaimed from the idle caches first, whichever cache's turn it is. */
    @Test
    void executionReclaimsStorageFromTheIdleCacheFirst() throws InterruptedException {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, null, 0)) {
            Cache<Integer, byte[]> idle = engine.caches.newCache("idle", Codecs.int32(), Codecs.bytes()).build();
            Cache<Integer, byte[]> busy = engine.caches.newCache("busy", Codecs.int32(), Codecs.bytes()).build();
            for (int k = 0; k < 3 * REGION / 8 / (VALUE_BYTES + 200); k++) {
                idle.put(k, value(k));
                busy.put(k, value(k));
            }
            engine.caches.lookForIdleCaches();
            for (int round = 0; round < 2; round++) {           // the turn moves on with each reclaim
                engine.nanos.addAndGet(PAST_IDLE);
                busy.get(0);
                engine.caches.lookForIdleCaches();
                assertTrue(engine.caches.isIdle((TieredCache<?, ?>) idle));
                long idleBefore = idle.stats().tier(Tier.HEAP).reservedBytes();
                long busyBefore = busy.stats().tier(Tier.HEAP).reservedBytes();
                long granted = engine.memory.acquireExecutionMemory(REGION, 1, MemoryMode.ON_HEAP);
                long idleAfter = idle.stats().tier(Tier.HEAP).reservedBytes();
                assertEquals(busyBefore, busy.stats().tier(Tier.HEAP).reservedBytes(), "round " + round);
                assertTrue(idleAfter < idleBefore, "round " + round + ": idle " + idleBefore + " -> " + idleAfter);
                assertTrue(granted >= REGION / 2, "granted " + granted);
                engine.memory.releaseAllExecutionMemory(1);
                for (int k = 0; k < 3 * REGION / 8 / (VALUE_BYTES + 200); k++) {
                    idle.put(k, value(k));              // what it lost back, for the next round
                }
                idle.get(0);                            // a hit: in use at the next look
                engine.nanos.addAndGet(PAST_IDLE / IdleCaches.LOOKS_PER_IDLE);
                engine.caches.lookForIdleCaches();     // sees it used: idle again the idle time after this look
                assertFalse(engine.caches.isIdle((TieredCache<?, ?>) idle));
            }
            engine.checkPools();
            busy.close();
            idle.close();
        }
    }

    /** The cache's MXBean shows what the last look found. */
    @Test
    void theCacheMXBeanShowsWhetherTheLastLookFoundItIdle() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("idle-bean", Codecs.int32(), Codecs.bytes()).build();
            CacheMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    new ObjectName("dev.strata:type=Cache,name=idle-bean"), CacheMXBean.class);
            engine.caches.lookForIdleCaches();
            assertFalse(bean.isIdle());
            engine.nanos.addAndGet(PAST_IDLE);
            engine.caches.lookForIdleCaches();
            assertTrue(bean.isIdle());
            cache.close();
        }
    }
}
