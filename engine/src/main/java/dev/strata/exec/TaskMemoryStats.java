package dev.strata.exec;

/**
 * A snapshot of one task's execution memory and counters since the task started.
 *
 * <p>Immutable and thread-safe.
 *
 * @param taskId the task's id, unique within its engine
 * @param onHeapUsedBytes execution memory the task holds on the heap now
 * @param offHeapUsedBytes execution memory the task holds off the heap now
 * @param pagesHeld pages its consumers hold now
 * @param consumers consumers holding memory now
 * @param grants requests to the memory manager that got every byte they asked for
 * @param shortfalls requests to the memory manager that got less (possibly 0); each leads to spills or a refusal
 * @param spills spill calls that freed memory
 * @param spilledBytes execution memory those spills freed
 * @param spillFileBytes bytes written to spill files by the task's consumers
 */
public record TaskMemoryStats(long taskId, long onHeapUsedBytes, long offHeapUsedBytes, int pagesHeld, int consumers,
                              long grants, long shortfalls, long spills, long spilledBytes, long spillFileBytes) {
}
