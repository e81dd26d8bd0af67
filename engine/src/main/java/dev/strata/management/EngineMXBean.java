package dev.strata.management;

/**
 * The management view of one engine, registered in the platform MBean server as
 * {@code dev.strata:type=Engine,name=<name>} while the engine is open: its two memory modes' pools, the memory
 * manager's and the tasks' counters, and the bytes each tier holds over all caches.
 *
 * <p>Mode-indexed getters return arrays in the order ON_HEAP, OFF_HEAP; tier-indexed getters in the order HEAP,
 * OFF_HEAP, DISK. Each getter reads the engine's current numbers; two getters may see different instants.
 * Implementations are thread-safe.
 */
public interface EngineMXBean {

    /** {@return the engine's name} */
    String getName();

    /** {@return the memory manager kind, {@code STATIC} or {@code UNIFIED}} */
    String getMemoryManager();

    /** {@return each mode's region: storage pool + execution pool (ON_HEAP, OFF_HEAP)} */
    long[] getRegionBytes();

    /** {@return each mode's protected storage region R (ON_HEAP, OFF_HEAP)} */
    long[] getProtectedStorageBytes();

    /** {@return each mode's storage pool size (ON_HEAP, OFF_HEAP)} */
    long[] getStoragePoolBytes();

    /** {@return storage memory in use per mode (ON_HEAP, OFF_HEAP)} */
    long[] getStorageUsedBytes();

    /** {@return each mode's execution pool size (ON_HEAP, OFF_HEAP)} */
    long[] getExecutionPoolBytes();

    /** {@return execution memory in use per mode (ON_HEAP, OFF_HEAP)} */
    long[] getExecutionUsedBytes();

    /** {@return bytes of entries per tier over all caches (HEAP, OFF_HEAP, DISK)} */
    long[] getTierBytes();

    /** {@return bytes the disk tiers keep on disk} */
    long getDiskUsedBytes();

    /** {@return what the keys on disk are charged in the disk tiers' in-memory indexes (heap in user memory)} */
    long getDiskIndexBytes();

    /** {@return the most the disk tiers' indexes may be charged together (0 without a disk)} */
    long getDiskIndexLimitBytes();

    /** {@return the heap the off-heap tiers' record tables take (heap in user memory)} */
    long getOffHeapTableBytes();

    /**
     * {@return the most heap the off-heap tiers' record tables may take (the tiers stop taking pages at half of it; 0
     * without an off-heap region)}
     */
    long getOffHeapTableLimitBytes();

    /** {@return storage requests the memory manager refused (the caches then moved entries down a tier)} */
    long getStorageRefusals();

    /** {@return execution requests granted less than asked (the consumer had to spill)} */
    long getExecutionShortfalls();

    /** {@return times a task waited for its fair share of execution memory} */
    long getExecutionWaits();

    /** {@return storage bytes moved down a tier so that execution could have them} */
    long getStorageEvictedForExecutionBytes();

    /** {@return spills by tasks' memory consumers} */
    long getSpills();

    /** {@return tasks currently open} */
    long getOpenTasks();
}
