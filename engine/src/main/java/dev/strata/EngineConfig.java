package dev.strata;

import dev.strata.memory.hugepage.HugePageSlabSource;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The validated settings of one engine: every rule that ties settings to each other or to the JVM lives here.
 *
 * @param name the engine's name
 * @param memoryManager the memory manager kind
 * @param heapRegionBytes the on-heap region
 * @param offHeapRegionBytes the off-heap region, 0 for none
 * @param offHeapBackend the off-heap slab source
 * @param pageSizeBytes the page size, a power of two in [4 KiB, 64 MiB]
 * @param offHeapSlabBytes the off-heap slab size, a multiple of the page size
 * @param heapSlabBytes the heap slab size, a multiple of the page size
 * @param storageFraction the storage fraction in [0, 1)
 * @param diskDirectory the disk directory, or null for none
 * @param diskQuotaBytes the disk quota, 0 when there is no disk
 * @param diskIndexBytes the most heap the disk tiers' indexes may be charged, 0 when there is no disk
 * @param offHeapTableBytes the most heap the off-heap tiers' record tables may take (the tiers stop taking pages at
 *     half of it), 0 when there is no off-heap region
 * @param idleCacheAfter how long a cache must see no hit to have no share of contended memory or quota
 * @param strict whether leaks throw
 * @param limits the JVM limits the settings were checked against
 */
record EngineConfig(String name, MemoryManagerKind memoryManager, long heapRegionBytes, long offHeapRegionBytes,
                    OffHeapBackend offHeapBackend, long pageSizeBytes, long offHeapSlabBytes, long heapSlabBytes,
                    double storageFraction, Path diskDirectory, long diskQuotaBytes, long diskIndexBytes,
                    long offHeapTableBytes, Duration idleCacheAfter, boolean strict, JvmLimits limits) {

    /** Smallest page: 4 KiB. */
    static final long MIN_PAGE_SIZE = 4L << 10;
    /** Largest page: 64 MiB. */
    static final long MAX_PAGE_SIZE = 64L << 20;
    /**
     * Largest default slab: 64 MiB. It is also the default ARENA and HUGE_PAGES slab (or the whole region when
     * smaller): glibc serves native allocations of up to 32 MiB from its heap once it has freed a large block, and
     * those do not go back to the operating system when the arena closes; 64 MiB always gets its own mapping (measured
     * in engine-it). Huge-page slabs are mappings of their own whatever their size; 64 MiB is 32 huge pages.
     */
    static final long MAX_DEFAULT_SLAB = 64L << 20;
    /** Default time without a hit after which a cache has no share of contended memory: a minute. */
    static final Duration DEFAULT_IDLE_CACHE_AFTER = Duration.ofMinutes(1);
    /** Default share of the usable heap given to the engine's heap region, as Spark's memory fraction. */
    static final double DEFAULT_HEAP_FRACTION = 0.6;

    static void checkPageSize(long bytes) {
        if (bytes < MIN_PAGE_SIZE || bytes > MAX_PAGE_SIZE || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("pageSize: " + DataSize.format(bytes) + " (" + bytes
                    + " bytes) (expected: a power of two from 4 KiB to 64 MiB)");
        }
    }

    /** {@return the heap the JVM and the application keep outside the engine; the one rule lives in MemoryPlan} */
    static long reservedHeap(long maxHeapBytes) {
        return MemoryPlan.reservedHeap(maxHeapBytes);
    }

    static EngineConfig validate(String name, MemoryManagerKind kind, DataSize heap, DataSize offHeap,
                                 OffHeapBackend backend, DataSize pageSize, DataSize slabSize, double storageFraction,
                                 Path diskDirectory, DataSize diskQuota, DataSize diskIndex, DataSize offHeapTables,
                                 Duration idleCacheAfter, boolean strict, JvmLimits limits) {
        long page = pageSize.bytes();
        long usableHeap = limits.maxHeapBytes() - reservedHeap(limits.maxHeapBytes());
        long heapRegion = heap != null ? heap.bytes() : (long) (usableHeap * DEFAULT_HEAP_FRACTION) / page * page;
        if (heapRegion > usableHeap) {
            throw new IllegalArgumentException("heap region " + sizes(heapRegion, usableHeap)[0]
                    + " exceeds what the heap can give: " + sizes(heapRegion, usableHeap)[1] + " (max heap " + DataSize.format(limits.maxHeapBytes()) + " minus "
                    + DataSize.format(reservedHeap(limits.maxHeapBytes())) + " reserved for the JVM and the application)");
        }
        long offHeapRegion = offHeap.bytes();
        if (backend == OffHeapBackend.DIRECT_BUFFER && offHeapRegion > limits.maxDirectBytes()) {
            throw new IllegalArgumentException("off-heap " + sizes(offHeapRegion, limits.maxDirectBytes())[0]
                    + " exceeds MaxDirectMemorySize " + sizes(offHeapRegion, limits.maxDirectBytes())[1]
                    + " for backend DIRECT_BUFFER"
                    + (limits.maxDirectExplicit() ? "" : " (unset, so the max heap size)"));
        }
        checkRegion("off-heap", offHeapRegion, page);
        checkRegion("heap", heapRegion, page);
        if (backend == OffHeapBackend.HUGE_PAGES && offHeapRegion > 0) {
            HugePageSlabSource.unavailableReason().ifPresent(reason -> {
                throw new IllegalArgumentException("off-heap backend HUGE_PAGES: " + reason);
            });
        }
        long offHeapSlab = backend != OffHeapBackend.DIRECT_BUFFER && slabSize == null
                ? Math.min(offHeapRegion, MAX_DEFAULT_SLAB) / page * page
                : slab(slabSize, offHeapRegion, page);
        long heapSlab = slab(slabSize, heapRegion, page);
        if (diskDirectory != null && diskQuota.bytes() <= 0) {
            throw new IllegalArgumentException("disk quota: " + diskQuota + " for " + diskDirectory + " (expected: > 0)");
        }
        long userMemory = usableHeap - heapRegion;
        long diskIndexBytes = diskIndex(diskDirectory, diskIndex, offHeapTables, userMemory);
        long offHeapTableBytes = offHeapTables(offHeapRegion, offHeapTables, diskIndex, diskIndexBytes, userMemory);
        return new EngineConfig(name, kind, heapRegion, offHeapRegion, backend, page, offHeapSlab, heapSlab,
                storageFraction, diskDirectory, diskDirectory == null ? 0 : diskQuota.bytes(), diskIndexBytes,
                offHeapTableBytes, idleCacheAfter != null ? idleCacheAfter : DEFAULT_IDLE_CACHE_AFTER, strict,
                limits);
    }

    /**
     * {@return the disk index limit: {@code requested}, or by default {@link MemoryPlan#defaultDiskIndex}; 0 without a
     * disk} The indexes live on the heap outside the engine's region, so a requested limit must fit in user memory.
     */
    private static long diskIndex(Path diskDirectory, DataSize requested, DataSize offHeapTables, long userMemory) {
        if (requested == null) {
            return diskDirectory == null ? 0
                    : MemoryPlan.defaultDiskIndex(userMemory - (offHeapTables == null ? 0 : offHeapTables.bytes()));
        }
        if (diskDirectory == null) {
            throw new IllegalArgumentException("diskIndexMemory: " + requested + " without a disk (expected: set with"
                    + " disk(directory, quota))");
        }
        checkInUserMemory("diskIndexMemory", requested, userMemory, "the disk indexes");
        return requested.bytes();
    }

    /**
     * {@return the off-heap table limit: {@code requested}, or by default {@link MemoryPlan#defaultOffHeapTables}; 0
     * without an off-heap region} The tables live on the heap outside the engine's region, beside the disk indexes, so
     * a requested limit must fit in user memory, and with a requested disk index limit, both together must.
     */
    private static long offHeapTables(long offHeapRegion, DataSize requested, DataSize requestedDiskIndex,
                                      long diskIndexBytes, long userMemory) {
        if (requested == null) {
            return offHeapRegion == 0 ? 0 : MemoryPlan.defaultOffHeapTables(userMemory - diskIndexBytes);
        }
        if (offHeapRegion == 0) {
            throw new IllegalArgumentException("offHeapTableMemory: " + requested + " without an off-heap region"
                    + " (expected: set with offHeap(size, backend))");
        }
        checkInUserMemory("offHeapTableMemory", requested, userMemory, "the off-heap tiers' record tables");
        if (requestedDiskIndex != null && requested.bytes() + diskIndexBytes > userMemory) {
            throw new IllegalArgumentException("offHeapTableMemory " + DataSize.format(requested.bytes())
                    + " + diskIndexMemory " + DataSize.format(diskIndexBytes) + " = "
                    + DataSize.format(requested.bytes() + diskIndexBytes) + " (expected: at most the user memory "
                    + DataSize.format(userMemory) + ", where both live)");
        }
        return requested.bytes();
    }

    /**
     * Checks that a limit on heap outside the engine's region, {@code requested} for {@code setting}, is from 1 byte to
     * the user memory, where {@code whatLives} live.
     *
     * @throws IllegalArgumentException if it is not, naming the setting, both sizes and the rule
     */
    private static void checkInUserMemory(String setting, DataSize requested, long userMemory, String whatLives) {
        if (requested.bytes() < 1 || requested.bytes() > userMemory) {
            String[] both = sizes(requested.bytes(), userMemory);
            throw new IllegalArgumentException(setting + ": " + both[0] + " (expected: from 1 byte to the user memory "
                    + both[1] + ", the heap outside the engine's region and the reserved memory, where " + whatLives
                    + " live)");
        }
    }

    /**
     * {@return two sizes formatted for one message: readable units, with the exact byte counts added when the units
     * alone would print the same number for both}
     */
    static String[] sizes(long first, long second) {
        String a = DataSize.format(first);
        String b = DataSize.format(second);
        boolean lookAlike = a.replace(".0 ", " ").equals(b.replace(".0 ", " "));
        return lookAlike ? new String[] {a + " (" + first + " bytes)", b + " (" + second + " bytes)"}
                : new String[] {a, b};
    }

    private static void checkRegion(String what, long region, long page) {
        if (region % page != 0) {
            throw new IllegalArgumentException(what + " region " + DataSize.format(region) + " (" + region
                    + " bytes) is not a multiple of the page size " + DataSize.format(page));
        }
    }

    private static long slab(DataSize requested, long region, long page) {
        if (requested != null) {
            long slab = requested.bytes();
            if (slab < page || slab % page != 0) {
                throw new IllegalArgumentException("slabSize: " + DataSize.format(slab) + " (expected: a multiple of the page size "
                        + DataSize.format(page) + ")");
            }
            if (slab > Integer.MAX_VALUE && slab > region) {
                throw new IllegalArgumentException("slabSize: " + DataSize.format(slab) + " (expected: at most the region "
                        + DataSize.format(region) + ")");
            }
            return slab;
        }
        long byRegion = Math.min(MAX_DEFAULT_SLAB, region / 16);
        long rounded = Math.max(page, byRegion / page * page);
        return Math.min(rounded, Math.max(page, region));
    }
}
