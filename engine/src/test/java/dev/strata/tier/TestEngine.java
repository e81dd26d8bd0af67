package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.manager.PoolState;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import dev.strata.tier.disk.DiskQuota;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Real parts for cache tests: a unified memory manager, an arena page allocator, a disk quota and a cache manager. */
final class TestEngine implements AutoCloseable {

    final MemoryManager memory;
    final PageAllocator allocator;
    final DiskQuota quota;
    final CacheManager caches;
    /**
     * The cache manager's clock, in nanoseconds, moved only by hand: caches count as idle after {@link #IDLE_AFTER}
     * of it, so none does unless a test moves it.
     */
    final AtomicLong nanos = new AtomicLong();
    /** How long a cache must see no get or put to count as idle, on {@link #nanos}. */
    static final Duration IDLE_AFTER = Duration.ofSeconds(60);

    TestEngine(long heapRegion, long offHeapRegion, long pageSize, Path diskDir, long diskBytes) {
        this(heapRegion, offHeapRegion, pageSize, diskDir, diskBytes, TableMemory.NO_LIMIT);
    }

    /** An engine whose off-heap record tables may take at most {@code tableLimit} bytes of heap. */
    TestEngine(long heapRegion, long offHeapRegion, long pageSize, Path diskDir, long diskBytes, long tableLimit) {
        memory = MemoryManager.create(MemoryManagerKind.UNIFIED, heapRegion, offHeapRegion, 0.5);
        allocator = offHeapRegion == 0 ? null : PageAllocator.create(new PageAllocatorConfig("test-" + System.nanoTime(),
                SlabSourceKind.ARENA, pageSize, offHeapRegion, offHeapRegion, true, false));
        quota = diskDir == null ? null : new DiskQuota(diskBytes);
        caches = CacheManager.create(memory, allocator, diskDir, quota, tableLimit, IDLE_AFTER, nanos::get, true);
    }

    /**
     * Runs a marker through the engine's one compactor thread and waits for it: the tasks handed over before it, such
     * as a disk tier's evictions ahead, are done, so counts read afterwards agree with each other.
     */
    void awaitCompactorIdle() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        caches.diskCompactor.execute(done::countDown);
        assertTrue(done.await(60, TimeUnit.SECONDS), "the compactor finished its tasks");
    }

    /** Asserts that no pool holds more than its size. */
    void checkPools() {
        for (MemoryMode mode : MemoryMode.values()) {
            PoolState state = memory.state(mode);
            assertTrue(state.storageUsedBytes() <= state.storagePoolBytes(), state::toString);
            assertTrue(state.executionUsedBytes() <= state.executionPoolBytes(), state::toString);
            assertTrue(state.storagePoolBytes() + state.executionPoolBytes() == state.regionBytes(), state::toString);
        }
    }

    @Override
    public void close() {
        caches.close();
        assertEquals(0, caches.offHeapTableBytes(), "off-heap record tables' heap after close");
        assertEquals(0, memory.state(MemoryMode.ON_HEAP).storageUsedBytes(), "heap storage after close");
        assertEquals(0, memory.state(MemoryMode.OFF_HEAP).storageUsedBytes(), "off-heap storage after close");
        if (allocator != null) {
            assertEquals(0, allocator.stats().pagesUsed(), "pages used after close");
            allocator.close();
        }
    }
}
