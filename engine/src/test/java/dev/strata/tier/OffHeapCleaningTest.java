package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Overwrites and removes cost the off-heap tier space, never live entries, while dead space can be reclaimed. */
class OffHeapCleaningTest {

    /** About 8 MB of values: a third of the 24 MiB region. */
    private static final int KEYS = 7_500;

    @Test
    void overwritesOfAThirdFullTierNeverEvictALiveEntry() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(24), OffHeapBackend.ARENA).build()) {
            Cache<Integer, byte[]> cache = engine.newCache("clean", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            int[] versions = new int[KEYS];
            for (int key = 0; key < KEYS; key++) {
                cache.put(key, value(key, 0));
            }
            int[] keys = new SplittableRandom(11).ints(KEYS, 0, KEYS).toArray();
            for (int round = 0; round < 15; round++) {         // 15 reads of every key, 5 bursts of overwrites
                for (int key = 0; key < KEYS; key++) {
                    assertArrayEquals(value(key, versions[key]), cache.get(key), "key " + key);
                }
                if (round % 3 == 2) {
                    for (int key : keys) {
                        cache.put(key, value(key, ++versions[key]));
                    }
                }
            }
            CacheStats.TierStats offHeap = cache.stats().tier(Tier.OFF_HEAP);
            assertEquals(0, offHeap.evictions(), "live data is a third of the tier: " + offHeap);
            assertEquals(KEYS, offHeap.entries());
            for (int key = 0; key < KEYS; key++) {
                assertArrayEquals(value(key, versions[key]), cache.get(key), "key " + key);
            }
            double amplification = offHeap.reservedBytes() / (double) offHeap.bytes();
            assertTrue(amplification < 4, "space amplification " + amplification);
            System.out.printf("off-heap space amplification after overwrites, 1/3 live: %.2f%n", amplification);
        }
    }

    private static byte[] value(int key, int version) {
        byte[] value = new byte[1024];
        ByteBuffer.wrap(value).putInt(key).putInt(version);
        return value;
    }
}
