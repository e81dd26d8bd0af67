package dev.strata;

import dev.strata.exec.ExecutionStats;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of an engine's memory: each mode's pools, each page allocator, the memory manager's counters and the bytes
 * each tier holds across all caches. Every figure is read from the live structures when {@link Engine#stats()} is
 * called; pools are each read consistently, but the snapshot as a whole is not atomic.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pools the storage and execution pools of each memory mode
 * @param allocators the page allocators (one per backend in use)
 * @param manager the memory manager's counters
 * @param execution the tasks' counters: tasks, grants, shortfalls, spills and spilled bytes
 * @param tierBytes bytes held per tier, summed over the engine's caches
 * @param diskQuotaBytes the disk quota, 0 without a disk
 * @param diskUsedBytes bytes of disk the engine's disk tiers use
 * @param diskIndexLimitBytes the most heap the disk tiers' indexes may be charged, 0 without a disk
 * @param diskIndexBytes what the keys on disk are charged in the disk tiers' indexes now
 * @param offHeapTableBytes the heap the off-heap tiers' record tables take now (one {@code long} per slot, tables at
 *                          most half full), outside the heap region
 * @param offHeapTableLimitBytes the most heap the off-heap tiers' record tables may take (the tiers stop taking pages
 *                               at half of it), 0 without an off-heap region
 */
public record EngineStats(List<Pool> pools, List<Allocator> allocators, Manager manager, ExecutionStats execution,
                          Map<Tier, Long> tierBytes, long diskQuotaBytes, long diskUsedBytes,
                          long diskIndexLimitBytes, long diskIndexBytes, long offHeapTableBytes,
                          long offHeapTableLimitBytes) {

    /**
     * Copies the collections.
     *
     * @throws NullPointerException if a collection is null
     */
    public EngineStats {
        pools = List.copyOf(pools);
        allocators = List.copyOf(allocators);
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(execution, "execution");
        tierBytes = Map.copyOf(tierBytes);
    }

    /**
     * {@return the pools of one memory mode}
     *
     * @param mode the mode
     * @throws IllegalArgumentException if the snapshot has no pool for that mode
     */
    public Pool pool(MemoryMode mode) {
        return pools.stream().filter(p -> p.mode() == mode).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no pool for mode " + mode));
    }

    /**
     * The storage and execution pools of one memory mode. Storage pool size plus execution pool size always equals the
     * region; the boundary moves when the unified manager lends memory.
     *
     * @param mode the memory mode
     * @param regionBytes the mode's region (storage pool + execution pool)
     * @param protectedStorageBytes the protected storage region R that execution cannot evict
     * @param storagePoolBytes the storage pool's current size
     * @param storageUsedBytes storage memory in use (cached data)
     * @param executionPoolBytes the execution pool's current size
     * @param executionUsedBytes execution memory in use (tasks)
     * @param activeTasks tasks holding or waiting for execution memory
     */
    public record Pool(MemoryMode mode, long regionBytes, long protectedStorageBytes, long storagePoolBytes,
                       long storageUsedBytes, long executionPoolBytes, long executionUsedBytes, int activeTasks) {

        /** {@return bytes the storage pool has borrowed from execution beyond its initial share (0 when none)} */
        public long storageBorrowedBytes() {
            return Math.max(0, storagePoolBytes - protectedStorageBytes);
        }
    }

    /**
     * One page allocator's slabs and pages.
     *
     * @param backend where its slabs come from: {@code DIRECT_BUFFER}, {@code ARENA} or {@code HEAP}
     * @param slabs slabs currently held
     * @param pagesTotal pages in those slabs
     * @param pagesUsed pages handed out
     * @param bytesReserved bytes of all slabs held (native or heap memory actually taken)
     * @param budgetBytes the most bytes the allocator may ever hold
     * @param pageSize the page size in bytes
     */
    public record Allocator(String backend, int slabs, long pagesTotal, long pagesUsed, long bytesReserved,
                            long budgetBytes, long pageSize) {
    }

    /**
     * The memory manager's counters since the engine started.
     *
     * @param kind the manager kind
     * @param storageGrants storage requests granted
     * @param storageRefusals storage requests refused (the cache then moved entries down a tier)
     * @param executionGrants execution requests answered with at least one byte
     * @param executionShortfalls execution requests granted less than asked (the consumer had to spill)
     * @param executionWaits times a task waited for its fair share
     * @param storageEvictedForExecutionBytes storage bytes moved down a tier so that execution could have them
     */
    public record Manager(MemoryManagerKind kind, long storageGrants, long storageRefusals, long executionGrants,
                          long executionShortfalls, long executionWaits, long storageEvictedForExecutionBytes) {
    }
}
