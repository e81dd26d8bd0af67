package dev.strata.manager;

import static dev.strata.MemoryMode.OFF_HEAP;
import static dev.strata.MemoryMode.ON_HEAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bad arguments fail at the call with the value and the rule, and change nothing. */
class MemoryManagerBadInputTest {

    private static void assertIae(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @Test
    void createRejectsBadRegionsAndFractions() {
        assertIae(() -> MemoryManager.create(MemoryManagerKind.UNIFIED, -1, 0, 0.5), "onHeapRegion", "-1", ">= 0");
        assertIae(() -> MemoryManager.create(MemoryManagerKind.STATIC, 0, -5, 0.5), "offHeapRegion", "-5");
        assertIae(() -> MemoryManager.create(MemoryManagerKind.UNIFIED, 1, 1, 1.0), "storageFraction", "1.0", "[0, 1)");
        assertIae(() -> MemoryManager.create(MemoryManagerKind.UNIFIED, 1, 1, -0.1), "storageFraction", "-0.1");
        assertIae(() -> MemoryManager.create(MemoryManagerKind.UNIFIED, 1, 1, Double.NaN), "NaN");
        NullPointerException npe = assertThrows(NullPointerException.class, () -> MemoryManager.create(null, 1, 1, 0.5));
        assertEquals("kind", npe.getMessage());
    }

    @ParameterizedTest
    @EnumSource(MemoryManagerKind.class)
    void nonPositiveSizesAreRejected(MemoryManagerKind kind) {
        MemoryManager manager = MemoryManager.create(kind, 1000, 1000, 0.5);
        assertIae(() -> manager.acquireStorageMemory(0, ON_HEAP), "acquireStorageMemory", "bytes: 0", "> 0");
        assertIae(() -> manager.acquireStorageMemory(-3, ON_HEAP), "-3");
        assertIae(() -> manager.releaseStorageMemory(0, ON_HEAP), "releaseStorageMemory", "bytes: 0");
        assertIae(() -> manager.acquireExecutionMemory(0, 1, ON_HEAP), "acquireExecutionMemory", "bytes: 0");
        assertIae(() -> manager.acquireExecutionMemory(-1, 1, ON_HEAP), "bytes: -1");
        assertIae(() -> manager.releaseExecutionMemory(-2, 1, ON_HEAP), "releaseExecutionMemory", "bytes: -2");
        assertEquals(0, manager.state(ON_HEAP).activeTasks(), "a rejected call does not join the task");
    }

    @ParameterizedTest
    @EnumSource(MemoryManagerKind.class)
    void releasingMoreThanHeldIsRejectedAndChangesNothing(MemoryManagerKind kind) throws InterruptedException {
        MemoryManager manager = MemoryManager.create(kind, 1000, 1000, 0.5);
        assertTrue(manager.acquireStorageMemory(100, OFF_HEAP));
        assertEquals(200, manager.acquireExecutionMemory(200, 42, OFF_HEAP));
        PoolState before = manager.state(OFF_HEAP);
        assertIae(() -> manager.releaseStorageMemory(101, OFF_HEAP), "101", "100", "OFF_HEAP");
        assertIae(() -> manager.releaseStorageMemory(1, ON_HEAP), "1 bytes", "0 bytes", "ON_HEAP");
        assertIae(() -> manager.releaseExecutionMemory(201, 42, OFF_HEAP), "201", "task 42", "200", "OFF_HEAP");
        assertIae(() -> manager.releaseExecutionMemory(1, 7, OFF_HEAP), "task 7", "0 bytes");
        assertIae(() -> manager.releaseExecutionMemory(1, 42, ON_HEAP), "task 42", "ON_HEAP");
        assertEquals(before, manager.state(OFF_HEAP));
    }

    @Test
    void nullsAreRejectedByName() {
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 1000, 1000, 0.5);
        assertEquals("mode", assertThrows(NullPointerException.class, () -> manager.acquireStorageMemory(1, null)).getMessage());
        assertEquals("mode", assertThrows(NullPointerException.class, () -> manager.acquireExecutionMemory(1, 1, null)).getMessage());
        assertEquals("mode", assertThrows(NullPointerException.class, () -> manager.state(null)).getMessage());
        assertEquals("evictor", assertThrows(NullPointerException.class, () -> manager.setStorageEvictor(null)).getMessage());
    }

    @Test
    void poolStateRejectsInconsistentNumbers() {
        assertIae(() -> new PoolState(ON_HEAP, 1000, 500, 500, 0, 400, 0, 0), "storage pool + execution pool == region");
        assertIae(() -> new PoolState(ON_HEAP, 1000, 500, 500, 600, 500, 0, 0), "storage=600/500");
    }
}
