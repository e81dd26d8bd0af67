package dev.strata.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TaskMemoryTest {

    private static final long POOL = 10_000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(MemoryMode.class)
    void spillsTheSmallestConsumerThatCoversTheShortfall(MemoryMode mode) {
        List<String> log = new ArrayList<>();
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer a = consumer(task, mode, "A", log, 1000);
            TestConsumer b = consumer(task, mode, "B", log, 3000);
            TestConsumer c = consumer(task, mode, "C", log, 5000);
            TestConsumer d = consumer(task, mode, "D", log, 1000);

            assertEquals(2000, d.grab(2000));

            assertEquals(List.of("B"), log);
            assertEquals(List.of(1000L, 0L, 5000L, 3000L), List.of(a.used(), b.used(), c.used(), d.used()));
            TaskMemoryStats stats = task.stats();
            assertEquals(1, stats.spills());
            assertEquals(3000, stats.spilledBytes());
            assertEquals(1, stats.shortfalls());        // the first ask got 0: the pool was full
            assertEquals(5, stats.grants());            // four set-up grabs and the ask after the spill
            releaseAll(a, b, c, d);
        }
    }

    @Test
    void spillsTheLargestFirstWhenNoneCoversTheShortfall() {
        List<String> log = new ArrayList<>();
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer a = consumer(task, MemoryMode.ON_HEAP, "A", log, 1000);
            TestConsumer b = consumer(task, MemoryMode.ON_HEAP, "B", log, 3000);
            TestConsumer c = consumer(task, MemoryMode.ON_HEAP, "C", log, 5000);
            TestConsumer d = consumer(task, MemoryMode.ON_HEAP, "D", log, 1000);

            assertEquals(6000, d.grab(6000));

            // C (largest) frees 5000, still 1000 short: A (1000) is the smallest that covers it; B is never asked
            assertEquals(List.of("C", "A"), log);
            assertEquals(3000, b.used());
            releaseAll(a, b, c, d);
        }
    }

    @Test
    void spillsTheRequesterLast() {
        List<String> log = new ArrayList<>();
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer a = consumer(task, MemoryMode.OFF_HEAP, "A", log, 1000);
            TestConsumer b = consumer(task, MemoryMode.OFF_HEAP, "B", log, 3000);
            TestConsumer requester = consumer(task, MemoryMode.OFF_HEAP, "R", log, 6000);

            assertEquals(5000, requester.grab(5000));

            assertEquals(List.of("B", "A", "R"), log);
            assertEquals(5000, requester.used());
            releaseAll(a, b, requester);
        }
    }

    @Test
    void onlyConsumersOfTheSameModeSpill() {
        List<String> log = new ArrayList<>();
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer offHeap = consumer(task, MemoryMode.OFF_HEAP, "off", log, 9000);
            TestConsumer heap = consumer(task, MemoryMode.ON_HEAP, "heap", log, 9000);

            assertEquals(2000, heap.grab(2000));        // the heap pool has 1000 left: the requester spills itself

            assertEquals(List.of("heap"), log);         // the off-heap consumer is never asked
            assertEquals(9000, offHeap.used());
            releaseAll(offHeap, heap);
        }
    }

    @Test
    void aConsumerThatFreesNothingIsNotAskedAgain() {
        List<String> log = new ArrayList<>();
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer stubborn = new TestConsumer(task, MemoryMode.ON_HEAP, "S", log, false);
            stubborn.grab(9000);
            TestConsumer requester = new TestConsumer(task, MemoryMode.ON_HEAP, "R", log, false);
            assertEquals(1000, requester.grab(1000));

            assertEquals(0, requester.grab(500));

            assertEquals(List.of("S", "R"), log);
            stubborn.releaseAll();
            requester.releaseAll();
        }
    }

    @Test
    void aPageIsTakenOnlyForAFullGrantAndTheMinimumRefusalShowsThePool() {
        try (ExecFixture fx = new ExecFixture(ExecFixture.PAGE / 2, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer consumer = new TestConsumer(task, MemoryMode.OFF_HEAP, "C", new ArrayList<>(), true);

            MemoryBudgetExceededException e = assertThrows(MemoryBudgetExceededException.class, consumer::page);

            assertEquals(ExecFixture.PAGE, e.requestedBytes());
            assertEquals(ExecFixture.PAGE / 2, e.availableBytes());
            assertTrue(e.getMessage().contains(fx.manager.state(MemoryMode.OFF_HEAP).toString()), e.getMessage());
            assertTrue(e.getMessage().contains("OFF_HEAP[region=32768"), e.getMessage());
            assertEquals(0, fx.manager.state(MemoryMode.OFF_HEAP).executionUsedBytes());   // the partial grant went back
            assertEquals(0, fx.offHeapPages.stats().pagesUsed());
            assertEquals(0, consumer.used());
        }
    }

    @ParameterizedTest
    @EnumSource(MemoryMode.class)
    void closeReleasesALeakedPageAndThrowsInStrictMode(MemoryMode mode) {
        try (ExecFixture fx = new ExecFixture(4 * ExecFixture.PAGE, tmp)) {
            TaskMemory task = fx.factory.newTask();
            TestConsumer leaker = new TestConsumer(task, mode, "leaker", new ArrayList<>(), true);
            ExecutionPage page = leaker.page();
            leaker.grab(100);

            IllegalStateException e = assertThrows(IllegalStateException.class, task::close);

            assertTrue(e.getMessage().contains((ExecFixture.PAGE + 100) + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("1 pages") && e.getMessage().contains("leaker"), e.getMessage());
            assertEquals(0, fx.manager.state(mode).executionUsedBytes());
            assertEquals(0, fx.heapPages.stats().pagesUsed() + fx.offHeapPages.stats().pagesUsed());
            assertThrows(IllegalStateException.class, page::segment);
            assertEquals(0, leaker.used());
            assertEquals(ExecFixture.PAGE + 100, fx.factory.stats().leakedBytes());
            task.close();                                  // again: nothing to do
        }
    }

    @Test
    void closeOnlyLogsALeakWhenNotStrict() {
        try (ExecFixture fx = new ExecFixture(MemoryManagerKind.STATIC, 4 * ExecFixture.PAGE, 0.0, tmp, false)) {
            TaskMemory task = fx.factory.newTask();
            new TestConsumer(task, MemoryMode.ON_HEAP, "leaker", new ArrayList<>(), true).page();

            task.close();

            assertEquals(0, fx.manager.state(MemoryMode.ON_HEAP).executionUsedBytes());
            assertEquals(ExecFixture.PAGE, fx.factory.stats().leakedBytes());
        }
    }

    @Test
    void staleAndForeignPagesAreRefused() {
        try (ExecFixture fx = new ExecFixture(4 * ExecFixture.PAGE, tmp);
             TaskMemory task = fx.factory.newTask(); TaskMemory other = fx.factory.newTask()) {
            TestConsumer a = new TestConsumer(task, MemoryMode.OFF_HEAP, "A", new ArrayList<>(), true);
            TestConsumer b = new TestConsumer(task, MemoryMode.OFF_HEAP, "B", new ArrayList<>(), true);
            TestConsumer c = new TestConsumer(other, MemoryMode.OFF_HEAP, "C", new ArrayList<>(), true);
            ExecutionPage page = a.page();
            ExecutionPage othersPage = c.page();

            assertThrows(IllegalStateException.class, () -> b.free(page), "another consumer's page");
            assertThrows(IllegalStateException.class, () -> a.free(othersPage), "another task's page");
            a.free(page);
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> a.free(page));
            assertTrue(stale.getMessage().contains("already freed"), stale.getMessage());
            assertThrows(IllegalStateException.class, page::segment);
            c.free(othersPage);
        }
    }

    @Test
    void pageNumbersAreTheLowestFreeSlots() {
        try (ExecFixture fx = new ExecFixture(4 * ExecFixture.PAGE, tmp); TaskMemory task = fx.factory.newTask()) {
            TestConsumer a = new TestConsumer(task, MemoryMode.ON_HEAP, "A", new ArrayList<>(), true);
            ExecutionPage p0 = a.page();
            ExecutionPage p1 = a.page();
            a.free(p0);
            ExecutionPage p2 = a.page();
            assertEquals(List.of(0, 1, 0), List.of(p0.pageNumber(), p1.pageNumber(), p2.pageNumber()));
            assertEquals(ExecFixture.PAGE, p2.segment().byteSize());
            assertEquals(2, task.stats().pagesHeld());
            a.releaseAll();
        }
    }

    @Test
    void aFailedSpillSurfacesAsUncheckedIoWithContext() {
        try (ExecFixture fx = new ExecFixture(POOL, tmp); TaskMemory task = fx.factory.newTask()) {
            MemoryConsumer broken = new MemoryConsumer(task, MemoryMode.ON_HEAP) {
                @Override
                public long spill(long size, MemoryConsumer trigger) throws IOException {
                    throw new IOException("disk full");
                }
            };
            TestConsumer holder = new TestConsumer(task, MemoryMode.ON_HEAP, "H", new ArrayList<>(), false);
            TestConsumer requester = new TestConsumer(task, MemoryMode.ON_HEAP, "R", new ArrayList<>(), false);
            holder.grab(POOL);

            // the broken consumer holds nothing, so it is no candidate; make it hold the pool instead
            holder.releaseAll();
            assertEquals(POOL, new Grabber(broken).grab(POOL));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> requester.grab(1));

            assertInstanceOf(IOException.class, e.getCause());
            assertTrue(e.getMessage().contains("failed to spill for R"), e.getMessage());
            new Grabber(broken).release(POOL);
        }
    }

    @Test
    void aClosedTaskRefusesEverything() {
        try (ExecFixture fx = new ExecFixture(POOL, tmp)) {
            TaskMemory task = fx.factory.newTask();
            TestConsumer a = new TestConsumer(task, MemoryMode.ON_HEAP, "A", new ArrayList<>(), true);
            task.close();
            assertThrows(IllegalStateException.class, () -> a.grab(10));
            assertThrows(IllegalStateException.class, a::page);
            assertThrows(IllegalStateException.class,
                    () -> new TestConsumer(task, MemoryMode.ON_HEAP, "B", new ArrayList<>(), true));
            assertThrows(IllegalArgumentException.class, () -> a.grab(0));
        }
    }

    private static TestConsumer consumer(TaskMemory task, MemoryMode mode, String label, List<String> log, long bytes) {
        TestConsumer c = new TestConsumer(task, mode, label, log, true);
        assertEquals(bytes, c.grab(bytes));
        return c;
    }

    private static void releaseAll(TestConsumer... consumers) {
        for (TestConsumer c : consumers) {
            c.releaseAll();
        }
    }

    /** Reaches the protected methods of a consumer defined elsewhere in this test. */
    private record Grabber(MemoryConsumer consumer) {
        long grab(long bytes) {
            return consumer.acquireMemory(bytes);
        }

        void release(long bytes) {
            consumer.releaseMemory(bytes);
        }
    }
}
