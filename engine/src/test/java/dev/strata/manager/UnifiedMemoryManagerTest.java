package dev.strata.manager;

import static dev.strata.MemoryMode.OFF_HEAP;
import static dev.strata.MemoryMode.ON_HEAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spark's worked cases and the unified manager's borrowing rules, single-threaded (nothing here waits). */
class UnifiedMemoryManagerTest {

    static MemoryManager unified(long region, double storageFraction) {
        return MemoryManager.create(MemoryManagerKind.UNIFIED, region, region, storageFraction);
    }

    static PoolState checked(MemoryManager manager, MemoryMode mode) {
        PoolState s = manager.state(mode);
        assertEquals(s.regionBytes(), s.storagePoolBytes() + s.executionPoolBytes(), "storage + execution == region: " + s);
        return s;
    }

    @Test
    void spark12155TwoTasksEachGetTheirShareOfWhatEvictionCouldFree() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.4);                    // R = 400
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(900, ON_HEAP));                          // borrows 500 of execution's 600
        assertEquals(new PoolState(ON_HEAP, 1000, 400, 900, 900, 100, 0, 0), checked(manager, ON_HEAP));
        assertEquals(50, manager.acquireExecutionMemory(50, 1, ON_HEAP));
        assertEquals(50, manager.acquireExecutionMemory(50, 2, ON_HEAP));   // N = 2 from here on

        // cap = (1000 - min(900, 400)) / 2 = 300 per task: both reach it, storage is evicted down to R exactly
        assertEquals(250, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        assertEquals(250, manager.acquireExecutionMemory(1000, 2, ON_HEAP));
        assertEquals(new PoolState(ON_HEAP, 1000, 400, 400, 400, 600, 600, 2), checked(manager, ON_HEAP));
        assertEquals(500, cache.demotedBytes());
        assertEquals(500, cache.requestedBytes(), "the evictor is asked only for what the tasks could receive");

        // at the cap: no more, and without waiting (each holds 300 >= 600 / (2 x 2))
        assertEquals(0, manager.acquireExecutionMemory(1, 1, ON_HEAP));
        ManagerStats stats = manager.stats();
        assertEquals(0, stats.executionWaits());
        assertEquals(500, stats.storageEvictedForExecutionBytes());
        assertEquals(500, stats.storageBorrowedFromExecutionBytes());
        assertEquals(2, stats.evictionCalls());
    }

    @Test
    void section15EvictsExactlyWhatIsNeededAndKeepsR() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);                    // R = 500
        TestCache cache = new TestCache(manager, 1);                  // can demote part of a block (page by page)
        assertTrue(cache.put(800, ON_HEAP));
        // Spark evicts the whole 800-byte block and grants 600, leaving storage at 0 < R. Here the task gets what
        // eviction down to R can give: 200 free + 300 evicted = 500 (600 + R would exceed M), and storage keeps R.
        assertEquals(500, manager.acquireExecutionMemory(600, 7, ON_HEAP));
        PoolState s = checked(manager, ON_HEAP);
        assertEquals(500, s.storageUsedBytes());
        assertTrue(s.storageUsedBytes() >= s.protectedStorageBytes());
        assertEquals(300, cache.demotedBytes());
        assertEquals(500, s.executionUsedBytes());
        assertEquals(1, manager.stats().executionShortfalls());
    }

    @Test
    void wholeBlockCacheThatCannotMatchTheRequestEvictsNothing() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        TestCache cache = new TestCache(manager, 800);                // one block, demoted whole or not at all
        assertTrue(cache.put(800, ON_HEAP));
        assertEquals(200, manager.acquireExecutionMemory(600, 7, ON_HEAP));
        assertEquals(800, checked(manager, ON_HEAP).storageUsedBytes());
        assertEquals(0, cache.demotedBytes());
        assertEquals(1, manager.stats().evictionCalls(), "an eviction that frees nothing is not repeated");
    }

    @Test
    void storageRefusesABlockLargerThanRegionMinusExecutionUsed() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        assertEquals(700, manager.acquireExecutionMemory(700, 1, ON_HEAP));   // takes 200 free storage
        PoolState before = checked(manager, ON_HEAP);
        assertFalse(manager.acquireStorageMemory(301, ON_HEAP));
        assertEquals(before, checked(manager, ON_HEAP), "a refusal changes nothing");
        assertEquals(300, manager.maxStorageBytes(ON_HEAP));
        assertTrue(manager.acquireStorageMemory(300, ON_HEAP));
        assertEquals(1, manager.stats().storageRefusals());
        assertEquals(1, manager.stats().storageGrants());
    }

    @Test
    void storageBorrowsFreeExecutionMemory() {
        MemoryManager manager = unified(1000, 0.5);
        assertTrue(manager.acquireStorageMemory(800, OFF_HEAP));
        PoolState s = checked(manager, OFF_HEAP);
        assertEquals(new PoolState(OFF_HEAP, 1000, 500, 800, 800, 200, 0, 0), s);
        assertEquals(300, s.storageBorrowedBytes());
        assertEquals(300, manager.stats().storageBorrowedFromExecutionBytes());
        assertEquals(new PoolState(ON_HEAP, 1000, 500, 500, 0, 500, 0, 0), checked(manager, ON_HEAP), "modes are independent");
    }

    @Test
    void executionTakesFreeStorageMemoryInsideRWithoutEvicting() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(100, ON_HEAP));
        assertEquals(900, manager.acquireExecutionMemory(900, 1, ON_HEAP));
        PoolState s = checked(manager, ON_HEAP);
        assertEquals(new PoolState(ON_HEAP, 1000, 500, 100, 100, 900, 900, 1), s);
        assertEquals(400, s.executionBorrowedBytes());
        assertEquals(0, manager.stats().evictionCalls());
        assertEquals(100, cache.cached(ON_HEAP));
    }

    @Test
    void storageNeverEvictsExecution() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(100, ON_HEAP));
        assertEquals(900, manager.acquireExecutionMemory(900, 1, ON_HEAP));
        assertFalse(cache.put(1, ON_HEAP));
        assertFalse(cache.put(200, ON_HEAP));
        assertEquals(900, checked(manager, ON_HEAP).executionUsedBytes());
        manager.releaseExecutionMemory(300, 1, ON_HEAP);
        assertTrue(cache.put(200, ON_HEAP), "freed execution memory can be borrowed");
        assertEquals(new PoolState(ON_HEAP, 1000, 500, 300, 300, 700, 600, 1), checked(manager, ON_HEAP));
    }

    @Test
    void executionNeverEvictsBelowR() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(1000, ON_HEAP));
        assertEquals(500, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        assertEquals(500, checked(manager, ON_HEAP).storageUsedBytes());
        assertEquals(0, manager.acquireExecutionMemory(1, 1, ON_HEAP), "nothing left above R, and the task has its share");
        assertEquals(500, cache.requestedBytes());
    }

    @Test
    void zeroOffHeapRegionGrantsNothingAndNeverWaits() throws InterruptedException {
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 1000, 0, 0.5);
        assertFalse(manager.acquireStorageMemory(1, OFF_HEAP));
        assertEquals(0, manager.acquireExecutionMemory(10, 1, OFF_HEAP));
        assertEquals(new PoolState(OFF_HEAP, 0, 0, 0, 0, 0, 0, 0), checked(manager, OFF_HEAP), "a task holding 0 leaves");
    }

    @Test
    void releaseAllReturnsBothModesAndTasksLeave() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        manager.acquireExecutionMemory(300, 9, ON_HEAP);
        manager.acquireExecutionMemory(200, 9, OFF_HEAP);
        manager.acquireExecutionMemory(100, 8, OFF_HEAP);
        assertEquals(500, manager.releaseAllExecutionMemory(9));
        assertEquals(0, manager.releaseAllExecutionMemory(9));
        assertEquals(0, checked(manager, ON_HEAP).activeTasks());
        assertEquals(1, checked(manager, OFF_HEAP).activeTasks());
        assertEquals(100, checked(manager, OFF_HEAP).executionUsedBytes());
    }

    @Test
    void whatAnEvictionFreesForExecutionIsNotTakenByAPutMeanwhile() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);                    // R = 500
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(1000, ON_HEAP));                         // storage holds the whole region
        List<Boolean> racingPuts = new ArrayList<>();
        manager.setStorageEvictor((mode, bytes) -> {
            long freed = cache.evictStorage(mode, bytes);
            // another cache's put, between the evictor's release and the task's next look at the pools
            if (freed > 0) {
                racingPuts.add(manager.acquireStorageMemory(freed, mode));
            }
            return freed;
        });

        assertEquals(300, manager.acquireExecutionMemory(300, 1, ON_HEAP), "the task gets what was evicted for it");
        assertEquals(List.of(false), racingPuts, "one eviction, and the put racing it was refused");
        PoolState s = checked(manager, ON_HEAP);
        assertEquals(700, s.storageUsedBytes());
        assertEquals(300, s.executionUsedBytes());

        manager.releaseExecutionMemory(300, 1, ON_HEAP);
        assertTrue(manager.acquireStorageMemory(300, ON_HEAP), "with no eviction in flight, storage takes free memory");
    }

    @Test
    void evictorFailureLeavesConsistentState() throws InterruptedException {
        MemoryManager manager = unified(1000, 0.5);
        assertTrue(manager.acquireStorageMemory(900, ON_HEAP));
        manager.setStorageEvictor((mode, bytes) -> {
            throw new IllegalStateException("disk tier full");
        });
        assertThrows(IllegalStateException.class, () -> manager.acquireExecutionMemory(300, 1, ON_HEAP));
        PoolState s = checked(manager, ON_HEAP);
        assertEquals(0, s.activeTasks());
        assertEquals(0, s.executionUsedBytes());
        manager.setStorageEvictor((mode, bytes) -> -1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> manager.acquireExecutionMemory(300, 1, ON_HEAP));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        manager.setStorageEvictor(StorageEvictor.NONE);
        assertEquals(100, manager.acquireExecutionMemory(300, 1, ON_HEAP));
    }

    @Test
    void kindAndProtectedRegionRounding() {
        assertEquals(MemoryManagerKind.UNIFIED, unified(10, 0.5).kind());
        assertEquals(333, MemoryManager.protectedStorageBytes(1000, 1.0 / 3));
        assertEquals(0, MemoryManager.protectedStorageBytes(1000, 0));
        assertEquals(1L << 60, MemoryManager.protectedStorageBytes(1L << 60, Math.nextDown(1.0)) + 128);
    }
}
