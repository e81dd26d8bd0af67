package dev.strata.bench.tier;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.EngineStats;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.ByteKey;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A Strata cache with one tier, built through the public API exactly as a user would
 * ({@code Engine.builder()...build().newCache(name, keyCodec, valueCodec).tiers(tier).build()}), driven through
 * {@link CacheAdapter}. Values use {@code Codecs.bytes()}; keys the fixed 16-byte {@link ByteKeyCodec}. Page size
 * 64 KiB, unified memory manager, strict mode off. Needs no JVM flags, but for
 * {@link StrataTier#OFF_HEAP_HUGE_PAGES} ({@code --enable-native-access=ALL-UNNAMED}).
 *
 * <p>Thread-safe (as the cache); {@link #close()} must not race with other calls.
 */
public final class StrataAdapter implements CacheAdapter {

    private static final DataSize PAGE_SIZE = DataSize.ofKibibytes(64);

    private final Engine engine;
    private final Cache<ByteKey, byte[]> cache;
    private final Path directory;

    /**
     * Creates the engine and the cache.
     *
     * @param tier the single tier
     * @param heapRegion the engine's on-heap region in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     */
    public StrataAdapter(StrataTier tier, long heapRegion, long capacityBytes) {
        this(tier, heapRegion, capacityBytes, false);
    }

    /**
     * Creates the engine and the cache, whose disk tier is persistent if asked.
     *
     * @param tier the single tier
     * @param heapRegion the engine's on-heap region in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     * @param persistent whether the cache is persistent (its removals append tombstones, its files are kept on close
     *                   until the adapter deletes them); only with {@link StrataTier#DISK}
     */
    public StrataAdapter(StrataTier tier, long heapRegion, long capacityBytes, boolean persistent) {
        this(tier, heapRegion, capacityBytes, persistent, (Duration) null);
    }

    /**
     * Creates the engine and the cache, persistent if asked, whose entries expire {@code timeToLive} after their put.
     *
     * @param tier the single tier
     * @param heapRegion the engine's on-heap region in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     * @param persistent whether the cache is persistent; only with {@link StrataTier#DISK}
     * @param timeToLive the cache's {@code expireAfterWrite}, or null for none
     */
    public StrataAdapter(StrataTier tier, long heapRegion, long capacityBytes, boolean persistent,
                         Duration timeToLive) {
        this(tier, heapRegion, capacityBytes, persistent, timeToLive == null ? null
                : cacheBuilder -> cacheBuilder.expireAfterWrite(timeToLive));
    }

    /**
     * Creates the engine and the cache, not persistent, whose entries each expire at the time to live
     * {@code timeToLive} computes from their key and value.
     *
     * @param tier the single tier
     * @param heapRegion the engine's on-heap region in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     * @param timeToLive the cache's {@code expireAfterWrite} function
     */
    public StrataAdapter(StrataTier tier, long heapRegion, long capacityBytes,
                         BiFunction<? super ByteKey, ? super byte[], Duration> timeToLive) {
        this(tier, heapRegion, capacityBytes, false, cacheBuilder -> cacheBuilder.expireAfterWrite(timeToLive));
    }

    /**
     * Creates the engine and the cache, not persistent, whose entries expire once neither read nor written for
     * {@code timeToIdle}.
     *
     * @param tier the single tier
     * @param heapRegion the engine's on-heap region in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     * @param timeToIdle the cache's {@code expireAfterAccess}
     * @return the adapter
     */
    public static StrataAdapter expiringAfterAccess(StrataTier tier, long heapRegion, long capacityBytes,
                                                    Duration timeToIdle) {
        return new StrataAdapter(tier, heapRegion, capacityBytes, false,
                cacheBuilder -> cacheBuilder.expireAfterAccess(timeToIdle));
    }

    /**
     * Creates the engine and the cache, not persistent, whose entries expire {@code timeToLive} after their put and
     * are refreshed (to the same value) when read {@code interval} after it.
     *
     * @param tier the single tier
     * @param heapRegion the engine's on-heap region in bytes
     * @param capacityBytes the off-heap region, or the disk quota, in bytes
     * @param timeToLive the cache's {@code expireAfterWrite}
     * @param interval the cache's {@code refreshAfterWrite}
     * @return the adapter
     */
    public static StrataAdapter refreshing(StrataTier tier, long heapRegion, long capacityBytes, Duration timeToLive,
                                           Duration interval) {
        return new StrataAdapter(tier, heapRegion, capacityBytes, false, cacheBuilder -> cacheBuilder
                .expireAfterWrite(timeToLive).refreshAfterWrite(interval, (key, value) -> value));
    }

    private StrataAdapter(StrataTier tier, long heapRegion, long capacityBytes, boolean persistent,
                          Consumer<Cache.Builder<ByteKey, byte[]>> expiry) {
        Engine.Builder builder = Engine.builder()
                .name("bench-" + tier.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .heap(DataSize.ofBytes(heapRegion))
                .pageSize(PAGE_SIZE)
                .strict(false);
        switch (tier) {
            case OFF_HEAP_ARENA -> builder.offHeap(DataSize.ofBytes(capacityBytes), OffHeapBackend.ARENA);
            case OFF_HEAP_DIRECT -> builder.offHeap(DataSize.ofBytes(capacityBytes), OffHeapBackend.DIRECT_BUFFER);
            case OFF_HEAP_HUGE_PAGES -> builder.offHeap(DataSize.ofBytes(capacityBytes), OffHeapBackend.HUGE_PAGES);
            case HEAP, DISK -> {
                // heap region only
            }
        }
        this.directory = tier == StrataTier.DISK ? BenchFiles.newScratchDirectory("strata-") : null;
        if (directory != null) {
            builder.disk(directory, DataSize.ofBytes(capacityBytes));
        }
        this.engine = builder.build();
        Cache.Builder<ByteKey, byte[]> cacheBuilder = engine.newCache("bench", new ByteKeyCodec(), Codecs.bytes())
                .tiers(engineTier(tier)).persistent(persistent);
        if (expiry != null) {
            expiry.accept(cacheBuilder);
        }
        this.cache = cacheBuilder.build();
    }

    private StrataAdapter(Tier top, long memoryRegion, long diskQuota) {
        this.directory = BenchFiles.newScratchDirectory("strata-");
        Engine.Builder builder = Engine.builder().disk(directory, DataSize.ofBytes(diskQuota)).strict(false);
        if (top == Tier.HEAP) {
            builder.name("bench-heap-over-disk").heap(DataSize.ofBytes(memoryRegion));
        } else {
            builder.name("bench-off-heap-over-disk").heap(DataSize.ofGibibytes(1)).pageSize(PAGE_SIZE)
                    .offHeap(DataSize.ofBytes(memoryRegion), OffHeapBackend.ARENA);
        }
        this.engine = builder.build();
        this.cache = engine.newCache("bench", new ByteKeyCodec(), Codecs.bytes()).tiers(top, Tier.DISK).build();
    }

    /**
     * Creates an engine with a heap region and a disk quota, and a cache of two tiers: heap, with disk below it
     * (default promotion: a disk entry moves up on its second hit).
     *
     * @param heapRegion the engine's on-heap region in bytes
     * @param diskQuota the disk quota in bytes
     * @return the adapter
     */
    public static StrataAdapter heapOverDisk(long heapRegion, long diskQuota) {
        return new StrataAdapter(Tier.HEAP, heapRegion, diskQuota);
    }

    /**
     * Creates an engine with an off-heap region (arena slabs, 64 KiB pages) and a disk quota, and a cache of two tiers:
     * off-heap, with disk below it (default promotion: a disk entry moves up on its second hit).
     *
     * @param offHeapRegion the off-heap region in bytes
     * @param diskQuota the disk quota in bytes
     * @return the adapter
     */
    public static StrataAdapter offHeapOverDisk(long offHeapRegion, long diskQuota) {
        return new StrataAdapter(Tier.OFF_HEAP, offHeapRegion, diskQuota);
    }

    private static Tier engineTier(StrataTier tier) {
        return switch (tier) {
            case HEAP -> Tier.HEAP;
            case OFF_HEAP_ARENA, OFF_HEAP_DIRECT, OFF_HEAP_HUGE_PAGES -> Tier.OFF_HEAP;
            case DISK -> Tier.DISK;
        };
    }

    @Override
    public byte[] get(byte[] key) {
        return cache.get(new ByteKey(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        cache.put(new ByteKey(key), value);
    }

    /** {@return the bytes of off-heap pages in use (pages used × page size), or 0 without an off-heap region} */
    public long offHeapBytesInUse() {
        long bytes = 0;
        for (EngineStats.Allocator allocator : engine.stats().allocators()) {
            if (!allocator.backend().equals("HEAP")) {
                bytes += allocator.pagesUsed() * allocator.pageSize();
            }
        }
        return bytes;
    }

    @Override
    public void close() {
        cache.close();
        engine.close();
        BenchFiles.deleteQuietly(directory);
    }
}
