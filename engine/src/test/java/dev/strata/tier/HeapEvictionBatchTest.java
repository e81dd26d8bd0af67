package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import org.junit.jupiter.api.Test;

/**
 * A heap put that finds the heap full evicts a batch: its own weight and one chunk of credit (1/256 of the region), so
 * the puts after it take the credit instead of each asking the manager and evicting one entry. The batch stays charged
 * as credit; no pool passes its size.
 */
class HeapEvictionBatchTest {

    private static final long REGION = 1 << 20;
    /** 16 + 4 + 120 bytes of heap weight per entry: 4-byte key, 16-byte value, per-entry overhead. */
    private static final long WEIGHT = 4 + 16 + Tiers.ENTRY_OVERHEAD_BYTES;

    @Test
    void aPutIntoAFullHeapEvictsAChunkAndTheNextPutsEvictNothing() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("batch", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP).build();
            int key = 0;
            while (cache.stats().tier(Tier.HEAP).evictions() == 0) {
                cache.put(key++, new byte[16]);
            }
            long chunk = REGION / 256;
            long batch = cache.stats().tier(Tier.HEAP).evictions();
            assertTrue(batch >= chunk / WEIGHT, "one put evicted " + batch + " entries, expected a chunk's worth");

            for (int i = 0; i < chunk / WEIGHT - 1; i++) {
                cache.put(key++, new byte[16]);
            }
            assertEquals(batch, cache.stats().tier(Tier.HEAP).evictions(), "the next puts lived on the credit");
            engine.checkPools();
            assertTrue(engine.memory.state(MemoryMode.ON_HEAP).storageUsedBytes() <= REGION);
            cache.close();
        }
    }
}
