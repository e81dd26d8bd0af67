package dev.strata.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.manager.StorageEvictor;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A sorter needs memory while a cache holds storage memory. Unified: the manager takes storage back through the
 * cache's evictor, never below the protected region R, and the sorter need not spill. Static: the evictor is never
 * called and the sorter spills.
 */
class StorageGivesWayTest {

    private static final long REGION = 8L << 20;
    private static final long CACHED = 6L << 20;
    private static final long BLOCK = ExecFixture.PAGE;
    private static final long INPUT = 3L << 20;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(MemoryMode.class)
    void unifiedEvictsCachedDataDownToRAndTheSorterDoesNotSpill(MemoryMode mode) {
        double storageFraction = 0.25;                  // R = 2 MiB: 4 MiB of the cache is borrowed execution memory
        try (ExecFixture fx = new ExecFixture(MemoryManagerKind.UNIFIED, REGION, storageFraction, tmp, true)) {
            long protectedRegion = MemoryManager.protectedStorageBytes(REGION, storageFraction);
            SimulatedCache cache = new SimulatedCache(fx.manager, mode);
            fx.manager.setStorageEvictor(cache);
            cache.fill(CACHED);

            ExternalSorter sorter = sortAndCheck(fx, mode);

            assertTrue(cache.evictionCalls > 0);
            long storageUsed = fx.manager.state(mode).storageUsedBytes();
            assertTrue(storageUsed < CACHED, "storage gave nothing back: " + storageUsed);
            assertTrue(cache.lowestStorageUsed >= protectedRegion, "storage fell below R: " + cache.lowestStorageUsed);
            assertEquals(0, sorter.spillCount());
            assertEquals(CACHED - storageUsed, fx.manager.stats().storageEvictedForExecutionBytes());
            cache.clear();
        }
    }

    @ParameterizedTest
    @EnumSource(MemoryMode.class)
    void staticNeverEvictsAndTheSorterSpills(MemoryMode mode) {
        double storageFraction = 0.75;                  // a fixed 6 MiB storage pool, 2 MiB of execution
        try (ExecFixture fx = new ExecFixture(MemoryManagerKind.STATIC, REGION, storageFraction, tmp, true)) {
            SimulatedCache cache = new SimulatedCache(fx.manager, mode);
            fx.manager.setStorageEvictor(cache);
            cache.fill(CACHED);

            ExternalSorter sorter = sortAndCheck(fx, mode);

            assertEquals(0, cache.evictionCalls);
            assertEquals(CACHED, fx.manager.state(mode).storageUsedBytes());
            assertTrue(sorter.spillCount() > 0);
            assertTrue(fx.factory.stats().spills() > 0);
            assertEquals(0, fx.manager.stats().storageEvictedForExecutionBytes());
            cache.clear();
        }
    }

    /** Sorts {@link #INPUT} bytes of records in one task; {@return the closed sorter, for its counters} */
    private static ExternalSorter sortAndCheck(ExecFixture fx, MemoryMode mode) {
        try (TaskMemory task = fx.factory.newTask(); ExternalSorter sorter = new ExternalSorter(task, mode)) {
            RecordGenerator generator = new RecordGenerator(3);
            RecordGenerator.Fingerprint in = new RecordGenerator.Fingerprint();
            for (long bytes = 0; bytes < INPUT; ) {
                byte[] key = generator.nextKey();
                byte[] value = generator.nextValue();
                sorter.insert(key, value);
                in.add(key, value);
                bytes += key.length + value.length;
            }
            RecordGenerator.Fingerprint out = new RecordGenerator.Fingerprint();
            try (SortedRecords records = sorter.sortedRecords()) {
                byte[] previous = new byte[0];
                while (records.next()) {
                    assertTrue(Arrays.compareUnsigned(previous, records.key()) <= 0);
                    previous = records.key();
                    out.add(previous, records.value());
                }
            }
            assertEquals(in, out);
            return sorter;
        }
    }

    /** A cache's storage side: whole blocks of storage memory, evicted oldest first, never more than asked. */
    private static final class SimulatedCache implements StorageEvictor {
        private final MemoryManager manager;
        private final MemoryMode mode;
        private final Deque<Long> blocks = new ArrayDeque<>();
        int evictionCalls;
        long lowestStorageUsed = Long.MAX_VALUE;

        SimulatedCache(MemoryManager manager, MemoryMode mode) {
            this.manager = manager;
            this.mode = mode;
        }

        void fill(long bytes) {
            for (long cached = 0; cached < bytes; cached += BLOCK) {
                assertTrue(manager.acquireStorageMemory(BLOCK, mode), "storage refused block at " + cached);
                blocks.add(BLOCK);
            }
        }

        @Override
        public synchronized long evictStorage(MemoryMode evictedMode, long bytes) {
            assertEquals(mode, evictedMode);
            evictionCalls++;
            long freed = 0;
            while (freed + BLOCK <= bytes && !blocks.isEmpty()) {     // whole blocks, never past what was asked
                manager.releaseStorageMemory(blocks.poll(), mode);
                freed += BLOCK;
            }
            lowestStorageUsed = Math.min(lowestStorageUsed, manager.state(mode).storageUsedBytes());
            return freed;
        }

        synchronized void clear() {
            while (!blocks.isEmpty()) {
                manager.releaseStorageMemory(blocks.poll(), mode);
            }
        }
    }
}
