package dev.strata.manager;

import dev.strata.MemoryMode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.collections.Long2LongHashMap;

/**
 * One memory mode's storage pool and execution pool, the bytes each task holds, and the lock that guards them all.
 * The two modes have separate instances, so ON_HEAP and OFF_HEAP never contend.
 *
 * <p>Invariants, true whenever {@link #lock} is free: {@code storagePool + executionPool == region};
 * {@code 0 <= storageUsed <= storagePool}; {@code 0 <= executionUsed <= executionPool}; {@code executionUsed} is the
 * sum of {@link #bytesByTask}. A task is in {@link #bytesByTask} (and counts in N) from its first request until it
 * holds 0 again.
 *
 * <p>Not thread-safe by itself: every method except the constructor needs {@link #lock} held.
 */
final class ModePools {
    private static final long ABSENT = -1;

    final MemoryMode mode;
    final long regionBytes;
    final long protectedStorageBytes;
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when execution memory is released, storage memory is freed, or N changes. */
    final Condition memoryReleased = lock.newCondition();

    long storagePoolBytes;
    long storageUsedBytes;
    long executionPoolBytes;
    long executionUsedBytes;
    /** Storage bytes the evictor has been asked for and has not yet answered: they are no longer evictable. */
    long evictionInFlightBytes;
    private final Long2LongHashMap bytesByTask = new Long2LongHashMap(ABSENT);
    /**
     * The tasks holding more than 0 bytes, kept beside {@link #bytesByTask} (under {@link #lock}) so that the other
     * mode can ask {@link #holds} without taking this lock.
     */
    private final Set<Long> holders = ConcurrentHashMap.newKeySet();
    /**
     * Tasks waiting in this mode while holding execution memory of the other mode. Added to before such a task checks
     * the other mode's set and removed when it stops waiting; see {@code MemoryManager.executionLoop}.
     */
    final Set<Long> crossWaiters = ConcurrentHashMap.newKeySet();

    ModePools(MemoryMode mode, long regionBytes, long initialStoragePoolBytes) {
        this.mode = mode;
        this.regionBytes = regionBytes;
        this.protectedStorageBytes = initialStoragePoolBytes;
        this.storagePoolBytes = initialStoragePoolBytes;
        this.executionPoolBytes = regionBytes - initialStoragePoolBytes;
    }

    long storageFreeBytes() {
        return storagePoolBytes - storageUsedBytes;
    }

    long executionFreeBytes() {
        return executionPoolBytes - executionUsedBytes;
    }

    /** Moves {@code bytes} of free storage memory into the execution pool. */
    void moveStorageToExecution(long bytes) {
        assert bytes >= 0 && bytes <= storageFreeBytes() : bytes + " of " + this;
        storagePoolBytes -= bytes;
        executionPoolBytes += bytes;
    }

    /** Moves {@code bytes} of free execution memory into the storage pool. */
    void moveExecutionToStorage(long bytes) {
        assert bytes >= 0 && bytes <= executionFreeBytes() : bytes + " of " + this;
        executionPoolBytes -= bytes;
        storagePoolBytes += bytes;
    }

    /** Adds {@code taskId} to the active tasks with 0 bytes; {@return true if it was not there} */
    boolean join(long taskId) {
        if (bytesByTask.get(taskId) != ABSENT) {
            return false;
        }
        bytesByTask.put(taskId, 0);
        return true;
    }

    /** {@return the execution bytes {@code taskId} holds, 0 if it is not active} */
    long heldBy(long taskId) {
        return Math.max(0, bytesByTask.get(taskId));
    }

    /**
     * {@return whether {@code taskId} holds execution memory in this mode} Lock-free, for the other mode: only the task
     * itself changes what it holds, so a task asking about itself gets an answer that stays true while it waits.
     */
    boolean holds(long taskId) {
        return holders.contains(taskId);
    }

    /** {@return N, the number of active tasks} */
    int activeTasks() {
        return bytesByTask.size();
    }

    /** Charges {@code bytes} of free execution memory to an active task. */
    void grant(long taskId, long bytes) {
        assert bytes >= 0 && bytes <= executionFreeBytes() && bytesByTask.get(taskId) != ABSENT;
        bytesByTask.put(taskId, bytesByTask.get(taskId) + bytes);
        executionUsedBytes += bytes;
        if (bytes > 0) {
            holders.add(taskId);
        }
    }

    /**
     * Returns {@code bytes} from {@code taskId} to the execution pool; the task leaves when it holds 0.
     *
     * @throws IllegalArgumentException if the task holds fewer bytes
     */
    void release(long taskId, long bytes) {
        long held = heldBy(taskId);
        if (bytes > held) {
            throw new IllegalArgumentException("releaseExecutionMemory: " + bytes + " bytes for task " + taskId
                    + " (expected: at most the " + held + " bytes it holds in " + mode + ")");
        }
        bytesByTask.put(taskId, held - bytes);
        executionUsedBytes -= bytes;
        if (held == bytes) {
            holders.remove(taskId);
        }
        leaveIfIdle(taskId);
    }

    /** Returns everything {@code taskId} holds; {@return the bytes released} */
    long releaseAll(long taskId) {
        long held = heldBy(taskId);
        bytesByTask.remove(taskId);
        holders.remove(taskId);
        executionUsedBytes -= held;
        return held;
    }

    /** Removes {@code taskId} from the active tasks if it holds 0; {@return true if it left} */
    boolean leaveIfIdle(long taskId) {
        if (bytesByTask.get(taskId) == 0) {
            bytesByTask.remove(taskId);
            return true;
        }
        return false;
    }

    boolean invariantsHold() {
        long sum = 0;
        for (Long2LongHashMap.ValueIterator it = bytesByTask.values().iterator(); it.hasNext(); ) {
            sum += it.nextValue();
        }
        return storagePoolBytes + executionPoolBytes == regionBytes
                && storageUsedBytes >= 0 && storageUsedBytes <= storagePoolBytes
                && executionUsedBytes >= 0 && executionUsedBytes <= executionPoolBytes
                && sum == executionUsedBytes && evictionInFlightBytes >= 0;
    }

    PoolState snapshot() {
        return new PoolState(mode, regionBytes, protectedStorageBytes, storagePoolBytes, storageUsedBytes,
                executionPoolBytes, executionUsedBytes, activeTasks());
    }

    @Override
    public String toString() {
        return mode + "[region=" + regionBytes + ", R=" + protectedStorageBytes + ", storage=" + storageUsedBytes + "/"
                + storagePoolBytes + ", execution=" + executionUsedBytes + "/" + executionPoolBytes + ", tasks="
                + activeTasks() + ", evicting=" + evictionInFlightBytes + "]";
    }
}
