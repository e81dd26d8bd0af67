package dev.strata.manager;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import java.util.Objects;

/**
 * Arbitrates each memory mode's region between storage (cached data) and execution (working memory of tasks), after
 * Spark's executor memory model. Two kinds: {@link StaticMemoryManager} (fixed partitions) and
 * {@link UnifiedMemoryManager} (movable boundary, the default); see the latter for the algorithms.
 *
 * <p>Each mode has its own pools and its own lock, so ON_HEAP and OFF_HEAP requests never contend. The manager only
 * counts bytes: callers allocate and free the memory itself. All methods are thread-safe.
 *
 * <p>Execution fairness (both kinds): with N active tasks in a mode, a task may hold at most
 * {@code maxExecutionPool / N} and is guaranteed {@code executionPool / (2N)} before it has to wait; it may be
 * granted less than it asked, even 0, and must then spill. A task becomes active with its first request in a mode
 * and stops being active when it holds 0 bytes there again.
 */
public abstract sealed class MemoryManager permits StaticMemoryManager, UnifiedMemoryManager {

    /** How many evictions in a row one execution request may trigger before it settles for what is free. */
    static final int MAX_EVICTION_ROUNDS = 8;

    private final ModePools onHeap;
    private final ModePools offHeap;
    final Counters counters = new Counters();
    private volatile StorageEvictor evictor = StorageEvictor.NONE;

    MemoryManager(long onHeapRegionBytes, long offHeapRegionBytes, double storageFraction) {
        onHeap = new ModePools(MemoryMode.ON_HEAP, onHeapRegionBytes,
                protectedStorageBytes(onHeapRegionBytes, storageFraction));
        offHeap = new ModePools(MemoryMode.OFF_HEAP, offHeapRegionBytes,
                protectedStorageBytes(offHeapRegionBytes, storageFraction));
    }

    /**
     * Creates a manager over two regions.
     *
     * @param kind which manager: {@link MemoryManagerKind#UNIFIED} (the engine's default) or
     *     {@link MemoryManagerKind#STATIC}
     * @param onHeapRegion the on-heap region in bytes, {@code >= 0}
     * @param offHeapRegion the off-heap region in bytes, {@code >= 0} (0 when there is no off-heap memory)
     * @param storageFraction in {@code [0, 1)}; the engine's default is 0.5. Unified: the protected storage region R
     *     as a fraction of each mode's region (also the storage pool's initial size). Static: the storage pool's
     *     fixed share of each region; execution gets the rest. See {@link #protectedStorageBytes(long, double)}.
     * @return a new manager with empty pools and an evictor that evicts nothing
     * @throws NullPointerException if {@code kind} is null
     * @throws IllegalArgumentException if a region is negative or the fraction is outside {@code [0, 1)}
     */
    public static MemoryManager create(MemoryManagerKind kind, long onHeapRegion, long offHeapRegion,
                                       double storageFraction) {
        Objects.requireNonNull(kind, "kind");
        checkRegion("onHeapRegion", onHeapRegion);
        checkRegion("offHeapRegion", offHeapRegion);
        checkStorageFraction(storageFraction);
        return switch (kind) {
            case STATIC -> new StaticMemoryManager(onHeapRegion, offHeapRegion, storageFraction);
            case UNIFIED -> new UnifiedMemoryManager(onHeapRegion, offHeapRegion, storageFraction);
        };
    }

    /**
     * The one rounding rule for the storage share of a region, shared with the memory plan:
     * {@code floor(regionBytes × storageFraction)}, never more than the region.
     *
     * @param regionBytes a mode's region, {@code >= 0}
     * @param storageFraction in {@code [0, 1)}
     * @return R for a unified manager, the storage pool for a static one
     * @throws IllegalArgumentException if the region is negative or the fraction is outside {@code [0, 1)}
     */
    public static long protectedStorageBytes(long regionBytes, double storageFraction) {
        checkRegion("regionBytes", regionBytes);
        checkStorageFraction(storageFraction);
        return Math.min(regionBytes, (long) Math.floor(regionBytes * storageFraction));
    }

    /** {@return which kind of manager this is} */
    public abstract MemoryManagerKind kind();

    /**
     * Reserves {@code bytes} of storage memory for a cache entry. Never blocks and never evicts: when refused, the
     * caller (a cache tier) evicts its own entries and retries, or gives up. A refusal changes nothing but the
     * refusal counter.
     *
     * <p>Unified: refuses at once when {@code bytes > region − executionUsed} (evicting cached data cannot help);
     * if storage's free memory is short, borrows the shortfall from free execution memory when that makes it fit
     * (Spark's borrowing, except that nothing is borrowed for a request that is refused anyway); and it leaves alone
     * the bytes that evictions for execution are freeing at that moment (they are the waiting task's). Static: only
     * the storage pool's own free memory.
     *
     * @param bytes how many bytes, {@code > 0}
     * @param mode the memory mode
     * @return true if reserved, false if refused
     * @throws IllegalArgumentException if {@code bytes <= 0}
     * @throws NullPointerException if {@code mode} is null
     */
    public final boolean acquireStorageMemory(long bytes, MemoryMode mode) {
        checkBytes("acquireStorageMemory", bytes);
        ModePools pools = pools(mode);
        pools.lock.lock();
        try {
            boolean fits = makeRoomForStorage(pools, bytes);
            if (fits) {
                pools.storageUsedBytes += bytes;
                counters.storageGrants.increment();
            } else {
                counters.storageRefusals.increment();
            }
            assert pools.invariantsHold() : pools;
            return fits;
        } finally {
            pools.lock.unlock();
        }
    }

    /**
     * Returns storage memory (an entry was removed or moved to another tier) and wakes tasks waiting for execution
     * memory, which may take it.
     *
     * @param bytes how many bytes, {@code > 0}
     * @param mode the memory mode
     * @throws IllegalArgumentException if {@code bytes <= 0} or more than storage holds in {@code mode}
     * @throws NullPointerException if {@code mode} is null
     */
    public final void releaseStorageMemory(long bytes, MemoryMode mode) {
        checkBytes("releaseStorageMemory", bytes);
        ModePools pools = pools(mode);
        pools.lock.lock();
        try {
            if (bytes > pools.storageUsedBytes) {
                throw new IllegalArgumentException("releaseStorageMemory: " + bytes + " bytes (expected: at most the "
                        + pools.storageUsedBytes + " bytes storage holds in " + mode + ")");
            }
            pools.storageUsedBytes -= bytes;
            pools.memoryReleased.signalAll();
            assert pools.invariantsHold() : pools;
        } finally {
            pools.lock.unlock();
        }
    }

    /**
     * Grants a task execution memory: Spark's execution-pool loop with a fairness cap of
     * {@code maxExecutionPool / N} and a floor of {@code executionPool / (2N)}. May return less than asked, even 0
     * (the task must then spill); waits, interruptibly, only while the task would hold less than
     * {@code executionPool / (2N)} and some other task holds memory that a release could free. A task already
     * holding at least that never waits, and neither does a task holding execution memory of the other mode while a
     * task holding this mode's waits in the other: the two would wait for each other forever. Unified: takes free
     * storage memory and asks the {@link StorageEvictor} to evict cached data down to R, outside the lock (see
     * {@link UnifiedMemoryManager}). Static: its own pool only.
     *
     * @param bytes how many bytes, {@code > 0}
     * @param taskId the task asking; its grants add up until released
     * @param mode the memory mode
     * @return the bytes granted, in {@code [0, bytes]}
     * @throws IllegalArgumentException if {@code bytes <= 0}
     * @throws NullPointerException if {@code mode} is null
     * @throws InterruptedException if interrupted while waiting; nothing is granted by this call then
     */
    public final long acquireExecutionMemory(long bytes, long taskId, MemoryMode mode) throws InterruptedException {
        checkBytes("acquireExecutionMemory", bytes);
        ModePools pools = pools(mode);
        pools.lock.lock();
        try {
            if (pools.join(taskId)) {
                pools.memoryReleased.signalAll();     // N grew: waiters' shares changed
            }
            return executionLoop(pools, bytes, taskId);
        } finally {
            if (pools.leaveIfIdle(taskId)) {
                pools.memoryReleased.signalAll();     // N shrank
            }
            assert pools.invariantsHold() : pools;
            pools.lock.unlock();
        }
    }

    private long executionLoop(ModePools pools, long bytes, long taskId) throws InterruptedException {
        int evictionRounds = 0;
        while (true) {
            long held = pools.heldBy(taskId);
            int tasks = pools.activeTasks();
            long maxPerTask = maxExecutionPoolBytes(pools) / tasks;
            long wanted = Math.min(bytes, Math.max(0, maxPerTask - held));
            long shortfall = wanted - pools.executionFreeBytes();
            if (shortfall > 0) {
                takeFreeStorage(pools, shortfall);
                shortfall = wanted - pools.executionFreeBytes();
            }
            if (shortfall > 0 && evictionRounds < MAX_EVICTION_ROUNDS) {
                long request = Math.min(shortfall, evictableStorageBytes(pools));
                if (request > 0) {
                    evictionRounds++;
                    if (evictOutsideLock(pools, request) > 0) {
                        continue;                      // re-evaluate: N, storage and the pool may all have moved
                    }
                    evictionRounds = MAX_EVICTION_ROUNDS;   // the evictor could free nothing: stop asking
                }
            }
            long minPerTask = pools.executionPoolBytes / (2L * tasks);
            long grant = Math.min(wanted, pools.executionFreeBytes());
            if (grant < bytes && held + grant < minPerTask && mayWait(pools, taskId)) {
                counters.executionWaits.increment();
                ManagerEvents.ExecutionWait event = new ManagerEvents.ExecutionWait();
                event.begin();
                try {
                    pools.memoryReleased.await();
                } finally {
                    pools.crossWaiters.remove(taskId);
                }
                if (event.shouldCommit()) {
                    event.mode = pools.mode.name();
                    event.taskId = taskId;
                    event.askedBytes = bytes;
                    event.heldBytes = held;
                    event.activeTasks = tasks;
                    event.commit();
                }
                evictionRounds = 0;
                continue;
            }
            pools.grant(taskId, grant);
            (grant == bytes ? counters.executionGrants : counters.executionShortfalls).increment();
            return grant;
        }
    }

    /**
     * {@return whether the task may wait in {@code pools}' mode for its share} Two tasks that each held one mode while
     * waiting in the other would wait for each other forever. So a task holding the other mode's memory registers as
     * a cross waiter, then looks for cross waiters of the other mode: if there is one (it holds this mode's memory),
     * the task does not wait. Each registers before it looks, so of two such tasks at least one sees the other. With
     * no cross waiters on one side, no cycle of waits can close: within one mode, the 1/(2N) arithmetic leaves some
     * holder not waiting. Lock of {@code pools} held.
     */
    private boolean mayWait(ModePools pools, long taskId) {
        ModePools other = otherMode(pools);
        if (!other.holds(taskId)) {
            return true;
        }
        pools.crossWaiters.add(taskId);
        if (other.crossWaiters.isEmpty()) {
            return true;
        }
        pools.crossWaiters.remove(taskId);
        return false;
    }

    /** Asks the evictor for {@code request} bytes with the lock released; {@return the bytes it freed} */
    private long evictOutsideLock(ModePools pools, long request) {
        StorageEvictor storageEvictor = evictor;
        pools.evictionInFlightBytes += request;
        counters.evictionCalls.increment();
        long freed = 0;
        ManagerEvents.StorageEviction event = new ManagerEvents.StorageEviction();
        pools.lock.unlock();
        try {
            event.begin();
            freed = storageEvictor.evictStorage(pools.mode, request);
            if (event.shouldCommit()) {
                event.mode = pools.mode.name();
                event.requestedBytes = request;
                event.freedBytes = freed;
                event.commit();
            }
        } finally {
            pools.lock.lock();
            pools.evictionInFlightBytes -= request;
        }
        if (freed < 0) {
            throw new IllegalStateException("storage evictor returned " + freed + " bytes freed for a request of "
                    + request + " in " + pools.mode + " (expected: >= 0)");
        }
        counters.evictedForExecutionBytes.add(freed);
        return freed;
    }

    /**
     * Returns execution memory from a task and wakes waiting tasks. The task stops being active when it holds 0.
     *
     * @param bytes how many bytes, {@code > 0}
     * @param taskId the task
     * @param mode the memory mode
     * @throws IllegalArgumentException if {@code bytes <= 0} or more than the task holds in {@code mode}
     * @throws NullPointerException if {@code mode} is null
     */
    public final void releaseExecutionMemory(long bytes, long taskId, MemoryMode mode) {
        checkBytes("releaseExecutionMemory", bytes);
        ModePools pools = pools(mode);
        pools.lock.lock();
        try {
            pools.release(taskId, bytes);
            pools.memoryReleased.signalAll();
            assert pools.invariantsHold() : pools;
        } finally {
            pools.lock.unlock();
        }
    }

    /**
     * Returns everything a task holds in both modes (at task end) and wakes waiting tasks.
     *
     * @param taskId the task
     * @return the bytes released, 0 if it held nothing
     */
    public final long releaseAllExecutionMemory(long taskId) {
        return releaseAll(onHeap, taskId) + releaseAll(offHeap, taskId);
    }

    private static long releaseAll(ModePools pools, long taskId) {
        pools.lock.lock();
        try {
            long released = pools.releaseAll(taskId);
            pools.memoryReleased.signalAll();
            assert pools.invariantsHold() : pools;
            return released;
        } finally {
            pools.lock.unlock();
        }
    }

    /**
     * Installs the callback that evicts cached data for execution (unified only; a static manager never calls it).
     *
     * @param evictor the evictor; {@link StorageEvictor#NONE} evicts nothing (the default)
     * @throws NullPointerException if {@code evictor} is null
     */
    public final void setStorageEvictor(StorageEvictor evictor) {
        this.evictor = Objects.requireNonNull(evictor, "evictor");
    }

    /**
     * {@return the largest storage request that can succeed in {@code mode} once the cache has evicted enough of
     * its own entries: region − execution used (unified), the storage pool (static)}
     *
     * @param mode the memory mode
     * @throws NullPointerException if {@code mode} is null
     */
    public final long maxStorageBytes(MemoryMode mode) {
        ModePools pools = pools(mode);
        pools.lock.lock();
        try {
            return maxStorageBytes(pools);
        } finally {
            pools.lock.unlock();
        }
    }

    /**
     * {@return a consistent snapshot of {@code mode}'s pools}
     *
     * @param mode the memory mode
     * @throws NullPointerException if {@code mode} is null
     */
    public final PoolState state(MemoryMode mode) {
        ModePools pools = pools(mode);
        pools.lock.lock();
        try {
            return pools.snapshot();
        } finally {
            pools.lock.unlock();
        }
    }

    /** {@return a snapshot of the counters, summed over both modes} */
    public final ManagerStats stats() {
        return counters.snapshot();
    }

    @Override
    public String toString() {
        return kind() + " memory manager " + state(MemoryMode.ON_HEAP) + " " + state(MemoryMode.OFF_HEAP);
    }

    // ---- what the two kinds do differently; each is called with the mode's lock held ----

    /** Makes {@code bytes} of storage memory free if the kind allows; {@return true if they are free now} */
    abstract boolean makeRoomForStorage(ModePools pools, long bytes);

    /** {@return the largest storage request that could succeed after the cache evicted its own entries} */
    abstract long maxStorageBytes(ModePools pools);

    /** {@return what the execution pool could reach if all evictable storage were evicted: the fairness numerator} */
    abstract long maxExecutionPoolBytes(ModePools pools);

    /** Moves up to {@code shortfall} bytes of free storage memory into the execution pool, if the kind allows. */
    abstract void takeFreeStorage(ModePools pools, long shortfall);

    /** {@return cached bytes execution may still ask the evictor for: 0 unless the kind evicts} */
    abstract long evictableStorageBytes(ModePools pools);

    private ModePools pools(MemoryMode mode) {
        return switch (Objects.requireNonNull(mode, "mode")) {
            case ON_HEAP -> onHeap;
            case OFF_HEAP -> offHeap;
        };
    }

    private ModePools otherMode(ModePools pools) {
        return pools == onHeap ? offHeap : onHeap;
    }

    private static void checkBytes(String operation, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(operation + ": bytes: " + bytes + " (expected: > 0)");
        }
    }

    private static void checkRegion(String name, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": " + bytes + " bytes (expected: >= 0)");
        }
    }

    private static void checkStorageFraction(double storageFraction) {
        if (!(storageFraction >= 0 && storageFraction < 1)) {
            throw new IllegalArgumentException("storageFraction: " + storageFraction + " (expected: in [0, 1))");
        }
    }
}
