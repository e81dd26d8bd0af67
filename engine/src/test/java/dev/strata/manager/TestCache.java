package dev.strata.manager;

import dev.strata.MemoryMode;
import java.util.EnumMap;
import java.util.Map;

/**
 * A minimal real cache tier for the manager tests: it holds storage memory through the manager and, as the
 * {@link StorageEvictor}, demotes cached bytes to a "lower tier" (a counter) in units of {@code granule} bytes,
 * releasing their storage memory. Granule 1 demotes exactly what is asked; a granule equal to a block's size behaves
 * like a whole-block cache that never frees more than asked. Thread-safe.
 */
final class TestCache implements StorageEvictor {
    /** Hook for concurrency tests: runs in the evicting thread, outside this cache's and the manager's locks. */
    volatile Runnable beforeEviction = () -> { };
    private final MemoryManager manager;
    private final long granule;
    private final Map<MemoryMode, Long> cachedBytes = new EnumMap<>(MemoryMode.class);
    private long demotedBytes;
    private long requestedBytes;

    TestCache(MemoryManager manager, long granule) {
        this.manager = manager;
        this.granule = granule;
        for (MemoryMode mode : MemoryMode.values()) {
            cachedBytes.put(mode, 0L);
        }
        manager.setStorageEvictor(this);
    }

    /** Caches {@code bytes} if the manager grants them (this cache never evicts its own entries to make room). */
    synchronized boolean put(long bytes, MemoryMode mode) {
        boolean granted = manager.acquireStorageMemory(bytes, mode);
        if (granted) {
            cachedBytes.merge(mode, bytes, Long::sum);
        }
        return granted;
    }

    /** Removes {@code bytes} of cached data (the cache evicting its own entries). */
    synchronized void remove(long bytes, MemoryMode mode) {
        cachedBytes.merge(mode, -bytes, Long::sum);
        manager.releaseStorageMemory(bytes, mode);
    }

    /** Removes up to {@code bytes} of cached data; {@return the bytes removed} */
    synchronized long removeUpTo(long bytes, MemoryMode mode) {
        long removed = Math.min(bytes, cachedBytes.get(mode));
        if (removed > 0) {
            remove(removed, mode);
        }
        return removed;
    }

    @Override
    public long evictStorage(MemoryMode mode, long bytes) {
        beforeEviction.run();
        synchronized (this) {
            requestedBytes += bytes;
            long freed = Math.min(bytes / granule * granule, cachedBytes.get(mode) / granule * granule);
            if (freed > 0) {
                cachedBytes.merge(mode, -freed, Long::sum);
                demotedBytes += freed;
                manager.releaseStorageMemory(freed, mode);
            }
            return freed;
        }
    }

    synchronized long cached(MemoryMode mode) {
        return cachedBytes.get(mode);
    }

    synchronized long demotedBytes() {
        return demotedBytes;
    }

    synchronized long requestedBytes() {
        return requestedBytes;
    }
}
