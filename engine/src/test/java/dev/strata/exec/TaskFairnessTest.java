package dev.strata.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tasks on real threads share one execution pool: each reaches its 1/(2N) floor, none deadlocks. */
class TaskFairnessTest {

    private static final long PAGES = 64;
    private static final long POOL = PAGES * ExecFixture.PAGE;
    private static final long JOIN_SECONDS = 60;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void concurrentTasksEachGetAtLeastOneOverTwoN(int tasks) throws Exception {
        try (ExecFixture fx = new ExecFixture(POOL, tmp)) {
            CyclicBarrier allActive = new CyclicBarrier(tasks);
            CyclicBarrier allReported = new CyclicBarrier(tasks);
            AtomicLongArray holdings = new AtomicLongArray(tasks);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                int index = i;
                threads.add(Thread.ofPlatform().name("task-" + i).start(() -> {
                    try (TaskMemory task = fx.factory.newTask()) {
                        TestConsumer consumer = new TestConsumer(task, MemoryMode.OFF_HEAP, "t" + index,
                                new ArrayList<>(), false);
                        consumer.page();                 // every task is active (counts in N) before any grows
                        allActive.await();
                        growUntilRefused(consumer);
                        holdings.set(index, consumer.used());
                        allReported.await();             // nobody releases before everyone has stopped growing
                        consumer.releaseAll();
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                        allActive.reset();
                        allReported.reset();
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
                assertFalse(thread.isAlive(), thread.getName() + " is stuck: deadlock");
            }
            assertNull(failure.get());

            long total = 0;
            for (int i = 0; i < tasks; i++) {
                assertTrue(holdings.get(i) >= POOL / (2L * tasks), "task " + i + " holds " + holdings.get(i));
                total += holdings.get(i);
            }
            assertTrue(total <= POOL, "total " + total);
            assertEquals(0, fx.manager.state(MemoryMode.OFF_HEAP).executionUsedBytes());
            assertEquals(0, fx.manager.state(MemoryMode.OFF_HEAP).activeTasks());
        }
    }

    @Test
    void aTaskBelowItsFloorWaitsUntilAnotherTaskSpills() throws Exception {
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory hog = fx.factory.newTask()) {
            TestConsumer hogConsumer = new TestConsumer(hog, MemoryMode.ON_HEAP, "hog", new ArrayList<>(), false);
            growUntilRefused(hogConsumer);
            assertEquals(POOL, hogConsumer.used());
            CountDownLatch granted = new CountDownLatch(1);
            AtomicLongArray late = new AtomicLongArray(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long waitsBefore = fx.manager.stats().executionWaits();

            Thread waiter = Thread.ofPlatform().name("late-task").start(() -> {
                try (TaskMemory task = fx.factory.newTask()) {
                    TestConsumer consumer = new TestConsumer(task, MemoryMode.ON_HEAP, "late", new ArrayList<>(), false);
                    consumer.page();                       // waits: it holds less than POOL / 4 and the hog holds all
                    late.set(0, consumer.used());
                    granted.countDown();
                    consumer.releaseAll();
                } catch (Throwable t) {
                    failure.set(t);
                    granted.countDown();
                }
            });
            while (fx.manager.stats().executionWaits() == waitsBefore && waiter.isAlive()) {
                Thread.onSpinWait();                       // until the late task is parked in the manager
            }
            assertEquals(1, granted.getCount(), "the late task must wait while the hog holds the whole pool");

            hogConsumer.releasePlainOrPage();              // the hog gives back one page: the waiter is woken

            assertTrue(granted.await(JOIN_SECONDS, TimeUnit.SECONDS), "the late task was never woken");
            waiter.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
            assertNull(failure.get());
            assertEquals(ExecFixture.PAGE, late.get(0));
            hogConsumer.releaseAll();
        }
    }

    @Test
    void aWaitingTaskThatIsInterruptedGetsCancellationAndKeepsItsInterruptFlag() throws Exception {
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory hog = fx.factory.newTask()) {
            TestConsumer hogConsumer = new TestConsumer(hog, MemoryMode.OFF_HEAP, "hog", new ArrayList<>(), false);
            growUntilRefused(hogConsumer);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> interruptFlag = new AtomicReference<>();
            long waitsBefore = fx.manager.stats().executionWaits();

            Thread waiter = Thread.ofPlatform().name("interrupted-task").start(() -> {
                try (TaskMemory task = fx.factory.newTask()) {
                    new TestConsumer(task, MemoryMode.OFF_HEAP, "late", new ArrayList<>(), false).page();
                } catch (Throwable t) {
                    thrown.set(t);
                    interruptFlag.set(Thread.currentThread().isInterrupted());
                }
            });
            while (fx.manager.stats().executionWaits() == waitsBefore && waiter.isAlive()) {
                Thread.onSpinWait();
            }
            waiter.interrupt();
            waiter.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));

            assertFalse(waiter.isAlive());
            assertTrue(thrown.get() instanceof java.util.concurrent.CancellationException, String.valueOf(thrown.get()));
            assertTrue(interruptFlag.get());
            assertEquals(POOL, fx.manager.state(MemoryMode.OFF_HEAP).executionUsedBytes());   // the hog's, nothing else
            hogConsumer.releaseAll();
        }
    }

    private static void growUntilRefused(TestConsumer consumer) {
        while (true) {
            try {
                consumer.page();
            } catch (MemoryBudgetExceededException refused) {
                return;
            }
        }
    }
}
