package dev.strata.cache;

/**
 * Told of every entry that leaves a cache, with its key, its value and why ({@link RemovalCause}); set with
 * {@link Cache.Builder#removalListener}.
 *
 * <p>The listener runs on the executor given with it, after the operation that removed the entry has let go of the
 * cache's locks; so it may call the cache. Removals are queued in the order they happened and handed over by whichever
 * thread ends an operation next, so when several threads remove entries, or the executor has more than one thread,
 * the listener may see them in any order. A value kept off the heap or on disk is decoded for the listener (one decode
 * per removal, and for a replaced or removed entry on disk, one read of its record).
 *
 * <p>Every value a cache accepted leaves through the listener exactly once, unless the cache is closed with it (a
 * close reports nothing: a persistent cache keeps its entries) or it is lost to a failure, which is logged and counted
 * in {@link CacheStats#errors()} instead: a disk write or read that failed, a disk record found corrupt, a value whose
 * codec threw while it was decoded for the listener. (A heap entry whose codec throws while it moves down a tier is
 * dropped and reported as {@link RemovalCause#SIZE}: the listener gets the object.) A put's value is accepted even when
 * no tier has room for it at the moment, or its time to live is zero: it is then reported at once
 * ({@link RemovalCause#SIZE}, {@link RemovalCause#EXPIRED}). A put-if-absent or a load that finds a value accepts
 * nothing.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface RemovalListener<K, V> {

    /**
     * Called once for an entry that left the cache. An exception it throws is logged and does not reach the cache's
     * caller.
     *
     * @param key   the entry's key
     * @param value the entry's value (for {@link RemovalCause#REPLACED}, the value replaced)
     * @param cause why it left
     */
    void onRemoval(K key, V value, RemovalCause cause);
}
