package dev.strata.manager;

import static dev.strata.MemoryMode.ON_HEAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import dev.strata.testing.FlightRecordings;
import dev.strata.testing.Latches;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory manager's JDK Flight Recorder events ({@link ManagerEvents}): a storage eviction for execution and a
 * task's wait for its share are each recorded once, with the figures the manager worked with. Real recordings, read
 * back from their files; the wait is detected through the manager's own count of waits, not a timing.
 */
class ManagerEventsTest {

    private static final String EVICTION = "dev.strata.StorageEvictedForExecution";
    private static final String WAIT = "dev.strata.ExecutionMemoryWait";

    @TempDir
    Path dir;

    @Test
    void aStorageEvictionForExecution_isRecordedWithWhatItAskedAndFreed() throws Exception {
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 1000, 1000, 0.5);   // R = 500
        TestCache cache = new TestCache(manager, 1);
        assertTrue(cache.put(1000, ON_HEAP));                             // storage holds the whole region
        manager.setStorageEvictor(cache);
        List<RecordedEvent> events = FlightRecordings.record(dir, List.of(EVICTION),
                () -> assertEquals(300, manager.acquireExecutionMemory(300, 1, ON_HEAP)));
        assertEquals(1, events.size(), events.toString());
        RecordedEvent event = events.getFirst();
        assertEquals("ON_HEAP", event.getString("mode"));
        assertEquals(300, event.getLong("requestedBytes"));
        assertEquals(300, event.getLong("freedBytes"));
        assertEquals(Thread.currentThread().getName(), event.getThread().getJavaName(), "the asking task's thread");
    }

    @Test
    void aWaitForTheTasksShare_isRecordedWithTheTaskAndItsShare() throws Exception {
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 1000, 1000, 0.0);
        assertEquals(1000, manager.acquireExecutionMemory(1000, 1, ON_HEAP));
        List<RecordedEvent> events = FlightRecordings.record(dir, List.of(WAIT), () -> {
            FutureTask<Long> second = new FutureTask<>(() -> manager.acquireExecutionMemory(300, 2, ON_HEAP));
            Thread.ofPlatform().name("task-2").daemon().start(second);   // N = 2: cap 500, floor 250, none free
            ExecutionFairnessTest.awaitUntil(() -> manager.stats().executionWaits(), 1);   // counted as it waits
            manager.releaseExecutionMemory(300, 1, ON_HEAP);
            assertEquals(300, second.get(Latches.HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent event = events.getFirst();
        assertEquals("ON_HEAP", event.getString("mode"));
        assertEquals(2, event.getLong("taskId"));
        assertEquals(300, event.getLong("askedBytes"));
        assertEquals(0, event.getLong("heldBytes"));
        assertEquals(2, event.getInt("activeTasks"));
        assertEquals("task-2", event.getThread().getJavaName());
    }
}
