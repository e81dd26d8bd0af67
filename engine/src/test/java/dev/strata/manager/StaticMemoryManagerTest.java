package dev.strata.manager;

import static dev.strata.MemoryMode.OFF_HEAP;
import static dev.strata.MemoryMode.ON_HEAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import org.junit.jupiter.api.Test;

/** The static manager's fixed partitions: no borrowing in either direction, no eviction for execution. */
class StaticMemoryManagerTest {

    private final MemoryManager manager = MemoryManager.create(MemoryManagerKind.STATIC, 1000, 2000, 0.5);
    private final TestCache cache = new TestCache(manager, 1);

    @Test
    void partitionsAreFloorOfRegionTimesFraction() {
        assertEquals(MemoryManagerKind.STATIC, manager.kind());
        assertEquals(new PoolState(ON_HEAP, 1000, 500, 500, 0, 500, 0, 0), manager.state(ON_HEAP));
        assertEquals(new PoolState(OFF_HEAP, 2000, 1000, 1000, 0, 1000, 0, 0), manager.state(OFF_HEAP));
        MemoryManager thirds = MemoryManager.create(MemoryManagerKind.STATIC, 1000, 0, 1.0 / 3);
        assertEquals(333, thirds.state(ON_HEAP).storagePoolBytes());
        assertEquals(667, thirds.state(ON_HEAP).executionPoolBytes());
    }

    @Test
    void storageNeverBorrowsIdleExecutionMemory() {
        assertFalse(cache.put(501, ON_HEAP));
        assertEquals(500, manager.maxStorageBytes(ON_HEAP));
        assertTrue(cache.put(500, ON_HEAP));
        assertFalse(cache.put(1, ON_HEAP));
        assertEquals(new PoolState(ON_HEAP, 1000, 500, 500, 500, 500, 0, 0), manager.state(ON_HEAP));
        assertEquals(0, manager.stats().storageBorrowedFromExecutionBytes());
    }

    @Test
    void executionNeverTakesFreeStorageNorEvicts() throws InterruptedException {
        assertEquals(500, manager.acquireExecutionMemory(800, 1, ON_HEAP), "idle storage memory is not taken");
        assertTrue(cache.put(500, ON_HEAP));
        manager.releaseExecutionMemory(100, 1, ON_HEAP);
        assertEquals(100, manager.acquireExecutionMemory(800, 1, ON_HEAP), "cached data is not evicted");
        assertEquals(new PoolState(ON_HEAP, 1000, 500, 500, 500, 500, 500, 1), manager.state(ON_HEAP));
        assertEquals(0, manager.stats().evictionCalls());
        assertEquals(0, cache.requestedBytes());
        assertEquals(0, manager.state(ON_HEAP).storageBorrowedBytes());
        assertEquals(0, manager.state(ON_HEAP).executionBorrowedBytes());
        assertEquals(0, manager.state(ON_HEAP).evictableStorageBytes());
    }

    @Test
    void fairnessCapUsesTheFixedExecutionPool() throws InterruptedException {
        assertEquals(100, manager.acquireExecutionMemory(100, 1, OFF_HEAP));
        assertEquals(500, manager.acquireExecutionMemory(900, 2, OFF_HEAP), "cap 1000 / 2");
        assertEquals(400, manager.acquireExecutionMemory(900, 1, OFF_HEAP));
        assertEquals(1000, manager.state(OFF_HEAP).executionUsedBytes());
        assertEquals(2, manager.stats().executionShortfalls());
    }
}
