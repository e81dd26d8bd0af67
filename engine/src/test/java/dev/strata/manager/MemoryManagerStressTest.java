package dev.strata.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real threads running task lifetimes (acquire, spill, cache puts and removals, evictions, release at task end) on
 * both modes at once. Nothing about timing is asserted: at the end every task has left, no execution memory is
 * held, storage holds exactly what the cache holds, and no thread hung or failed.
 */
class MemoryManagerStressTest {

    private static final int THREADS = 4;
    private static final int LIFETIMES_PER_THREAD = 1000;

    @ParameterizedTest
    @EnumSource(MemoryManagerKind.class)
    void concurrentTasksAndCacheKeepTheBooksStraight(MemoryManagerKind kind) throws Exception {
        MemoryManager manager = MemoryManager.create(kind, 64_000, 32_000, 0.5);
        TestCache cache = new TestCache(manager, 1);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int worker = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    runLifetimes(manager, cache, worker);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "worker-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(60_000);                   // a hang guard, not a timing assertion
            if (thread.isAlive()) {
                fail(thread.getName() + " hung: " + manager + "\n" + stacks(threads), failure(failures));
            }
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        for (MemoryMode mode : MemoryMode.values()) {
            PoolState s = manager.state(mode);
            assertEquals(0, s.executionUsedBytes(), s::toString);
            assertEquals(0, s.activeTasks(), s::toString);
            assertEquals(cache.cached(mode), s.storageUsedBytes(), s::toString);
            assertEquals(s.regionBytes(), s.storagePoolBytes() + s.executionPoolBytes());
        }
        assertEquals(cache.demotedBytes(), manager.stats().storageEvictedForExecutionBytes());
    }

    /** {@return where each thread is, for a hang's message} */
    private static String stacks(List<Thread> threads) {
        StringBuilder text = new StringBuilder();
        for (Thread thread : threads) {
            text.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                text.append("    at ").append(frame).append('\n');
            }
        }
        return text.toString();
    }

    /** {@return the first failure of a worker (the others suppressed in it), or null} */
    private static Throwable failure(ConcurrentLinkedQueue<Throwable> failures) {
        Throwable first = failures.peek();
        failures.stream().skip(1).forEach(first::addSuppressed);
        return first;
    }

    private static void runLifetimes(MemoryManager manager, TestCache cache, int worker) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(worker);
        for (int life = 0; life < LIFETIMES_PER_THREAD; life++) {
            long taskId = worker * 1_000_000L + life;
            int ops = 1 + random.nextInt(12);
            for (int i = 0; i < ops; i++) {
                MemoryMode mode = random.nextBoolean() ? MemoryMode.ON_HEAP : MemoryMode.OFF_HEAP;
                long bytes = 1 + random.nextLong(12_000);
                switch (random.nextInt(4)) {
                    case 0 -> cache.put(bytes, mode);
                    case 1 -> cache.removeUpTo(bytes, mode);
                    default -> {
                        long got = manager.acquireExecutionMemory(bytes, taskId, mode);
                        if (got > 0 && random.nextBoolean()) {
                            manager.releaseExecutionMemory(1 + random.nextLong(got), taskId, mode);   // a spill
                        }
                    }
                }
            }
            manager.releaseAllExecutionMemory(taskId);
        }
    }
}
