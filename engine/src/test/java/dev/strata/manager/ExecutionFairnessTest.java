package dev.strata.manager;

import static dev.strata.MemoryMode.OFF_HEAP;
import static dev.strata.MemoryMode.ON_HEAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import dev.strata.testing.Latches;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The 1/N cap and the 1/(2N) guarantee with real threads. "Is waiting" is detected through
 * {@code stats().executionWaits()}: it is counted under the mode's lock just before the task awaits, so a release
 * (which needs that lock) made after seeing the count always reaches the waiter. No sleeps; the deadlines below only
 * turn a hang into a failure.
 */
class ExecutionFairnessTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    /** Region 1000 per mode with R = 0: execution owns everything, no storage to take or evict. */
    private static MemoryManager manager(MemoryManagerKind kind) {
        return MemoryManager.create(kind, 1000, 1000, 0.0);
    }

    /** Spins until {@code value} reaches {@code atLeast}; fails after {@link Latches#HANG_GUARD}. */
    static void awaitUntil(LongSupplier value, long atLeast) {
        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        while (value.getAsLong() < atLeast) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting for a value >= " + atLeast + ", last " + value.getAsLong());
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static FutureTask<Long> startAcquire(MemoryManager manager, long bytes, long taskId, MemoryMode mode) {
        FutureTask<Long> task = new FutureTask<>(() -> manager.acquireExecutionMemory(bytes, taskId, mode));
        Thread thread = new Thread(task, "task-" + taskId);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    @ParameterizedTest
    @EnumSource(MemoryManagerKind.class)
    void newTaskWaitsForItsHalfShareAndIsWokenByReleases(MemoryManagerKind kind) throws Exception {
        MemoryManager manager = manager(kind);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));

        FutureTask<Long> second = startAcquire(manager, 300, 2, ON_HEAP);   // N = 2: cap 500, floor 250
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        assertEquals(2, manager.state(ON_HEAP).activeTasks(), "a waiting task counts in N");

        manager.releaseExecutionMemory(100, 1, ON_HEAP);                    // 100 free < 250: waits again
        awaitUntil(() -> manager.stats().executionWaits(), 2);
        manager.releaseExecutionMemory(200, 1, ON_HEAP);                    // 300 free: the whole request
        assertEquals(300, second.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        assertEquals(new PoolState(ON_HEAP, 1000, 0, 0, 0, 1000, 1000, 2), manager.state(ON_HEAP));
    }

    @Test
    void waiterTakesAPartialGrantOnceItReachesItsHalfShare() throws Exception {
        MemoryManager manager = manager(MemoryManagerKind.UNIFIED);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, OFF_HEAP));
        FutureTask<Long> second = startAcquire(manager, 600, 2, OFF_HEAP);   // cap 500, floor 250
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        manager.releaseExecutionMemory(260, 1, OFF_HEAP);
        assertEquals(260, second.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS), "260 >= 250: partial, no more waiting");
        assertTrue(manager.stats().executionWaits() >= 1);
        assertEquals(1, manager.stats().executionShortfalls());
    }

    @Test
    void releaseAllAtTaskEndWakesWaiters() throws Exception {
        MemoryManager manager = manager(MemoryManagerKind.UNIFIED);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        FutureTask<Long> second = startAcquire(manager, 700, 2, ON_HEAP);
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        assertEquals(1000, manager.releaseAllExecutionMemory(1));
        assertEquals(700, second.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS), "alone again: N = 1, cap 1000");
    }

    @ParameterizedTest
    @EnumSource(MemoryManagerKind.class)
    void waitingIsInterruptibleAndLeavesStateUnchanged(MemoryManagerKind kind) throws Exception {
        MemoryManager manager = manager(kind);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        PoolState before = manager.state(ON_HEAP);
        AtomicLong caught = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                manager.acquireExecutionMemory(300, 2, ON_HEAP);
                caught.set(-1);
            } catch (InterruptedException e) {
                caught.set(1);
            } finally {
                done.countDown();
            }
        }, "interrupted-task");
        waiter.setDaemon(true);
        waiter.start();
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        waiter.interrupt();
        assertTrue(done.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        assertEquals(1, caught.get(), "InterruptedException expected");
        assertEquals(before, manager.state(ON_HEAP), "nothing granted, the task left N");
        assertEquals(0, manager.releaseAllExecutionMemory(2));
    }

    @Test
    void taskHoldingItsHalfShareNeverBlocksAndGetsAPartialGrant() {
        MemoryManager manager = manager(MemoryManagerKind.UNIFIED);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            assertEquals(300, manager.acquireExecutionMemory(300, 1, ON_HEAP));
            assertEquals(500, manager.acquireExecutionMemory(500, 2, ON_HEAP));   // N = 2: cap 500, floor 250
            assertEquals(200, manager.acquireExecutionMemory(400, 1, ON_HEAP), "min(cap 500 - 300, free 200)");
            assertEquals(0, manager.acquireExecutionMemory(1, 2, ON_HEAP), "at its cap, holding >= 250: 0, no wait");
        });
        assertEquals(0, manager.stats().executionWaits());
        assertEquals(2, manager.stats().executionGrants(), "two full grants, two shortfalls");
        assertEquals(2, manager.stats().executionShortfalls());
    }

    @Test
    void modesDoNotBlockEachOther() throws Exception {
        MemoryManager manager = manager(MemoryManagerKind.UNIFIED);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        FutureTask<Long> waiter = startAcquire(manager, 300, 2, ON_HEAP);
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        assertTimeoutPreemptively(HANG_GUARD, () ->
                assertEquals(1000, manager.acquireExecutionMemory(1000, 2, OFF_HEAP), "OFF_HEAP is not N = 2"));
        manager.releaseAllExecutionMemory(1);
        assertEquals(300, waiter.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
    }

    /**
     * Each task holds all of one mode and asks for the other. The first waits for its 1/(2N) share there; the second,
     * seeing it wait, does not (the two would wait for each other forever) and gets what is free, nothing. Once the
     * second task ends, the first gets its memory. The stress test found this hang with both managers.
     */
    @ParameterizedTest
    @EnumSource(MemoryManagerKind.class)
    void ofTwoTasksEachHoldingTheModeTheOtherWantsOnlyOneWaits(MemoryManagerKind kind) throws Exception {
        MemoryManager manager = manager(kind);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        assertEquals(1000, manager.acquireExecutionMemory(1000, 2, OFF_HEAP));
        FutureTask<Long> first = startAcquire(manager, 300, 1, OFF_HEAP);      // N = 2: floor 250, nothing free
        awaitUntil(() -> manager.stats().executionWaits(), 1);

        FutureTask<Long> second = startAcquire(manager, 300, 2, ON_HEAP);
        assertEquals(0, second.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS), "the second does not wait");
        assertEquals(1, manager.stats().executionWaits());

        manager.releaseAllExecutionMemory(2);
        assertEquals(300, first.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void aTaskHoldingTheOtherModeStillWaitsForItsShareWhenNoTaskWaitsTheOtherWay() throws Exception {
        MemoryManager manager = manager(MemoryManagerKind.STATIC);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        assertEquals(10, manager.acquireExecutionMemory(10, 2, OFF_HEAP));
        FutureTask<Long> second = startAcquire(manager, 300, 2, ON_HEAP);
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        manager.releaseExecutionMemory(300, 1, ON_HEAP);
        assertEquals(300, second.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void concurrentEvictionsNeverAskForTheSameBytesTwiceAndRunOutsideTheLock() throws Exception {
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 1000, 0, 0.4);   // R = 400
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(600, ON_HEAP));                                     // 200 evictable
        assertEquals(400, manager.acquireExecutionMemory(400, 1, ON_HEAP));
        CountDownLatch evicting = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        cache.beforeEviction = () -> {
            cache.beforeEviction = () -> { };
            evicting.countDown();
            Latches.await(proceed, "proceed");
        };
        FutureTask<Long> first = startAcquire(manager, 200, 1, ON_HEAP);        // asks the evictor for all 200
        assertTrue(evicting.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        // the first eviction is in flight and holds no manager lock: a second task gets in, finds nothing left to
        // evict (the 200 are already asked for), and waits for its 1/(2N)
        FutureTask<Long> second = startAcquire(manager, 100, 2, ON_HEAP);
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        proceed.countDown();                                                    // 200 freed; the release wakes task 2
        assertEquals(0, first.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS), "N = 2 now: task 1 is over its cap 300");
        assertEquals(100, second.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        assertEquals(200, cache.requestedBytes());
        PoolState s = manager.state(ON_HEAP);
        assertEquals(400, s.storageUsedBytes(), "storage is at R, not below");
        assertEquals(1000, s.storagePoolBytes() + s.executionPoolBytes());
    }

    @Test
    void evictorRunsWithoutTheLockSoTheSameModeStaysUsable() throws Exception {
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 1000, 0, 0.5);
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(900, ON_HEAP));
        cache.beforeEviction = () -> {
            FutureTask<PoolState> probe = new FutureTask<>(() -> manager.state(ON_HEAP));
            Thread thread = new Thread(probe, "probe");
            thread.start();
            try {
                assertEquals(900, probe.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS).storageUsedBytes());
            } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("state() blocked during eviction", e);
            }
        };
        assertEquals(500, manager.acquireExecutionMemory(500, 1, ON_HEAP));
        assertEquals(500, manager.state(ON_HEAP).storageUsedBytes());
    }

    @Test
    void interruptedThreadThatNeedNotWaitIsServed() throws Exception {
        MemoryManager manager = manager(MemoryManagerKind.UNIFIED);
        Thread.currentThread().interrupt();
        try {
            assertEquals(10, manager.acquireExecutionMemory(10, 1, ON_HEAP));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
        }
    }

    @Test
    void interruptWhileWaitingSurfacesAsInterruptedException() throws Exception {
        MemoryManager manager = manager(MemoryManagerKind.STATIC);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, OFF_HEAP));
        FutureTask<Long> waiter = new FutureTask<>(() -> manager.acquireExecutionMemory(1, 2, OFF_HEAP));
        Thread thread = new Thread(waiter, "waiter");
        thread.setDaemon(true);
        thread.start();
        awaitUntil(() -> manager.stats().executionWaits(), 1);
        thread.interrupt();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> waiter.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
    }
}
