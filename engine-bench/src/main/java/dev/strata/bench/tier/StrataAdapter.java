package dev.strata.bench.tier;

import dev.strata.MemoryManagerKind;
import dev.strata.Tier;
import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.ByteKey;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import dev.strata.tier.CacheManager;
import dev.strata.tier.disk.DiskQuota;
import java.nio.file.Path;

/**
 * A Strata cache with one tier, driven through {@link CacheAdapter}. Values use {@code Codecs.bytes()}; keys the
 * fixed 16-byte {@link ByteKeyCodec}.
 *
 * <p>Built from the engine's internal parts (memory manager, page allocator, disk quota, cache manager), as the
 * engine's own tests do, until {@code Engine.newCache(name, keyCodec, valueCodec).tiers(...).build()} is wired into
 * {@code dev.strata.Engine}; then this class should build an {@code Engine} instead, so the benchmark measures exactly
 * what users get. Page size 64 KiB, pre-touched slabs, unified memory manager. Needs no JVM flags.
 *
 * <p>Thread-safe (as the cache); {@link #close()} must not race with other calls.
 */
public final class StrataAdapter implements CacheAdapter {

    private static final long PAGE_SIZE = 64 << 10;
    private static final long SLAB_SIZE = 16 << 20;

    private final MemoryManager memory;
    private final PageAllocator allocator;
    private final CacheManager caches;
    private final Cache<ByteKey, byte[]> cache;
    private final Path directory;

    /**
     * Creates the cache.
     *
     * @param tier the single tier
     * @param heapRegion the on-heap region of the memory manager in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     */
    public StrataAdapter(StrataTier tier, long heapRegion, long capacityBytes) {
        long offHeapRegion = switch (tier) {
            case OFF_HEAP_ARENA, OFF_HEAP_DIRECT -> roundUp(capacityBytes, SLAB_SIZE);
            case HEAP, DISK -> 0;
        };
        this.memory = MemoryManager.create(MemoryManagerKind.UNIFIED, heapRegion, offHeapRegion, 0.5);
        this.allocator = offHeapRegion == 0 ? null : PageAllocator.create(new PageAllocatorConfig(
                "bench-" + tier.name().toLowerCase(java.util.Locale.ROOT) + "-" + System.nanoTime(),
                tier == StrataTier.OFF_HEAP_ARENA ? SlabSourceKind.ARENA : SlabSourceKind.DIRECT_BUFFER,
                PAGE_SIZE, SLAB_SIZE, offHeapRegion, false, true));
        this.directory = tier == StrataTier.DISK ? BenchFiles.newScratchDirectory("strata-") : null;
        this.caches = CacheManager.create(memory, allocator, directory,
                directory == null ? null : new DiskQuota(capacityBytes), false);
        this.cache = caches.newCache("bench", new ByteKeyCodec(), Codecs.bytes()).tiers(engineTier(tier)).build();
    }

    private static Tier engineTier(StrataTier tier) {
        return switch (tier) {
            case HEAP -> Tier.HEAP;
            case OFF_HEAP_ARENA, OFF_HEAP_DIRECT -> Tier.OFF_HEAP;
            case DISK -> Tier.DISK;
        };
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    @Override
    public byte[] get(byte[] key) {
        return cache.get(new ByteKey(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        cache.put(new ByteKey(key), value);
    }

    /** {@return the bytes of off-heap pages in use (pages used × page size), or 0 without an off-heap tier} */
    public long offHeapBytesInUse() {
        return allocator == null ? 0 : allocator.stats().pagesUsed() * allocator.stats().pageSize();
    }

    /** {@return the bytes the page allocator has taken from its slab source, or 0 without an off-heap tier} */
    public long offHeapBytesReserved() {
        return allocator == null ? 0 : allocator.stats().bytesReserved();
    }

    @Override
    public void close() {
        cache.close();
        caches.close();
        if (allocator != null) {
            allocator.close();
        }
        BenchFiles.deleteQuietly(directory);
    }
}
