package dev.strata.exec;

/**
 * Engine-wide counters of execution memory, summed over every task the engine has started. Each counter is read
 * atomically; the snapshot as a whole is not taken at one instant.
 *
 * <p>Immutable and thread-safe.
 *
 * @param tasksStarted tasks created
 * @param tasksOpen tasks not yet closed
 * @param grants requests to the memory manager that got every byte they asked for
 * @param shortfalls requests to the memory manager that got less (possibly 0)
 * @param spills spill calls that freed memory
 * @param spilledBytes execution memory those spills freed
 * @param spillFileBytes bytes written to spill files
 * @param leakedBytes execution memory still held by consumers when their task closed (released by the close)
 */
public record ExecutionStats(long tasksStarted, long tasksOpen, long grants, long shortfalls, long spills,
                             long spilledBytes, long spillFileBytes, long leakedBytes) {
}
