package dev.strata.cache;

import dev.strata.DataSize;
import dev.strata.Tier;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A bounded key-value cache whose entries live in one of up to three tiers: {@link Tier#HEAP} (values as objects,
 * no copy), {@link Tier#OFF_HEAP} (encoded bytes in native pages) and {@link Tier#DISK} (encoded bytes in files).
 * A key lives in exactly one tier at a time.
 *
 * <h2>Movement</h2>
 * A put lands in the highest tier that can take it; when that tier's memory is refused, its coldest entries move one
 * tier down (encoded once on leaving the heap; off-heap bytes go to disk as they are), and the lowest tier drops its
 * oldest entries (counted as evictions). The heap picks them with S3-FIFO (entries read since they came stay longer,
 * one-off entries leave first); the off-heap tier does the same with whole pages (new keys start in a probation log
 * of pages, which is recycled first; entries read there move to the main log, whose oldest page keeps the entries
 * read since their last move); the disk tier does the same with segment files (new keys, and entries the heap or
 * off-heap tier evicted from its probation unread, go to probation segments, dropped first, also in a persistent
 * cache, whose restarts keep them), dropping its oldest segment after copying forward the entries read since they were
 * written. The disk tier evicts ahead, on the engine's compactor thread, once less than half a segment of
 * the disk quota is free, so a put seldom waits for an eviction.
 * A hit below the highest tier moves the entry up according to the {@link Promotion} policy. When the engine's memory
 * manager reclaims storage memory for execution, entries move down a tier too: they are lost only from the lowest
 * tier.
 *
 * <h2>Sizes</h2>
 * The heap tier accounts each entry at an estimated weight: the encoded size of key and value plus a fixed per-entry
 * overhead for the index node (see the engine's documentation); the off-heap tier accounts whole pages; the disk tier
 * charges the engine's disk quota.
 *
 * <h2>Consistency and failures</h2>
 * After a put or remove returns, no read returns an older value for that key. A cache may drop entries at any time
 * (that is what makes it a cache): when memory is momentarily unavailable, or the disk is full or fails, a put may
 * leave nothing stored; the event is counted in {@link #stats()}, I/O errors are also logged, and the cache keeps
 * serving.
 *
 * <p>Null keys and values are refused with {@link NullPointerException}. Every method throws
 * {@link IllegalStateException} once the cache (or its engine) is closed, except {@link #close()}, {@link #name()} and
 * {@link #stats()}.
 *
 * <p>Thread-safe: all methods may be called from any number of threads.
 *
 * @param <K> the key type; keys are compared with {@code equals}/{@code hashCode} and must not change while cached
 * @param <V> the value type; the heap tier stores the value object itself, so callers must not mutate it after a put
 */
public interface Cache<K, V> extends AutoCloseable, Iterable<Map.Entry<K, V>> {

    /**
     * {@return the value cached for {@code key}, or null if none} A hit below the highest tier decodes the value and
     * may promote the entry (see {@link Promotion}).
     *
     * @param key the key
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if the cache is closed
     */
    V get(K key);

    /**
     * Caches {@code value} for {@code key}, replacing any value already cached.
     *
     * @param key the key
     * @param value the value
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws ValueTooLargeException if the entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     */
    void put(K key, V value);

    /**
     * Caches {@code value} for {@code key} if no value is cached for it; atomic for that key.
     *
     * @param key the key
     * @param value the value
     * @return the value already cached (and left in place), or null if {@code value} was cached
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws ValueTooLargeException if the entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     */
    V putIfAbsent(K key, V value);

    /**
     * Removes the value cached for {@code key}, from whichever tier holds it. Returns whether something was removed
     * rather than the old value, so removing a disk entry costs no read (unless the cache has a
     * {@linkplain Builder#removalListener removal listener}, which is told the value).
     *
     * @param key the key
     * @return true if a value was cached for {@code key} and is now removed
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if the cache is closed
     */
    boolean remove(K key);

    /**
     * Replaces the value cached for {@code key} only if it has one, atomically: no put, remove or other conditional
     * write of the key comes between the look and the write, wherever the value lies. The new value lands as a
     * {@link #put}'s does. A value on the off-heap tier is decoded, and one on disk read, to be handed back.
     *
     * @param key the key
     * @param value the new value
     * @return the value replaced, or null if none was cached (nothing was then stored)
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws ValueTooLargeException if the entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     */
    V replace(K key, V value);

    /**
     * Replaces the value cached for {@code key} only if it is {@code oldValue}, atomically (see
     * {@link #replace(Object, Object)}). Values are the same when they are equal ({@link java.util.Objects#deepEquals},
     * so arrays compare by their contents) or the value codec encodes them to the same bytes (so a type that does not
     * override {@code equals} matches the copy an off-heap or disk tier decodes). The cached value is decoded, or read
     * from disk, for the comparison, which runs while the key's writers wait; it should be quick.
     *
     * @param key the key
     * @param oldValue the value expected
     * @param newValue the new value
     * @return true if the value was {@code oldValue} and is now {@code newValue}
     * @throws NullPointerException if {@code key}, {@code oldValue} or {@code newValue} is null
     * @throws ValueTooLargeException if the entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     * @throws RuntimeException what the comparison, or the value codec decoding the cached value for it, threw;
     *     nothing was changed
     */
    boolean replace(K key, V oldValue, V newValue);

    /**
     * Removes the value cached for {@code key} only if it is {@code value} (the same as by
     * {@link #replace(Object, Object, Object)}), atomically.
     *
     * @param key the key
     * @param value the value expected
     * @return true if the value was {@code value} and is now removed
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws IllegalStateException if the cache is closed
     * @throws RuntimeException what the comparison, or the value codec decoding the cached value for it, threw;
     *     nothing was changed
     */
    boolean remove(K key, V value);

    /**
     * Computes a new value for {@code key} from its cached one (null if none) and caches it, or removes the key if
     * the result is null. Atomic as a compare-and-set: {@code remapping} runs with no lock held, and the result is
     * stored only if the key still holds the very value it was given, not written since (compared by where the value
     * lies and its version, so values need no {@code equals}; a value moved to another tier meanwhile is compared as
     * {@link #replace(Object, Object, Object)} compares); else {@code remapping} runs again with the new value. So
     * under contention it may run more than once (as {@link java.util.concurrent.ConcurrentMap#compute}'s default
     * does), it should have no side effects, and it may call this cache. A put that no tier has room for leaves
     * nothing stored, as a put does. Reads count no hit or miss.
     *
     * @param key the key
     * @param remapping computes the new value from the key and its value, or null to remove it
     * @return the new value, or null if none is cached now
     * @throws NullPointerException if {@code key} or {@code remapping} is null
     * @throws ValueTooLargeException if the new entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     * @throws RuntimeException what {@code remapping} threw; nothing was changed
     */
    V compute(K key, BiFunction<? super K, ? super V, ? extends V> remapping);

    /**
     * Like {@link #compute}, but only if {@code key} has a value: a key with none is left as it is, and
     * {@code remapping} is not called.
     *
     * @param key the key
     * @param remapping computes the new value from the key and its value, or null to remove it
     * @return the new value, or null if none is cached now
     * @throws NullPointerException if {@code key} or {@code remapping} is null
     * @throws ValueTooLargeException if the new entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     * @throws RuntimeException what {@code remapping} threw; nothing was changed
     */
    V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> remapping);

    /**
     * Caches {@code value} for {@code key} if it has none, else the result of {@code remapping} applied to the cached
     * value and {@code value}, or removes the key if that is null; atomic as {@link #compute} is, and
     * {@code remapping} may likewise run more than once. A counter: {@code cache.merge(key, 1L, Long::sum)}.
     *
     * @param key the key
     * @param value the value to cache, or to combine with the cached one
     * @param remapping combines the cached value with {@code value}, or returns null to remove the key
     * @return the new value, or null if none is cached now
     * @throws NullPointerException if {@code key}, {@code value} or {@code remapping} is null
     * @throws ValueTooLargeException if the new entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     * @throws RuntimeException what {@code remapping} threw; nothing was changed
     */
    V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> remapping);

    /**
     * {@return whether a value is cached for {@code key}} Reads no value and changes no statistic.
     *
     * @param key the key
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if the cache is closed
     */
    boolean containsKey(K key);

    /**
     * Returns the value cached for {@code key}, or loads, caches and returns it. Concurrent calls for the same key
     * call {@code loader} at most once: the others wait for it and return its value. A null result is returned and
     * not cached. An exception from {@code loader} propagates and nothing is cached. A {@link #put} of the key that
     * lands while the loader runs wins: the loaded value is then not cached, and the put's value is returned. Never a
     * value removed or replaced before the call began: a call that comes while another is already storing its loaded
     * value waits for it and then reads the key again, and loads it itself if it is gone by then.
     *
     * @param key the key
     * @param loader computes the value for a missing key; must not use this cache
     * @return the cached or loaded value, or null if the loader returned null
     * @throws NullPointerException if {@code key} or {@code loader} is null
     * @throws ValueTooLargeException if the loaded entry is larger than every tier of this cache can hold
     * @throws IllegalStateException if the cache is closed
     */
    V computeIfAbsent(K key, Function<? super K, ? extends V> loader);

    /**
     * {@return the values cached for {@code keys}, as a new map holding only the keys found} Each key is read as by
     * {@link #get}; the result is not an atomic snapshot.
     *
     * @param keys the keys
     * @throws NullPointerException if {@code keys} or one of its elements is null
     * @throws IllegalStateException if the cache is closed
     */
    Map<K, V> getAll(Iterable<? extends K> keys);

    /**
     * Returns the values cached for {@code keys}, loading the missing ones in one call of {@code loader}: each key is
     * read as by {@link #get}, then the keys that had no value are handed to the loader together (a set, in the order
     * first asked), and each value it returns is cached as by {@link #putIfAbsent}, so a value put meanwhile wins and
     * is the one returned, as with {@link #computeIfAbsent}. Values the loader returns for keys not asked for are
     * cached too; keys it returns no value for (or a null value) are left uncached and missing from the result. Bulk
     * loads are not shared: a concurrent {@code computeIfAbsent} or {@code getAll} of the same key may load it too.
     * Each value loaded counts as a load in {@link #stats()}.
     *
     * @param keys the keys
     * @param loader given the missing keys (an unmodifiable set), returns the values it found, by key
     * @return a new map of the keys asked for that have a value, cached or loaded
     * @throws NullPointerException if {@code keys}, one of its elements or {@code loader} is null, or the loader
     *     returned null or a null key (values before it are cached)
     * @throws ValueTooLargeException if a loaded entry is larger than every tier of this cache can hold (values before
     *     it are cached)
     * @throws IllegalStateException if the cache is closed
     * @throws RuntimeException what {@code loader} threw; nothing loaded is cached
     */
    Map<K, V> getAll(Iterable<? extends K> keys,
                     Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader);

    /**
     * Puts every entry of {@code entries}, each as by {@link #put}; not atomic as a whole.
     *
     * @param entries the entries
     * @throws NullPointerException if {@code entries}, or a key or value in it, is null (entries before it are put)
     * @throws ValueTooLargeException if an entry is too large (entries before it are put)
     * @throws IllegalStateException if the cache is closed
     */
    void putAll(Map<? extends K, ? extends V> entries);

    /**
     * {@return an iterator over the cache's entries, in every tier, in no particular order} Weakly consistent: every
     * key that has a value from the call to the end of the iteration is returned exactly once, however its value
     * moves between tiers meanwhile; a key put or removed meanwhile may or may not be. Each value is read when the
     * iterator reaches its key (decoded off the heap, read from disk, with no promotion and no hit or miss counted);
     * a key whose value expired or went by then is skipped, and a value written since the call may be the one
     * returned. The entries are immutable; {@link Iterator#remove()} removes the key only if it still holds the value
     * returned, unchanged.
     *
     * <p>For a cache with a disk tier the call copies the disk tier's keys (decoded, with their bytes) to the heap, and
     * the iteration copies them again, for part of the cache, when keys keep crossing between memory and disk while it
     * runs. The iterator itself is for one thread; the cache may be used by others meanwhile.
     *
     * @throws IllegalStateException if the cache is closed (also from the iterator's methods)
     */
    @Override
    Iterator<Map.Entry<K, V>> iterator();

    /**
     * {@return this cache as a {@link ConcurrentMap}, for code that takes a map} A view: every method reads or writes
     * this cache, and what it writes may be evicted as any put's value. Its atomic methods are the cache's
     * ({@link #putIfAbsent}, {@link #replace(Object, Object, Object)}, {@link #compute}, ...); {@code put} and
     * {@code remove}, which hand back the old value, run as {@link #compute}s (an off-heap value is decoded, a disk
     * value read, for it), and {@code replaceAll} as one {@link #computeIfPresent} per key. Its views ({@code entrySet},
     * {@code keySet}, {@code values}) iterate as {@link #iterator()} does, and {@code size} is {@link #size()}, capped
     * at {@link Integer#MAX_VALUE}. Null keys and values are refused, as by {@code ConcurrentHashMap}; a key of
     * another type than the cache's may throw {@link ClassCastException}.
     *
     * @throws IllegalStateException if the cache is closed (from the view's methods)
     */
    ConcurrentMap<K, V> asMap();

    /**
     * Removes every entry from every tier. Entries put concurrently may survive. A
     * {@linkplain Builder#removalListener removal listener} is told of each entry removed
     * ({@link RemovalCause#EXPLICIT}); for it the disk tier's records are read, one by one, while its writers wait.
     *
     * @throws IllegalStateException if the cache is closed
     */
    void invalidateAll();

    /**
     * Removes the entries of {@code keys}, each as by {@link #remove(Object)}; not atomic as a whole. A
     * {@linkplain Builder#removalListener removal listener} is told of each entry removed
     * ({@link RemovalCause#EXPLICIT}).
     *
     * @param keys the keys; a repeated key counts once
     * @return how many removes removed a value, each as {@link #remove(Object)} answers
     * @throws NullPointerException if {@code keys}, or a key in it, is null (keys before it are removed)
     * @throws IllegalStateException if the cache is closed
     */
    long invalidateAll(Iterable<? extends K> keys);

    /**
     * Reads the encoded value for {@code key} without decoding it: {@code reader} gets a read-only view of the value's
     * bytes (as the value codec wrote them). For an off-heap entry that lies within one page the view is the page
     * memory itself (zero copy); other entries are copied (or, on the heap tier, encoded) into a temporary segment.
     * The view is valid only inside the call and must not be kept. {@code reader} runs while the key is locked, so
     * it must be short and must not use this cache. Changes no tier (no promotion), counts a hit or miss.
     *
     * @param key the key
     * @param reader reads the bytes; its result is returned
     * @param <R> the result type
     * @return the reader's result, or null if no value is cached for {@code key} (the reader is then not called)
     * @throws NullPointerException if {@code key} or {@code reader} is null
     * @throws IllegalStateException if the cache is closed
     */
    <R> R read(K key, Function<? super MemorySegment, ? extends R> reader);

    /**
     * {@return the number of entries in all tiers} Exact when no thread is changing the cache.
     *
     * @throws IllegalStateException if the cache is closed
     */
    long size();

    /**
     * {@return the number of entries in {@code tier}, 0 if the cache does not use it}
     *
     * @param tier the tier
     * @throws NullPointerException if {@code tier} is null
     * @throws IllegalStateException if the cache is closed
     */
    long size(Tier tier);

    /**
     * {@return the bytes the entries in {@code tier} take, 0 if the cache does not use it}: estimated weights on the
     * heap, record bytes off-heap and on disk (see {@link CacheStats.TierStats#bytes()}).
     *
     * @param tier the tier
     * @throws NullPointerException if {@code tier} is null
     * @throws IllegalStateException if the cache is closed
     */
    long bytes(Tier tier);

    /** {@return the tiers this cache uses, highest first} */
    List<Tier> tiers();

    /**
     * Sets, or changes, this cache's own maximum size in one of its tiers while it runs, with the meaning
     * {@link Builder#maximumSize} gives it at build (what counts, whole pages off the heap, the largest entry a tier
     * with a tier below admits). A maximum below what the tier holds moves the tier's coldest entries down a tier (from
     * the lowest tier they leave the cache; on disk its oldest segments are evicted) in the calling thread before this
     * returns, until the tier holds no more; off the heap the pages being written to (a few per writing thread) stay
     * until they fill, and then the tier recycles its own pages. On disk each segment evicted is scanned first (50-94
     * ms for a warm 64 MiB one), so shrinking a large disk tier by much takes that per segment. A larger maximum lets
     * the tier grow, up to the engine's region or quota. Thread-safe: puts, gets and other caches go on meanwhile, and
     * two changes of one cache's maximums take turns.
     *
     * @param tier the tier, one of the cache's {@link #tiers tiers}
     * @param size the most the cache may hold there: on the heap at least 1 byte; off the heap at least one page; on
     *     disk at least four of the tier's segment files, whose size was fixed when the cache opened (a sixteenth of
     *     the smaller of its maximum at build and the engine's quota, from 64 KiB to 64 MiB: a cache may shrink its
     *     disk tier to a quarter of that; one built with a small disk maximum can take finer steps)
     * @throws NullPointerException if {@code tier} or {@code size} is null
     * @throws IllegalArgumentException if the cache has no such tier, or {@code size} is below the tier's smallest
     *     maximum (the message names it)
     * @throws IllegalStateException if the cache is closed
     */
    void setMaximumSize(Tier tier, DataSize size);

    /**
     * Removes this cache's own maximum size in one of its tiers, if it has one: the tier is bounded by the engine's
     * region or quota again, which it shares with the other caches by equal shares under contention.
     *
     * @param tier the tier, one of the cache's {@link #tiers tiers}
     * @throws NullPointerException if {@code tier} is null
     * @throws IllegalArgumentException if the cache has no such tier
     * @throws IllegalStateException if the cache is closed
     */
    void removeMaximumSize(Tier tier);

    /**
     * {@return this cache's own maximum size in {@code tier} (off the heap in whole pages), set at build or since, or
     * empty if it has none there} Also after close.
     *
     * @param tier the tier
     * @throws NullPointerException if {@code tier} is null
     */
    Optional<DataSize> maximumSize(Tier tier);

    /** {@return a snapshot of this cache's counters; also works after close (the final numbers)} */
    CacheStats stats();

    /** {@return the cache's name, unique within its engine} */
    String name();

    /**
     * Closes the cache: drops its memory-tier entries and returns all their memory and pages to the engine. A
     * persistent cache first moves its memory-tier entries to disk (as far as the disk quota allows) and keeps its
     * files, so a cache of the same name opened later finds them; a non-persistent cache deletes its files. Operations
     * racing with close either complete first or throw {@link IllegalStateException}. A removal listener is told of no
     * entry the close drops or keeps, only of those a persistent cache's moves to a full disk evicted. Idempotent.
     */
    @Override
    void close();

    /**
     * Configures and creates a cache. Not thread-safe; use once.
     *
     * @param <K> the key type
     * @param <V> the value type
     */
    interface Builder<K, V> {

        /**
         * Sets the tiers, highest first; the default is {@link Tier#HEAP} alone.
         *
         * @param tiers a non-empty list of distinct tiers in the order HEAP, OFF_HEAP, DISK (any subset)
         * @return this builder
         * @throws NullPointerException if {@code tiers} or an element is null
         * @throws IllegalArgumentException if empty, repeated, out of order, or naming a tier the engine lacks
         *     (OFF_HEAP without an off-heap region, DISK without a disk directory)
         */
        Builder<K, V> tiers(Tier... tiers);

        /**
         * Bounds what this cache may hold in {@code tier}, out of the memory or disk quota it shares with the engine's
         * other caches. By default a tier of a cache is bounded only by the engine's: its region of that memory mode,
         * or its disk quota, which every cache draws on, so one busy cache can hold all of it. With a maximum, a put
         * that would take the tier past it moves that tier's coldest entries of this cache down a tier (the lowest
         * tier evicts them), as when the engine's memory runs short, and takes nothing from the other caches for it.
         * What {@link CacheStats.TierStats#reservedBytes()} reports for the tier stays within the maximum:
         * <ul>
         *   <li>{@link Tier#HEAP}: the heap weight of the cache's heap entries (their encoded key and value sizes plus
         *       a fixed overhead per entry, as {@link Cache#bytes(Tier)} reports them), charged to the engine's
         *       on-heap storage memory;</li>
         *   <li>{@link Tier#OFF_HEAP}: the pages of the off-heap tier, so the size is rounded down to whole pages of
         *       the engine's page size;</li>
         *   <li>{@link Tier#DISK}: the tier's files, which count in the engine's disk quota too; as with the quota, a
         *       compaction may pass the maximum for a moment by the live records it is copying (freed when the old
         *       segment is deleted), and a persistent cache reopened with a smaller maximum than its files keeps them
         *       and evicts ahead of its writers until they fit. The tier's segment files are a sixteenth of the
         *       smaller of the maximum and the engine's quota.</li>
         * </ul>
         * A tier with a tier below it takes no entry larger than an eighth of its maximum (such an entry goes below);
         * the lowest tier takes entries up to its maximum. A maximum larger than the engine's region or quota changes
         * nothing. Other caches may still take memory this cache does not use: a maximum is a bound, not a
         * reservation. Setting a tier's maximum again replaces it; {@link Cache#setMaximumSize} changes it while the
         * cache runs.
         *
         * @param tier the tier, one of the cache's {@link #tiers tiers} (checked by {@link #build()})
         * @param size the most the cache may hold there: for {@link Tier#HEAP} at least 1 byte, for
         *     {@link Tier#OFF_HEAP} at least one page, for {@link Tier#DISK} at least 1 MiB (16 segments of the
         *     smallest size, 64 KiB)
         * @return this builder
         * @throws NullPointerException if {@code tier} or {@code size} is null
         * @throws IllegalArgumentException if {@code size} is below the tier's smallest maximum
         */
        Builder<K, V> maximumSize(Tier tier, DataSize size);

        /**
         * Gives this cache an idle time of its own instead of the engine's ({@code Engine.Builder.idleCacheAfter}, a
         * minute by default): how long none of its entries may be read (no hit) before it counts as idle and has no
         * share of contended memory or disk quota, the caches in use taking what it holds. A longer one keeps the
         * share of a cache read seldom but dear to rebuild, or of one filled ahead of its first reads
         * ({@code Duration.ofDays(365_000)} or more: never idle); a shorter one gives back sooner the memory of a
         * cache whose entries are seldom read again. The engine still looks at most every sixteenth of its own idle
         * time, so a shorter one is met to within that.
         *
         * @param idleTime the time without a hit
         * @return this builder
         * @throws NullPointerException if {@code idleTime} is null
         * @throws IllegalArgumentException if {@code idleTime} is zero or negative
         */
        Builder<K, V> idleCacheAfter(Duration idleTime);

        /**
         * Sets when a lower-tier hit moves the entry up; the default is {@link Promotion#ON_SECOND_HIT}.
         *
         * @param promotion the policy
         * @return this builder
         * @throws NullPointerException if {@code promotion} is null
         */
        Builder<K, V> promotion(Promotion promotion);

        /**
         * Sets whether the disk tier survives {@link Cache#close()} and engine restarts (default false). A persistent
         * cache restores its index from its files when opened (from the index snapshot its last close or checkpoint
         * wrote, and a scan of the files written since). Its disk tier evicts with probation segments and a main log,
         * as a cache that is not persistent does, and its restarts keep which segment is which.
         *
         * @param persistent whether the disk tier's files are kept
         * @return this builder
         */
        Builder<K, V> persistent(boolean persistent);

        /**
         * Gives every entry a time to live: an entry expires {@code timeToLive} after the put that wrote it ({@link
         * Cache#put}, {@link Cache#putAll}, a {@link Cache#putIfAbsent} that stored it, or the load of
         * {@link Cache#computeIfAbsent}), and a later put of the key starts it again. Reads do not extend it. From its
         * deadline on, an entry is absent for every method: {@code get} returns null (a miss), {@code containsKey}
         * false, {@code read} does not call its reader, {@code putIfAbsent} stores over it and
         * {@code computeIfAbsent} loads. Expired entries are removed when a read or a put-if-absent meets them,
         * eviction drops them (counted in {@link CacheStats.TierStats#expirations()}) instead of moving them down a
         * tier, and the engine's sweeper thread removes those on the heap and off it within about 16 seconds, and on
         * disk those in a segment whose records have all expired or make up half its bytes; until then, and on disk
         * until a compaction or eviction meets them, they still count in {@link Cache#size()} and take their space.
         * The deadline travels with the entry between tiers (8 bytes ahead of its encoded value off the heap and on
         * disk), and a persistent cache keeps it across restarts, as milliseconds of the {@link #clock clock}. By
         * default entries never expire.
         *
         * <p>A persistent cache must be reopened with or without a time to live as it was written: its files hold
         * the deadlines or do not ({@link #build()} refuses the other).
         *
         * <p>Replaces a time to live computed per entry ({@link #expireAfterWrite(BiFunction)}) set before.
         *
         * @param timeToLive how long an entry lives after its put, at least one millisecond
         * @return this builder
         * @throws NullPointerException if {@code timeToLive} is null
         * @throws IllegalArgumentException if {@code timeToLive} is shorter than one millisecond
         */
        Builder<K, V> expireAfterWrite(Duration timeToLive);

        /**
         * Gives each entry a time to live of its own: {@code timeToLive} computes it from the key and value of every
         * put, on the putting thread ({@link Cache#put}, {@link Cache#putAll}, {@link Cache#putIfAbsent}, and the
         * load of {@link Cache#computeIfAbsent} once the loader returned), before anything is stored. Everything
         * {@link #expireAfterWrite(Duration)} says of deadlines holds for these, entry by entry: a later put computes
         * a new one, reads do not extend it, it travels between tiers and a persistent cache keeps it.
         *
         * <p>A time to live of zero or less means the entry is expired at once, and the cache stores nothing for
         * it: a {@code put} removes the key's older value (which it would have replaced), a {@code putIfAbsent}
         * leaves the key as it is and returns its value or null, and {@code computeIfAbsent} returns what the
         * loader returned without keeping it. A positive time to live is rounded up to whole milliseconds; one
         * longer than a {@code long} of milliseconds never ends. If the function throws, or returns null (a
         * {@link NullPointerException}), the put throws that and changes nothing.
         *
         * <p>Replaces a time to live set before ({@link #expireAfterWrite(Duration)}). A persistent cache written with
         * either kind of time to live reopens with either (both keep a deadline per entry).
         *
         * @param timeToLive computes an entry's time to live from its key and value; must not return null, and is
         *                   called concurrently by every thread that puts
         * @return this builder
         * @throws NullPointerException if {@code timeToLive} is null
         */
        Builder<K, V> expireAfterWrite(BiFunction<? super K, ? super V, Duration> timeToLive);

        /**
         * Gives every entry a time to idle: an entry expires once it was neither written nor read for
         * {@code timeToIdle}. Puts start it as {@link #expireAfterWrite(Duration)} does, and so do the methods that
         * hand a stored value back: {@link Cache#get}, {@link Cache#getAll}, {@link Cache#read}, and
         * {@link Cache#putIfAbsent} and {@link Cache#computeIfAbsent} when the key had a value;
         * {@link Cache#containsKey} does not. Everything {@link #expireAfterWrite(Duration)} says of deadlines holds:
         * an expired entry is absent for every method, it is removed when met, the deadline travels between tiers,
         * and a persistent cache keeps it across restarts.
         *
         * <p>A read renews the deadline where the entry lies: on the heap a new deadline beside the value, off the
         * heap 8 bytes of the record rewritten in place under the key's lock, on disk the record written again
         * (records there are never changed in place). So that hits do not write on every read, a read renews the
         * deadline only once 1/16 of {@code timeToIdle} has passed since it was last set: an entry expires no sooner
         * than 15/16 of {@code timeToIdle} after its last read and never later than {@code timeToIdle} after it
         * (exactly then after its last put or renewing read). A renewal that cannot be made at once (a
         * {@link Cache#read} of another value of the same off-heap page is running, or the disk is full) is left to
         * the next read.
         *
         * <p>A cache has a time to live or a time to idle, not both ({@link #build()} refuses both). A persistent
         * cache written with either reopens with either: both keep a deadline per entry.
         *
         * @param timeToIdle how long an entry lives unread and unwritten, at least one millisecond
         * @return this builder
         * @throws NullPointerException if {@code timeToIdle} is null
         * @throws IllegalArgumentException if {@code timeToIdle} is shorter than one millisecond
         */
        Builder<K, V> expireAfterAccess(Duration timeToIdle);

        /**
         * Refreshes values in the background, on {@link ForkJoinPool#commonPool()}: as
         * {@link #refreshAfterWrite(Duration, BiFunction, Executor)} does with that executor.
         *
         * @param interval how long after its write a value is refreshed when read, at least one millisecond
         * @param reloader computes a key's new value from the key and its current value; null removes the entry
         * @return this builder
         * @throws NullPointerException if an argument is null
         * @throws IllegalArgumentException if {@code interval} is shorter than one millisecond
         */
        Builder<K, V> refreshAfterWrite(Duration interval, BiFunction<? super K, ? super V, ? extends V> reloader);

        /**
         * Refreshes values in the background once they are {@code interval} old, so that a value read often is
         * reloaded before it grows stale, and no reader waits for the reload. A read that finds a value written at
         * least {@code interval} ago ({@link Cache#get}, {@link Cache#getAll}, {@link Cache#read}, and
         * {@link Cache#putIfAbsent} and {@link Cache#computeIfAbsent} when the key had a value; not
         * {@link Cache#containsKey} nor a walk of the cache) returns that value and hands a refresh of the key to
         * {@code executor}, unless one is running for the key already. The refresh calls {@code reloader} with the key
         * and its value as it is then, with no lock held, and writes the result only if the key still holds that
         * value where it was (no put, remove, replace or other write of the key came in between, as for
         * {@link Cache#compute}); else the result is dropped. The result is written as a put's value is (to the
         * cache's highest tier whatever the {@link #promotion promotion}, with a new write time, a new deadline with
         * {@link #expireAfterWrite(Duration)}, the old value told to a removal listener as replaced); a null result
         * removes the entry under the same condition. A reloader that throws leaves the
         * value as it was; its exception is logged. Every refresh counts in {@link CacheStats}: its value in
         * {@link CacheStats#loads()}, a throw or a null in {@link CacheStats#loadFailures()}, its time in
         * {@link CacheStats#loadNanos()}.
         *
         * <p>An entry nobody reads is not refreshed: with a time to live it still expires at its deadline (so an
         * {@code interval} at least as long as the time to live refreshes nothing). A value's write time is its
         * deadline less the time to live, so a cache that refreshes has one time to live for every entry
         * ({@link #expireAfterWrite(Duration)}, at most 365,000 days) or none: then every value carries a deadline
         * 365,000 days ahead, 8 bytes off the heap and on disk as with a time to live, and a persistent cache's files
         * hold deadlines (they reopen with a time to live or a refresh, not with neither). {@link #build()} refuses a
         * refresh with a time to idle or a time to live computed per entry. A persistent cache reopened with another
         * time to live than it was written with tells write times by the new one: its values are refreshed earlier
         * (a longer time to live) or later (a shorter one) by the difference.
         *
         * <p>Setting a refresh again replaces the one before.
         *
         * @param interval how long after its write a value is refreshed when read, at least one millisecond
         * @param reloader computes a key's new value from the key and its current value; null removes the entry;
         *                 called on {@code executor}, concurrently for different keys, once at a time per key
         * @param executor runs the refreshes; a rejected refresh is logged and the value left as it is
         * @return this builder
         * @throws NullPointerException if an argument is null
         * @throws IllegalArgumentException if {@code interval} is shorter than one millisecond
         */
        Builder<K, V> refreshAfterWrite(Duration interval, BiFunction<? super K, ? super V, ? extends V> reloader,
                                        Executor executor);

        /**
         * Sets the time source of {@link #expireAfterWrite}'s and {@link #expireAfterAccess}'s deadlines and of
         * {@link #refreshAfterWrite}'s write times; the default is {@link InstantSource#system()}, wall-clock
         * milliseconds, which keep their meaning in a persistent cache's files across restarts. Tests pass a clock
         * they move by hand.
         *
         * @param clock the time source, read on every put and on every hit of a cache with a time to live
         * @return this builder
         * @throws NullPointerException if {@code clock} is null
         */
        Builder<K, V> clock(InstantSource clock);

        /**
         * Tells {@code listener} of every entry that leaves the cache, on {@link ForkJoinPool#commonPool()}: as
         * {@link #removalListener(RemovalListener, Executor)} does with that executor.
         *
         * @param listener told of each removal; see {@link RemovalListener} for which are reported and when
         * @return this builder
         * @throws NullPointerException if {@code listener} is null
         */
        Builder<K, V> removalListener(RemovalListener<? super K, ? super V> listener);

        /**
         * Tells {@code listener} of every entry that leaves the cache: removed, replaced, expired or evicted from its
         * lowest tier ({@link RemovalCause}), with its key and value. Each removal is handed to {@code executor} after
         * the operation that made it has let go of the cache's locks, in the thread that made it: a caller's, the
         * expiry sweeper's, or the disk tier's background thread's. A direct executor ({@code Runnable::run}) runs
         * the listener there, before the caller's operation returns; it may then call the cache, but not
         * {@link Cache#computeIfAbsent} for a key the operation is loading. A removal made by another cache's
         * operation (which took this cache's memory) or by execution's reclaim is handed over by that thread. A
         * listener set again replaces the one before.
         *
         * <p>Without a listener nothing is decoded or read for it: a cache pays for the listener only when it has one.
         * With one, a remove or a put of a key whose value is on disk reads that value first, under the key's lock.
         *
         * @param listener told of each removal; see {@link RemovalListener} for which are reported
         * @param executor runs the listener; a rejected task is logged and its removal not reported
         * @return this builder
         * @throws NullPointerException if {@code listener} or {@code executor} is null
         */
        Builder<K, V> removalListener(RemovalListener<? super K, ? super V> listener, Executor executor);

        /**
         * Creates the cache.
         *
         * @return the new cache, open
         * @throws IllegalArgumentException if persistent without a {@link Tier#DISK} tier, if a maximum size is set for
         *     a tier the cache does not have, if both a time to live and a time to idle are set, if a refresh is set
         *     with a time to idle, a time to live computed per entry or one longer than 365,000 days, or if a
         *     persistent cache's files were written with deadlines (a time to live or to idle, or a refresh) and this
         *     builder sets none, or the other way round
         * @throws IllegalStateException if the engine is closed, the builder was used already, or a cache of this
         *     name is open
         * @throws java.io.UncheckedIOException if a persistent cache's files cannot be opened
         */
        Cache<K, V> build();
    }
}
