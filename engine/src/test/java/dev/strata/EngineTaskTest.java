package dev.strata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.exec.ExternalSorter;
import dev.strata.exec.SortedRecords;
import dev.strata.exec.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage and execution together, through the public entry points: caches give way to a sorting task. */
class EngineTaskTest {

    private static final long REGION = 16L << 20;
    private static final int ENTRIES = 12_000;

    @TempDir
    Path dir;

    @Test
    void aCacheHoldingBorrowedMemoryGivesItBackToASortAndEveryEntryStaysReadable() {
        try (Engine engine = engine(MemoryManagerKind.UNIFIED)) {
            Cache<Integer, byte[]> cache = filledCache(engine);
            EngineStats.Pool before = engine.stats().pool(MemoryMode.OFF_HEAP);
            assertTrue(before.storageUsedBytes() > before.protectedStorageBytes(),
                    "the cache borrowed beyond R: " + before);

            long sorted = sortTwiceTheRegion(engine);

            EngineStats after = engine.stats();
            assertTrue(after.manager().storageEvictedForExecutionBytes() > 0, after.manager().toString());
            assertTrue(after.pool(MemoryMode.OFF_HEAP).storageUsedBytes()
                    >= after.pool(MemoryMode.OFF_HEAP).protectedStorageBytes() - (64 << 10),
                    "storage is never evicted for execution below R (one page of slack): " + after);
            assertEquals(2 * REGION / 1000, sorted);
            assertEveryEntryReadable(cache);
            assertTrue(cache.stats().tier(Tier.DISK).entries() > 0, "evicted entries moved down to disk");
        }
    }

    @Test
    void withTheStaticManagerTheSortSpillsInsteadAndTheCacheKeepsItsMemory() {
        try (Engine engine = engine(MemoryManagerKind.STATIC)) {
            Cache<Integer, byte[]> cache = filledCache(engine);
            long storageBefore = engine.stats().pool(MemoryMode.OFF_HEAP).storageUsedBytes();

            sortTwiceTheRegion(engine);

            EngineStats after = engine.stats();
            assertEquals(0, after.manager().storageEvictedForExecutionBytes());
            assertTrue(after.execution().spills() > 0, after.execution().toString());
            assertEquals(storageBefore, after.pool(MemoryMode.OFF_HEAP).storageUsedBytes());
            assertEveryEntryReadable(cache);
        }
    }

    private Engine engine(MemoryManagerKind kind) {
        return Engine.builder().memoryManager(kind).heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofBytes(REGION), OffHeapBackend.ARENA).storageFraction(0.25)
                .disk(dir.resolve(kind.name()), DataSize.ofMebibytes(256)).build();
    }

    /** About 12 MiB of values: three quarters of the region, well beyond R (4 MiB). */
    private static Cache<Integer, byte[]> filledCache(Engine engine) {
        Cache<Integer, byte[]> cache = engine.newCache("items", Codecs.int32(), Codecs.bytes())
                .tiers(Tier.OFF_HEAP, Tier.DISK).build();
        for (int i = 0; i < ENTRIES; i++) {
            cache.put(i, value(i));
        }
        return cache;
    }

    /** Sorts 32 MiB of 1000-byte records in one task; returns how many came out, checking their order. */
    private static long sortTwiceTheRegion(Engine engine) {
        Random random = new Random(7);
        long count = 0;
        try (TaskMemory task = engine.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP)) {
            for (long n = 0; n < 2 * REGION / 1000; n++) {
                byte[] key = new byte[16];
                random.nextBytes(key);
                sorter.insert(key, new byte[984]);
            }
            try (SortedRecords records = sorter.sortedRecords()) {
                byte[] previous = null;
                while (records.next()) {
                    byte[] key = records.key();
                    assertTrue(previous == null || Arrays.compareUnsigned(previous, key) <= 0, "sorted order");
                    previous = key;
                    count++;
                }
            }
        }
        return count;
    }

    private static void assertEveryEntryReadable(Cache<Integer, byte[]> cache) {
        for (int i = 0; i < ENTRIES; i++) {
            assertArrayEquals(value(i), cache.get(i), "entry " + i);
        }
    }

    private static byte[] value(int i) {
        byte[] value = new byte[1000];
        ByteBuffer.wrap(value).putInt(i).putInt(i * 31);
        return value;
    }
}
