package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries move down when memory is short and come back correct; execution reclaim moves them down, not out. */
class TierMovementTest {

    private static final long REGION = 256 * 1024;

    @TempDir
    Path dir;

    private static byte[] value(int key, int length) {
        return TestValues.seeded(key, length);
    }

    private static int length(int key) {
        return 100 + new Random(key * 31L).nextInt(2000);
    }

    @Test
    void writingTenTimesTheMemoryBudgetKeepsEveryValue() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("spill", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).build();
            long written = 0;
            int key = 0;
            while (written < 10 * 2 * REGION) {
                int length = length(key);
                cache.put(key, value(key, length));
                written += length;
                if (++key % 100 == 0) {
                    engine.checkPools();
                }
            }
            for (int k = 0; k < key; k++) {
                assertArrayEquals(value(k, length(k)), cache.get(k), "key " + k);
                if (k % 100 == 0) {
                    engine.checkPools();
                }
            }
            CacheStats stats = cache.stats();
            for (Tier tier : Tier.values()) {
                assertTrue(stats.tier(tier).entries() > 0, () -> tier + " unused: " + stats);
                assertTrue(stats.tier(tier).puts() + stats.tier(tier).entries() > 0, stats::toString);
            }
            assertTrue(stats.tier(Tier.HEAP).demotions() > 0, stats::toString);
            assertTrue(stats.tier(Tier.OFF_HEAP).demotions() > 0, stats::toString);
            assertEquals(key, cache.size());
            assertEquals(0, stats.tier(Tier.DISK).evictions());
            cache.close();
        }
    }

    @Test
    void executionReclaimMovesEntriesDownAndKeepsThemReadable() throws InterruptedException {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("reclaim", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).promotion(dev.strata.cache.Promotion.NEVER).build();
            int keys = 150;                                  // about 190 KiB: storage borrows beyond R = 128 KiB
            for (int k = 0; k < keys; k++) {
                cache.put(k, value(k, 1200));
            }
            long heapBefore = cache.size(Tier.HEAP);
            assertTrue(engine.memory.state(MemoryMode.ON_HEAP).storageBorrowedBytes() > 0,
                    () -> engine.memory.state(MemoryMode.ON_HEAP).toString());
            long granted = engine.memory.acquireExecutionMemory(REGION, 1, MemoryMode.ON_HEAP);
            assertTrue(granted > REGION / 2, "granted " + granted);
            assertTrue(cache.size(Tier.HEAP) < heapBefore, "heap entries " + cache.size(Tier.HEAP));
            engine.checkPools();
            for (int k = 0; k < keys; k++) {
                assertArrayEquals(value(k, 1200), cache.get(k), "key " + k);
            }
            assertEquals(keys, cache.size());
            assertEquals(0, cache.stats().tier(Tier.DISK).evictions());
            long offHeapGranted = engine.memory.acquireExecutionMemory(REGION, 1, MemoryMode.OFF_HEAP);
            assertTrue(offHeapGranted > 0);
            for (int k = 0; k < keys; k++) {
                assertArrayEquals(value(k, 1200), cache.get(k), "key " + k);
            }
            engine.memory.releaseAllExecutionMemory(1);
            cache.close();
        }
    }

    @Test
    void offHeapSpaceAmplificationWithOverwrites() {
        try (TestEngine engine = new TestEngine(REGION, 4L << 20, 64 * 1024, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("amplification", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Random random = new Random(7);
            for (int op = 0; op < 20_000; op++) {
                int key = random.nextInt(1500);
                cache.put(key, new byte[100 + random.nextInt(4000)]);
            }
            CacheStats.TierStats offHeap = cache.stats().tier(Tier.OFF_HEAP);
            double amplification = (double) offHeap.reservedBytes() / offHeap.bytes();
            System.out.printf("off-heap space amplification: %.2f (%d pages of 64 KiB for %d live bytes in %d"
                    + " entries, %d evictions)%n", amplification, offHeap.reservedBytes() / 65536, offHeap.bytes(),
                    offHeap.entries(), offHeap.evictions());
            assertTrue(amplification >= 1.0 && amplification < 3.0, "amplification " + amplification);
            cache.close();
        }
    }

    @Test
    void zeroCopyReadSeesTheEncodedBytesInEveryTier() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("read", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).promotion(dev.strata.cache.Promotion.NEVER).build();
            for (int k = 0; k < 600; k++) {
                cache.put(k, value(k, 1500));
            }
            for (int k = 0; k < 600; k++) {
                int key = k;
                byte[] read = cache.read(k, segment -> segment.toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(value(key, 1500), read, "key " + k);
            }
            assertTrue(cache.size(Tier.DISK) > 0 && cache.size(Tier.OFF_HEAP) > 0 && cache.size(Tier.HEAP) > 0);
            cache.close();
        }
    }
}
