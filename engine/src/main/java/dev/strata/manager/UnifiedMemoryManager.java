package dev.strata.manager;

import dev.strata.MemoryManagerKind;

/*
 * Design: the unified memory manager (after Spark's UnifiedMemoryManager; see research/spark-memory.md 1, 3).
 *
 * Notation, per memory mode (ON_HEAP and OFF_HEAP are independent copies of everything below):
 *   M   the mode's region: what storage and execution share (the engine's heap region, or its off-heap size).
 *   R   the protected storage region, floor(M x storageFraction). The storage pool starts at R, execution at M - R.
 *       R is not a reservation: execution may use *free* memory inside R. It only means cached data below R is
 *       never evicted for execution.
 *   S   the storage pool (size S.pool, used S.used); E the execution pool (E.pool, E.used).
 *   N   active tasks in the mode: a task joins with its first request and leaves when it holds 0 bytes.
 *
 * Invariants (asserted after every operation, and by the randomized model test):
 *   S.pool + E.pool == M;  0 <= S.used <= S.pool;  0 <= E.used <= E.pool;  E.used == sum of the tasks' bytes.
 *   Execution never lowers S.used below R; storage never takes *used* execution memory.
 *
 * acquireStorage(b):
 *   1. b > M - E.used            -> refuse (even evicting every cached entry could not make room).
 *   2. b > S.free + E.free - (evictions in flight) -> refuse: what an eviction for execution frees is the
 *      execution task's, not the next put's (see "reserved" below).
 *   3. b > S.free -> move b - S.free from E to S (borrow free execution memory).
 *   4. S.used += b. Never blocks, never evicts: a refused cache evicts its own entries (through this manager's
 *      releaseStorage) and retries.
 *
 * acquireExecution(b, task):   (loop; every step re-reads the pools)
 *   cap    = (M - min(S.used, R)) / N        what the task may hold (SPARK-12155: counts evictable storage)
 *   wanted = min(b, max(0, cap - held))
 *   short  = wanted - E.free
 *   a. short > 0: move min(short, S.free) from S to E (free storage memory, even inside R).
 *   b. still short > 0 and S.used - R - (evictions in flight) > 0: ask the StorageEvictor for exactly
 *      min(short, that), with the lock released; the evictor releases storage memory as it moves entries down a
 *      tier, so the next round finds it free in step a. At most MAX_EVICTION_ROUNDS evictions per wait; an
 *      eviction that frees nothing ends them.
 *   c. grant = min(wanted, E.free). If grant < b and held + grant < E.pool / (2N): wait on the mode's condition
 *      (interruptibly) and loop; every release, storage release and change of N signals it. Otherwise grant.
 *
 * Differences from Spark, on purpose (research "Implications" 8-11):
 *   - The evictor runs outside the lock: evicting means encoding and writing entries to a lower tier, which can
 *     take long and do I/O; other tasks and the other mode keep going meanwhile.
 *   - Eviction asks for what the task can actually receive (its capped want, not b) and never for more than
 *     S.used - R; bytes already asked for by a concurrent eviction are not asked for twice. Spark evicts whole
 *     blocks, all-or-nothing, and can push storage below R by up to a block.
 *   - Bounded eviction rounds, then the task takes what is free (or waits, if below its 1/(2N)).
 *   - Reserved: while an eviction for execution runs, storage requests may not take the bytes it was asked for. Spark
 *     evicts under its one lock, so the freed memory cannot be taken before the task does; here the evictor runs
 *     without the lock, and caches putting meanwhile took what it freed, round after round, until the task gave up
 *     with a short grant and storage still above R (one run in about a hundred of ConcurrentModelIT's scenario).
 *   - One ReentrantLock and one Condition per mode instead of one monitor for the whole manager; waits are
 *     interruptible; storage releases wake waiting tasks too (they can take the freed memory).
 *   - Storage borrows execution memory only for a request that then fits; a refusal changes nothing.
 *
 * Locks: a mode's pools are guarded by that mode's lock, held only for arithmetic; no callback runs under it.
 */

/**
 * The default manager: one region per mode shared by storage and execution with a movable boundary. Storage borrows
 * free execution memory; execution takes free storage memory and has cached data evicted down to the protected
 * storage region R (storageFraction × region; the engine's default fraction is 0.5); storage never evicts execution.
 * Thread-safe; the algorithms and invariants are in the design comment at the top of this file.
 */
public final class UnifiedMemoryManager extends MemoryManager {

    UnifiedMemoryManager(long onHeapRegionBytes, long offHeapRegionBytes, double storageFraction) {
        super(onHeapRegionBytes, offHeapRegionBytes, storageFraction);
    }

    /** {@return {@link MemoryManagerKind#UNIFIED}} */
    @Override
    public MemoryManagerKind kind() {
        return MemoryManagerKind.UNIFIED;
    }

    @Override
    boolean makeRoomForStorage(ModePools pools, long bytes) {
        if (bytes > maxStorageBytes(pools)
                || bytes > pools.storageFreeBytes() + pools.executionFreeBytes() - pools.evictionInFlightBytes) {
            return false;                              // the bytes evictions free for execution are not storage's
        }
        long shortfall = bytes - pools.storageFreeBytes();
        if (shortfall <= 0) {
            return true;
        }
        pools.moveExecutionToStorage(shortfall);
        counters.storageBorrowedBytes.add(shortfall);
        return true;
    }

    @Override
    long maxStorageBytes(ModePools pools) {
        return pools.regionBytes - pools.executionUsedBytes;
    }

    @Override
    long maxExecutionPoolBytes(ModePools pools) {
        return pools.regionBytes - Math.min(pools.storageUsedBytes, pools.protectedStorageBytes);
    }

    @Override
    void takeFreeStorage(ModePools pools, long shortfall) {
        pools.moveStorageToExecution(Math.min(shortfall, pools.storageFreeBytes()));
    }

    @Override
    long evictableStorageBytes(ModePools pools) {
        return Math.max(0, pools.storageUsedBytes - pools.protectedStorageBytes - pools.evictionInFlightBytes);
    }
}
