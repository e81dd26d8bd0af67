package dev.strata.manager;

/**
 * A snapshot of a memory manager's counters since it was created, summed over both memory modes. Each counter is
 * read atomically, but the snapshot as a whole is not taken at one instant.
 *
 * @param storageGrants storage acquisitions that succeeded
 * @param storageRefusals storage acquisitions that were refused (the caller evicts and retries, or gives up)
 * @param storageBorrowedFromExecutionBytes bytes the storage pool took from free execution memory (unified only)
 * @param executionGrants execution acquisitions that got every byte they asked for
 * @param executionShortfalls execution acquisitions that got less than they asked for (possibly 0); the task spills
 * @param executionWaits times a task waited for its guaranteed share of 1/(2N) of the execution pool
 * @param storageEvictedForExecutionBytes storage bytes the evictor freed at execution's request (unified only)
 * @param evictionCalls calls to the {@link StorageEvictor} (unified only)
 */
public record ManagerStats(long storageGrants, long storageRefusals, long storageBorrowedFromExecutionBytes,
                           long executionGrants, long executionShortfalls, long executionWaits,
                           long storageEvictedForExecutionBytes, long evictionCalls) {
}
