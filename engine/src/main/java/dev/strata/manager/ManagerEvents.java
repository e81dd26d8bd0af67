package dev.strata.manager;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder events of the memory manager: where a task asking for execution memory spends its time,
 * waiting for its share or for the caches to move storage down a tier. Recorded only while a recording has them
 * enabled; otherwise an event is an object made and dropped, once per wait or eviction call.
 *
 * <p>Thread-safe as JFR events are: each is filled and committed by the thread that made it.
 */
final class ManagerEvents {

    private ManagerEvents() {
    }

    /** The manager asked the caches to free storage memory for execution, with its lock released. */
    @Name("dev.strata.StorageEvictedForExecution")
    @Label("Strata Storage Evicted For Execution")
    @Category({"Strata", "Memory"})
    @Description("A task's request for execution memory had the caches move stored entries down a tier")
    @StackTrace(false)
    static final class StorageEviction extends Event {
        @Label("Mode")
        String mode;

        @Label("Requested")
        @Description("The storage bytes asked of the caches")
        @DataAmount
        long requestedBytes;

        @Label("Freed")
        @Description("The storage bytes they freed")
        @DataAmount
        long freedBytes;
    }

    /** A task waited for its share of execution memory (at least 1/(2N) of the pool) until another released some. */
    @Name("dev.strata.ExecutionMemoryWait")
    @Label("Strata Execution Memory Wait")
    @Category({"Strata", "Memory"})
    @Description("A task waited for its guaranteed share of execution memory until another task released some")
    @StackTrace(false)
    static final class ExecutionWait extends Event {
        @Label("Mode")
        String mode;

        @Label("Task")
        long taskId;

        @Label("Asked")
        @Description("The bytes the task asked for")
        @DataAmount
        long askedBytes;

        @Label("Held")
        @Description("The bytes the task held when it began to wait")
        @DataAmount
        long heldBytes;

        @Label("Active Tasks")
        @Description("The tasks sharing the pool when it began to wait")
        int activeTasks;
    }
}
