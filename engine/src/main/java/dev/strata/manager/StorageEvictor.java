package dev.strata.manager;

import dev.strata.MemoryMode;

/**
 * What the memory manager calls when execution needs storage memory that cached entries occupy: the cache tier that
 * owns the entries moves some of them down a tier (or drops them) and releases their storage memory.
 *
 * <p>The manager calls it <em>without</em> holding its lock, from the thread that asked for execution memory, and
 * asks only for bytes above the protected storage region R. Implementations must be thread-safe; they may take their
 * own locks and do I/O, and must not call {@link MemoryManager#acquireExecutionMemory} themselves.
 */
@FunctionalInterface
public interface StorageEvictor {

    /** An evictor that evicts nothing: the manager's default until a cache installs its own. */
    StorageEvictor NONE = (mode, bytes) -> 0;

    /**
     * Frees up to {@code bytes} of storage memory in {@code mode} by moving cached entries down a tier (or dropping
     * them), calling {@link MemoryManager#releaseStorageMemory} for what it frees. Freeing more than asked pushes
     * storage below the protected region by the excess, so implementations should stop at {@code bytes}.
     *
     * @param mode the memory mode whose storage pool must shrink
     * @param bytes how many bytes execution needs, {@code > 0}
     * @return the bytes freed (and released to the manager), {@code >= 0}
     */
    long evictStorage(MemoryMode mode, long bytes);
}
