package dev.strata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The design brief's example, end to end through the public entry points. */
class EngineCacheTest {

    @TempDir
    Path dir;

    @Test
    void theBriefsExampleRunsThroughAllThreeTiersAndShowsInEngineStats() {
        try (Engine engine = Engine.builder()
                .memoryManager(MemoryManagerKind.UNIFIED)
                .heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA)
                .pageSize(DataSize.ofKibibytes(64))
                .disk(dir.resolve("disk"), DataSize.ofGibibytes(1))
                .build()) {
            Cache<String, byte[]> cache = engine.newCache("blobs", Codecs.utf8(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK)
                    .build();
            int entries = 20_000; // about 26 MB: twice the 12 MiB of memory
            for (int i = 0; i < entries; i++) {
                cache.put("k" + i, value(i));
            }
            for (int i = 0; i < entries; i++) {
                assertArrayEquals(value(i), cache.get("k" + i), "k" + i);
            }
            assertNull(cache.get("absent"));
            CacheStats stats = cache.stats();
            for (Tier tier : Tier.values()) {
                assertTrue(cache.size(tier) > 0, tier + " holds entries: " + stats);
            }
            EngineStats e = engine.stats();
            assertTrue(e.tierBytes().get(Tier.DISK) > 0, e.toString());
            assertTrue(e.diskUsedBytes() > 0, e.toString());
            for (MemoryMode mode : MemoryMode.values()) {
                EngineStats.Pool pool = e.pool(mode);
                assertTrue(pool.storageUsedBytes() <= pool.storagePoolBytes(), pool.toString());
                assertEquals(pool.regionBytes(), pool.storagePoolBytes() + pool.executionPoolBytes());
            }
            assertTrue(engine.plan().toString().contains("storage"));
        }
    }

    @Test
    void aCacheNeedsTheTiersTheEngineHas() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4)).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.newCache("c", Codecs.utf8(), Codecs.utf8()).tiers(Tier.HEAP, Tier.DISK).build());
            assertTrue(e.getMessage().contains("DISK"), e.getMessage());
        }
    }

    @Test
    void closingTheEngineClosesItsCachesAndFreesTheirMemory() {
        Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(4), OffHeapBackend.DIRECT_BUFFER).build();
        Cache<String, String> cache = engine.newCache("c", Codecs.utf8(), Codecs.utf8())
                .tiers(Tier.OFF_HEAP).build();
        cache.put("a", "b");
        engine.close();
        assertThrows(IllegalStateException.class, () -> cache.get("a"));
        assertThrows(IllegalStateException.class, () -> engine.newCache("d", Codecs.utf8(), Codecs.utf8()));
    }

    @Test
    void diskCompactionRunsOnTheEnginesCompactorThreadWhichEndsWithTheEngine() throws InterruptedException {
        Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .disk(dir.resolve("compacted"), DataSize.ofMebibytes(16)) // 1 MiB segments
                .build();
        Cache<String, byte[]> cache = engine.newCache("c", Codecs.utf8(), Codecs.bytes()).tiers(Tier.DISK).build();
        int keys = 200;
        int rounds = 60; // about 12 MB written over 300 KB live: most segments die and are compacted
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < keys; i++) {
                cache.put("k" + i, value(round * keys + i));
            }
        }
        Thread compactor = liveThread("strata-disk-compactor-compacted");
        for (int i = 0; i < keys; i++) {
            assertArrayEquals(value((rounds - 1) * keys + i), cache.get("k" + i), "k" + i);
        }
        assertTrue(engine.stats().diskUsedBytes() <= DataSize.ofMebibytes(16).bytes(), engine.stats().toString());

        engine.close();

        // close() already waited for the thread to finish its last task, so this join returns at once; the bound
        // only keeps a broken close (an idle thread nobody stopped lives on for a minute) from passing by waiting
        compactor.join(10_000);
        assertFalse(compactor.isAlive(), "the compactor's thread ended with the engine");
    }

    /**
     * The live thread named {@code name}. The compactor's thread is started inside the put that first hands it a
     * compaction, so it exists by the time the puts return (it would end only after a minute without work).
     */
    private static Thread liveThread(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no live thread named " + name));
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(1000 + i % 500)).getBytes(StandardCharsets.UTF_8);
    }
}
