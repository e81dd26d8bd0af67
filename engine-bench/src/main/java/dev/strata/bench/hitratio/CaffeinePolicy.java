package dev.strata.bench.hitratio;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Caffeine bounded to a number of entries (Window TinyLFU), its maintenance run on the calling thread so that every
 * request sees the evictions of the ones before, as in Caffeine's own simulator.
 */
final class CaffeinePolicy implements Policy {

    private final Cache<Integer, byte[]> cache;
    private final byte[] value;

    /**
     * @param capacity the most entries held
     * @param value the value every miss puts
     */
    CaffeinePolicy(int capacity, byte[] value) {
        this.value = value;
        this.cache = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
    }

    @Override
    public boolean request(int key) {
        if (cache.getIfPresent(key) != null) {
            return true;
        }
        cache.put(key, value);
        return false;
    }

    @Override
    public long entries() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }
}
