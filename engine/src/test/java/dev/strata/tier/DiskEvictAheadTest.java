package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.tier.disk.DiskStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache's disk tier evicts ahead ({@link DiskStore#evictAhead}): the engine's compactor frees room before a writer
 * finds the quota full, and the keys it drops count in the cache's disk evictions like those a writer evicts.
 */
class DiskEvictAheadTest {

    private static final int PAGE = 4096;
    private static final int SIZE = 300;
    /** A 1 MiB quota: sixteen 64 KiB segments. */
    private static final int QUOTA = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void theCompactorEvictsAheadAndTheCacheCountsWhatItDropped() throws InterruptedException {
        try (TestEngine engine = new TestEngine(1 << 20, 0, PAGE, dir, QUOTA)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("disk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            DiskStore store = ((TieredCache<Integer, byte[]>) cache).tiersImpl().disk();
            int keys = 0;
            for (; keys < 4 * QUOTA / SIZE || store.stats().evictedAhead() == 0; keys++) {
                assertTrue(keys < 100 * QUOTA / SIZE, "no eviction ahead after " + keys + " puts");
                cache.put(keys, value(keys, 1, SIZE));
            }
            engine.awaitCompactorIdle();

            assertEquals(store.stats().evictedRecords(), cache.stats().tier(Tier.DISK).evictions(),
                    "every key the store dropped, ahead or in a writer, counts as an eviction: " + store.stats());
            long held = 0;
            for (int key = 0; key < keys; key++) {
                byte[] found = cache.get(key);
                if (found != null) {
                    assertArrayEquals(value(key, 1, SIZE), found, "key " + key);
                    held++;
                }
            }
            assertEquals(keys - cache.stats().tier(Tier.DISK).evictions(), held, "what was not evicted is held");
            assertEquals(held, cache.size());
            assertTrue(engine.quota.usedBytes() <= QUOTA, engine.quota.toString());
            cache.close();
        }
    }
}
