package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Caches of one engine share a memory mode by equal shares under contention: a cache that floods the engine with
 * entries nobody reads takes room from a cache holding more than an equal share, then moves its own entries down, so
 * the other keeps about half, on the heap and off it; a new cache still grows at the expense of an older one.
 */
class SharedMemoryTest {

    private static final long REGION = 1L << 20;
    private static final int PAGE = 4096;

    private static byte[] value(int key, int length) {
        byte[] bytes = new byte[length];
        new Random(key).nextBytes(bytes);
        bytes[0] = (byte) key;
        return bytes;
    }

    @Test
    void aFloodingCacheLeavesTheOtherAnEqualShareOfTheHeap() {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, null, 0)) {
            assertFloodLeavesAShare(engine, Tier.HEAP, MemoryMode.ON_HEAP);
        }
    }

    @Test
    void aFloodingCacheLeavesTheOtherAnEqualShareOfTheOffHeapRegion() {
        try (TestEngine engine = new TestEngine(REGION, 2 * REGION, PAGE, null, 0)) {
            assertFloodLeavesAShare(engine, Tier.OFF_HEAP, MemoryMode.OFF_HEAP);
        }
    }

    /**
     * Fills {@code steady} until it holds most of the region, then floods the engine from a second cache with ten times
     * the region in one-off entries, and checks {@code steady} still holds about half of what both hold, and that what
     * it holds reads back.
     */
    private static void assertFloodLeavesAShare(TestEngine engine, Tier tier, MemoryMode mode) {
        Cache<Integer, byte[]> steady = engine.caches.newCache("steady", Codecs.int32(), Codecs.bytes())
                .tiers(tier).build();
        long region = engine.memory.state(mode).regionBytes();
        int key = 0;
        while (engine.memory.state(mode).storageUsedBytes() < region * 3 / 4) {
            steady.put(key, value(key, 300));
            key++;
        }
        int steadyKeys = key;
        Cache<Integer, byte[]> flood = engine.caches.newCache("flood", Codecs.int32(), Codecs.bytes())
                .tiers(tier).build();
        for (int k = 0; k < 10 * region / 400; k++) {
            flood.put(k, value(k, 400));
        }
        long steadyHolds = steady.stats().tier(tier).reservedBytes();
        long floodHolds = flood.stats().tier(tier).reservedBytes();
        assertTrue(steadyHolds >= (steadyHolds + floodHolds) * 2 / 5,
                () -> tier + ": steady holds " + steadyHolds + " bytes, flood " + floodHolds);
        assertTrue(floodHolds >= (steadyHolds + floodHolds) * 2 / 5,
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
