package dev.strata.bench.peer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.strata.bench.workload.ByteKey;

/**
 * Caffeine (heap only, W-TinyLFU, bounded by entry count). Values are stored by reference; each call wraps the key in
 * a {@link ByteKey}, as any heap cache keyed by {@code byte[]} must. Needs no JVM flags. Thread-safe.
 */
public final class CaffeineAdapter implements CacheAdapter {
    private final Cache<ByteKey, byte[]> cache;

    /**
     * Creates the cache.
     *
     * @param maximumEntries the entry bound
     */
    public CaffeineAdapter(long maximumEntries) {
        this.cache = Caffeine.newBuilder().maximumSize(maximumEntries).build();
    }

    @Override
    public byte[] get(byte[] key) {
        return cache.getIfPresent(new ByteKey(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        cache.put(new ByteKey(key), value);
    }

    @Override
    public void close() {
        cache.invalidateAll();
        cache.cleanUp();
    }
}
