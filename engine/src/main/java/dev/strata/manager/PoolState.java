package dev.strata.manager;

import dev.strata.MemoryMode;
import java.util.Objects;

/**
 * A consistent snapshot of one memory mode's two pools, taken under that mode's lock.
 *
 * <p>The storage pool starts at {@code protectedStorageBytes} and the execution pool at the rest of the region; a
 * unified manager moves the boundary, a static manager never does. Always
 * {@code storagePoolBytes + executionPoolBytes == regionBytes}, and each pool's used bytes are at most its size.
 *
 * @param mode the memory mode
 * @param regionBytes the mode's region: what storage and execution share
 * @param protectedStorageBytes the protected storage region R (unified: storage fraction × region, cached data
 *     below it is never evicted for execution); for a static manager, the storage pool's fixed size
 * @param storagePoolBytes the storage pool's current size
 * @param storageUsedBytes the bytes cached data holds
 * @param executionPoolBytes the execution pool's current size
 * @param executionUsedBytes the bytes tasks hold
 * @param activeTasks N: tasks holding execution memory in this mode, or waiting for it
 */
public record PoolState(MemoryMode mode, long regionBytes, long protectedStorageBytes, long storagePoolBytes,
                        long storageUsedBytes, long executionPoolBytes, long executionUsedBytes, int activeTasks) {

    /**
     * Checks the invariants above.
     *
     * @throws NullPointerException if {@code mode} is null
     * @throws IllegalArgumentException if a size is negative, the pools do not add up to the region, a pool holds
     *     more than its size, or R exceeds the region
     */
    public PoolState {
        Objects.requireNonNull(mode, "mode");
        if (regionBytes < 0 || protectedStorageBytes < 0 || storageUsedBytes < 0 || executionUsedBytes < 0
                || activeTasks < 0 || protectedStorageBytes > regionBytes
                || storagePoolBytes < storageUsedBytes || executionPoolBytes < executionUsedBytes
                || storagePoolBytes + executionPoolBytes != regionBytes) {
            throw new IllegalArgumentException("pool state " + describe(mode, regionBytes, protectedStorageBytes,
                    storagePoolBytes, storageUsedBytes, executionPoolBytes, executionUsedBytes, activeTasks)
                    + " (expected: sizes >= 0, storage pool + execution pool == region, used <= pool, R <= region)");
        }
    }

    /** {@return free storage memory: storage pool minus storage used} */
    public long storageFreeBytes() {
        return storagePoolBytes - storageUsedBytes;
    }

    /** {@return free execution memory: execution pool minus execution used} */
    public long executionFreeBytes() {
        return executionPoolBytes - executionUsedBytes;
    }

    /** {@return execution memory the storage pool has borrowed: how far the storage pool exceeds R, else 0} */
    public long storageBorrowedBytes() {
        return Math.max(0, storagePoolBytes - protectedStorageBytes);
    }

    /** {@return storage memory the execution pool has taken: how far it exceeds region − R, else 0} */
    public long executionBorrowedBytes() {
        return Math.max(0, executionPoolBytes - (regionBytes - protectedStorageBytes));
    }

    /** {@return cached bytes execution may still evict: storage used above R, else 0 (always 0 when static)} */
    public long evictableStorageBytes() {
        return Math.max(0, storageUsedBytes - protectedStorageBytes);
    }

    @Override
    public String toString() {
        return describe(mode, regionBytes, protectedStorageBytes, storagePoolBytes, storageUsedBytes,
                executionPoolBytes, executionUsedBytes, activeTasks);
    }

    private static String describe(MemoryMode mode, long region, long protectedStorage, long storagePool,
                                   long storageUsed, long executionPool, long executionUsed, int tasks) {
        return mode + "[region=" + region + ", R=" + protectedStorage + ", storage=" + storageUsed + "/" + storagePool
                + ", execution=" + executionUsed + "/" + executionPool + ", tasks=" + tasks + "]";
    }
}
