package dev.strata.bench.peer;

import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.ByteKey;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.EntryUnit;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.spi.serialization.Serializer;

/**
 * Ehcache 3 with exactly one tier: heap (by reference, bounded by entries), off-heap (Terracotta offheap-store over
 * direct buffers) or disk (memory-mapped file under {@code target/bench-disk}). Configured in code (its XML support is
 * excluded from the build). JVM flag: {@code --sun-misc-unsafe-memory-access=allow} silences its Unsafe warning.
 * Thread-safe.
 */
public final class EhcacheAdapter implements CacheAdapter {

    /** Which single tier the cache has. */
    public enum Tier {
        /** On-heap store, sized in entries. */
        HEAP,
        /** Off-heap store, sized in bytes. */
        OFF_HEAP,
        /** Disk store, sized in bytes. */
        DISK
    }

    private final CacheManager manager;
    private final Cache<ByteKey, byte[]> cache;
    private final Path directory;

    /**
     * Creates the cache.
     *
     * @param tier the tier
     * @param maximumEntries the bound for the heap tier
     * @param capacityBytes the bound for the off-heap and disk tiers (rounded up to MiB)
     */
    public EhcacheAdapter(Tier tier, long maximumEntries, long capacityBytes) {
        long mebibytes = Math.max(1, (capacityBytes + (1 << 20) - 1) >> 20);
        ResourcePoolsBuilder pools = switch (tier) {
            case HEAP -> ResourcePoolsBuilder.newResourcePoolsBuilder().heap(maximumEntries, EntryUnit.ENTRIES);
            case OFF_HEAP -> ResourcePoolsBuilder.newResourcePoolsBuilder().offheap(mebibytes, MemoryUnit.MB);
            case DISK -> ResourcePoolsBuilder.newResourcePoolsBuilder().disk(mebibytes, MemoryUnit.MB, false);
        };
        CacheConfigurationBuilder<ByteKey, byte[]> config = CacheConfigurationBuilder
                .newCacheConfigurationBuilder(ByteKey.class, byte[].class, pools)
                .withKeySerializer(new ByteKeySerializer());
        if (tier == Tier.DISK) {
            this.directory = BenchFiles.newScratchDirectory("ehcache-");
            this.manager = CacheManagerBuilder.newCacheManagerBuilder()
                    .with(CacheManagerBuilder.persistence(directory.toFile()))
                    .withCache("bench", config)
                    .build(true);
        } else {
            this.directory = null;
            this.manager = CacheManagerBuilder.newCacheManagerBuilder().withCache("bench", config).build(true);
        }
        this.cache = manager.getCache("bench", ByteKey.class, byte[].class);
    }

    @Override
    public byte[] get(byte[] key) {
        return cache.get(new ByteKey(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        cache.put(new ByteKey(key), value);
    }

    @Override
    public void close() {
        manager.close();
        BenchFiles.deleteQuietly(directory);
    }

    /** Writes the key's bytes as they are; compares content. Stateless and thread-safe. */
    static final class ByteKeySerializer implements Serializer<ByteKey> {
        @Override
        public ByteBuffer serialize(ByteKey key) {
            return ByteBuffer.wrap(key.bytes());
        }

        @Override
        public ByteKey read(ByteBuffer binary) {
            byte[] bytes = new byte[binary.remaining()];
            binary.get(bytes);
            return new ByteKey(bytes);
        }

        @Override
        public boolean equals(ByteKey key, ByteBuffer binary) {
            return ByteBuffer.wrap(key.bytes()).equals(binary);
        }
    }
}
