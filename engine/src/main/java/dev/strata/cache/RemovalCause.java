package dev.strata.cache;

/**
 * Why an entry left a cache, as a {@link RemovalListener} is told.
 *
 * <p>An entry moving between a cache's tiers (a demotion or a promotion) has not left it: only the lowest tier's
 * evictions are {@link #SIZE}.
 */
public enum RemovalCause {
    /** A caller removed it: {@link Cache#remove} or {@link Cache#invalidateAll}. */
    EXPLICIT,
    /** A put ({@link Cache#put}, {@link Cache#putAll}) gave the key a new value; the listener is told the old one. */
    REPLACED,
    /**
     * Its time to live or to idle had passed when it was removed: by a read or a write that met it, by the expiry
     * sweeper, by a disk compaction, or by a remove, replace or eviction of an entry that had expired already.
     */
    EXPIRED,
    /**
     * The cache's lowest tier evicted it to make room: the engine's memory or disk quota was short, a maximum size
     * was reached, or memory was reclaimed for execution or for another cache. A put no tier has room for at the
     * moment (every tier full of entries that cannot move) stores nothing, and its value is reported so too.
     */
    SIZE;

    /** {@return whether the cache removed the entry itself ({@link #EXPIRED}, {@link #SIZE}) rather than a caller} */
    public boolean wasEvicted() {
        return this == EXPIRED || this == SIZE;
    }
}
