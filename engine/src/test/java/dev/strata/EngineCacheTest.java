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
        Thread compactor = awaitThread("strata-disk-compactor-compacted");
        for (int i = 0; i < keys; i++) {
            assertArrayEquals(value((rounds - 1) * keys + i), cache.get("k" + i), "k" + i);
        }
        assertTrue(engine.stats().diskUsedBytes() <= DataSize.ofMebibytes(16).bytes(), engine.stats().toString());

        engine.close();

        // close() waited for the thread to finish; an idle one that nobody stopped would live on for a minute
        compactor.join(10_000);
        assertFalse(compactor.isAlive(), "the compactor's thread ended with the engine");
    }

    /** Waits for the thread named {@code name}; the minute is a hang detector, nothing is timed. */
    private static Thread awaitThread(String name) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (thread.getName().equals(name)) {
                    return thread;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no thread named " + name + " within a minute");
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(1000 + i % 500)).getBytes(StandardCharsets.UTF_8);
    }
}
