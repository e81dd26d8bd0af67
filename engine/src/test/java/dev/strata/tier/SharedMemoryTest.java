package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caches of one engine share a memory mode by equal shares under contention: a cache that floods the engine with
 * entries nobody reads takes room from a cache holding more than an equal share, then moves its own entries down, so
 * the other keeps about half, on the heap, off it and on disk; a new cache still grows at the expense of an older one.
 */
class SharedMemoryTest {

    private static final long REGION = 1L << 20;
    private static final int PAGE = 4096;

    private static byte[] value(int key, int length) {
        return TestValues.seeded(key, length);
    }

    @TempDir
    Path dir;

    @Test
    void aFloodingCacheLeavesTheOtherAnEqualShareOfTheHeap() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, null, 0)) {
            assertFloodLeavesAShare(engine, Tier.HEAP, () -> engine.memory.state(MemoryMode.ON_HEAP).storageUsedBytes(),
                    REGION);
        }
    }

    @Test
    void aFloodingCacheLeavesTheOtherAnEqualShareOfTheOffHeapRegion() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 2 * REGION, PAGE, null, 0)) {
            assertFloodLeavesAShare(engine, Tier.OFF_HEAP,
                    () -> engine.memory.state(MemoryMode.OFF_HEAP).storageUsedBytes(), 2 * REGION);
        }
    }

    /** Values larger than a page take chains of pages, which take their share as single pages do. */
    @Test
    void aCacheOfValuesLargerThanAPageTakesItsShareOfTheOffHeapRegion() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 2 * REGION, PAGE, null, 0)) {
            assertFloodLeavesAShare(engine, Tier.OFF_HEAP,
                    () -> engine.memory.state(MemoryMode.OFF_HEAP).storageUsedBytes(), 2 * REGION, 3 * PAGE / 2);
        }
    }

    /** On disk: a store the quota refuses, or whose writes leave it nearly full, has one above its share evict. */
    @Test
    void aFloodingCacheLeavesTheOtherAnEqualShareOfTheDiskQuota() throws Exception {
        long quota = 8 * REGION;
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, quota)) {
            assertFloodLeavesAShare(engine, Tier.DISK, engine.quota::usedBytes, quota);
        }
    }

    /**
     * Fills {@code steady} until it holds most of {@code limit}, then floods the engine from a second cache with ten
     * times that in one-off entries, and checks each holds about half of what both hold, and that what {@code steady}
     * holds reads back.
     */
    private static void assertFloodLeavesAShare(TestEngine engine, Tier tier, LongSupplier used, long limit)
            throws InterruptedException {
        assertFloodLeavesAShare(engine, tier, used, limit, 400);
    }

    private static void assertFloodLeavesAShare(TestEngine engine, Tier tier, LongSupplier used, long limit,
                                                int floodValueBytes) throws InterruptedException {
        Cache<Integer, byte[]> steady = engine.caches.newCache("steady", Codecs.int32(), Codecs.bytes())
                .tiers(tier).build();
        long region = limit;
        int key = 0;
        while (used.getAsLong() < region * 3 / 4) {
            steady.put(key, value(key, 300));
            key++;
        }
        int steadyKeys = key;
        Cache<Integer, byte[]> flood = engine.caches.newCache("flood", Codecs.int32(), Codecs.bytes())
                .tiers(tier).build();
        for (int k = 0; k < 10 * region / floodValueBytes; k++) {
            flood.put(k, value(k, floodValueBytes));
        }
        if (tier == Tier.DISK) {
            engine.awaitCompactorIdle();               // the evictions ahead handed over by the last puts
        }
        long steadyHolds = steady.stats().tier(tier).reservedBytes();
        long floodHolds = flood.stats().tier(tier).reservedBytes();
        long fair = (steadyHolds + floodHolds) * (tier == Tier.DISK ? 1 : 2) / (tier == Tier.DISK ? 3 : 5);
        assertTrue(steadyHolds >= fair,                // disk: whole segments of 1/16 of the quota leave at once
                () -> tier + ": steady holds " + steadyHolds + " bytes, flood " + floodHolds);
        assertTrue(floodHolds >= fair,
                () -> tier + ": flood got its share too: steady " + steadyHolds + " bytes, flood " + floodHolds);
        int found = 0;
        for (int k = 0; k < steadyKeys; k++) {
            byte[] read = steady.get(k);
            if (read != null) {
                assertArrayEquals(value(k, 300), read, "key " + k);
                found++;
            }
        }
        assertTrue(found >= steadyKeys / 3, tier + ": steady entries left " + found + " of " + steadyKeys);
        engine.checkPools();
        flood.close();
        steady.close();
    }
}
