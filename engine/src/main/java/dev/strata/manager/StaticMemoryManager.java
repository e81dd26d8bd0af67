package dev.strata.manager;

import dev.strata.MemoryManagerKind;

/**
 * Fixed partitions, as Spark's legacy manager: in each mode the storage pool is
 * {@code floor(region × storageFraction)} (the engine's default storage fraction is 0.5, so half) and the execution
 * pool is the rest. Neither side ever borrows from the other and execution never evicts storage: a full storage pool
 * makes the cache evict its own entries, a full execution pool makes tasks spill or wait for their 1/(2N) share.
 *
 * <p>Unlike Spark's static manager, both modes are split the same way (Spark gave all off-heap memory to execution),
 * and there is no hidden safety fraction: the storage fraction is the whole rule. Thread-safe.
 */
public final class StaticMemoryManager extends MemoryManager {

    StaticMemoryManager(long onHeapRegionBytes, long offHeapRegionBytes, double storageFraction) {
        super(onHeapRegionBytes, offHeapRegionBytes, storageFraction);
    }

    /** {@return {@link MemoryManagerKind#STATIC}} */
    @Override
    public MemoryManagerKind kind() {
        return MemoryManagerKind.STATIC;
    }

    @Override
    boolean makeRoomForStorage(ModePools pools, long bytes) {
        return bytes <= pools.storageFreeBytes();
    }

    @Override
    long maxStorageBytes(ModePools pools) {
        return pools.storagePoolBytes;
    }

    @Override
    long maxExecutionPoolBytes(ModePools pools) {
        return pools.executionPoolBytes;
    }

    @Override
    void takeFreeStorage(ModePools pools, long shortfall) {
        // fixed partitions: execution never grows
    }

    @Override
    long evictableStorageBytes(ModePools pools) {
        return 0;
    }
}
