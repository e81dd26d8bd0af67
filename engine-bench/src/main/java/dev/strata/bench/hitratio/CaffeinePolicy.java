package dev.strata.bench.hitratio;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Caffeine bounded to a number of entries (Window TinyLFU). For the hit-ratio comparison its maintenance runs on the
 * calling thread, so that every request sees the evictions of the ones before, as in Caffeine's own simulator; for
 * throughput, on its default executor, as users run it. Thread-safe.
 */
final class CaffeinePolicy implements Policy {

    private final Cache<Integer, byte[]> cache;
    private final byte[] value;

    /**
     * Caffeine whose maintenance runs on the calling thread.
     *
     * @param capacity the most entries held
     * @param value the value every miss puts
     */
    CaffeinePolicy(int capacity, byte[] value) {
        this(capacity, value, true);
    }

    /**
     * @param capacity the most entries held
     * @param value the value every miss puts
     * @param maintainOnCaller whether maintenance (eviction) runs on the calling thread rather than Caffeine's executor
     */
    CaffeinePolicy(int capacity, byte[] value, boolean maintainOnCaller) {
        this.value = value;
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(capacity);
        this.cache = (maintainOnCaller ? builder.executor(Runnable::run) : builder).build();
    }

    @Override
    public boolean holds(int key) {
        return cache.getIfPresent(key) != null;
    }

    @Override
    public void put(int key) {
        cache.put(key, value);
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
