package dev.strata.bench.hitratio;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Strata cache of {@code Integer} keys and {@code byte[]} values in its own engine, built through the public API,
 * whose tiers are bounded by the engine's regions and disk quota: the heap tier by the on-heap region (S3-FIFO), the
 * off-heap tier by the off-heap region (S3-FIFO in pages: a probation log, a main log with a second chance), the disk
 * tier by the quota (S3-FIFO in segments, as {@code DiskStore.evictOldest} says). A hit in any tier counts; the lowest
 * tier drops what it evicts. A disk tier lives in a scratch directory deleted at {@link #close()}.
 */
final class StrataPolicy implements Policy {

    private final Engine engine;
    private final Cache<Integer, byte[]> cache;
    private final byte[] value;
    private final Path directory;

    /**
     * A cache with memory tiers only.
     *
     * @param heapBytes the on-heap region, 0 for no heap tier
     * @param offHeapBytes the off-heap region (arena slabs, the default 64 KiB pages), 0 for no off-heap tier
     * @param value the value every miss puts
     */
    StrataPolicy(long heapBytes, long offHeapBytes, byte[] value) {
        this(heapBytes, offHeapBytes, 0, value);
    }

    /**
     * @param heapBytes the on-heap region, 0 for no heap tier
     * @param offHeapBytes the off-heap region (arena slabs, the default 64 KiB pages), 0 for no off-heap tier
     * @param diskBytes the disk quota, 0 for no disk tier
     * @param value the value every miss puts
     */
    StrataPolicy(long heapBytes, long offHeapBytes, long diskBytes, byte[] value) {
        this(heapBytes, offHeapBytes, diskBytes, false, value);
    }

    /**
     * @param heapBytes the on-heap region, 0 for no heap tier
     * @param offHeapBytes the off-heap region (arena slabs, the default 64 KiB pages), 0 for no off-heap tier
     * @param diskBytes the disk quota, 0 for no disk tier
     * @param persistent whether the cache is persistent (its disk tier writes each record at once and tombstones)
     * @param value the value every miss puts
     */
    StrataPolicy(long heapBytes, long offHeapBytes, long diskBytes, boolean persistent, byte[] value) {
        this.value = value;
        Engine.Builder builder = Engine.builder().name("hit-ratio");
        List<Tier> tiers = new ArrayList<>();
        if (heapBytes > 0) {
            builder.heap(DataSize.ofBytes(heapBytes));
            tiers.add(Tier.HEAP);
        }
        if (offHeapBytes > 0) {
            builder.offHeap(DataSize.ofBytes(offHeapBytes), OffHeapBackend.ARENA);
            tiers.add(Tier.OFF_HEAP);
        }
        this.directory = diskBytes > 0 ? BenchFiles.newScratchDirectory("hit-ratio") : null;
        if (diskBytes > 0) {
            builder.disk(directory, DataSize.ofBytes(diskBytes));
            tiers.add(Tier.DISK);
        }
        this.engine = builder.build();
        this.cache = engine.newCache("hit-ratio", Codecs.int32(), Codecs.bytes()).tiers(tiers.toArray(Tier[]::new))
                .persistent(persistent).build();
    }

    @Override
    public boolean holds(int key) {
        return cache.get(key) != null;
    }

    @Override
    public void put(int key) {
        cache.put(key, value);
    }

    @Override
    public long entries() {
        return cache.size();
    }

    @Override
    public void close() {
        cache.close();
        engine.close();
        if (directory != null) {
            BenchFiles.deleteQuietly(directory);
        }
    }
}
