package dev.strata.management;

/**
 * The management view of one cache, registered in the platform MBean server as
 * {@code dev.strata:type=Cache,name=<name>} while the cache is open.
 *
 * <p>Each getter reads the cache's current numbers; two getters called one after the other may see different
 * instants. Tier-indexed getters return arrays in the order HEAP, OFF_HEAP, DISK with 0 for tiers the cache does not
 * use. The two operations change the cache's maximum sizes, as {@code Cache.setMaximumSize} and
 * {@code Cache.removeMaximumSize} do, so an operator can resize a running cache from a JMX console. Implementations
 * are thread-safe.
 */
public interface CacheMXBean {

    /** {@return the cache's name} */
    String getName();

    /** {@return the tiers the cache uses, highest first, e.g. {@code [HEAP, OFF_HEAP]}} */
    String[] getTiers();

    /** {@return lookups that found a value} */
    long getHits();

    /** {@return lookups that found none} */
    long getMisses();

    /** {@return hits / (hits + misses), 1.0 before the first lookup} */
    double getHitRate();

    /** {@return values loaded by the cache's loaders ({@code computeIfAbsent}, bulk {@code getAll}, refreshes)} */
    long getLoads();

    /** {@return loader calls that threw or returned null} */
    long getLoadFailures();

    /** {@return the time spent in loader calls, in nanoseconds} */
    long getLoadNanos();

    /** {@return disk I/O errors counted} */
    long getErrors();

    /** {@return entries per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getEntries();

    /** {@return bytes the entries take per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getBytes();

    /** {@return memory or disk held per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getReservedBytes();

    /**
     * {@return the cache's own maximum size per tier (HEAP, OFF_HEAP, DISK) in bytes, off the heap in whole pages; 0
     * where it has none (the engine's region or disk quota bounds it) or lacks the tier}
     */
    long[] getMaximumSizes();

    /**
     * {@return the heap this cache's off-heap record tables take: 8 bytes per slot (0 without an off-heap tier); the
     * engine's {@code OffHeapTableBytes} is the sum over its caches, under the engine's limit}
     */
    long getOffHeapTableBytes();

    /**
     * {@return whether the engine's last look found this cache idle: no hit for the engine's idle time (see
     * {@code Engine.Builder.idleCacheAfter}), so that it has no share of contended memory or disk quota and the
     * caches in use take what it holds}
     */
    boolean isIdle();

    /**
     * Sets or changes the cache's own maximum size in one of its tiers, as {@code Cache.setMaximumSize} does: a
     * smaller one moves the tier's coldest entries down before this returns.
     *
     * @param tier {@code HEAP}, {@code OFF_HEAP} or {@code DISK}, one of the cache's tiers
     * @param bytes the maximum, with that method's smallest sizes
     * @throws IllegalArgumentException if the tier is not one of the cache's, or {@code bytes} is below its smallest
     *     maximum (the message names the value and the rule)
     * @throws IllegalStateException if the cache is closed
     */
    void setMaximumSize(String tier, long bytes);

    /**
     * Removes the cache's own maximum size in one of its tiers, as {@code Cache.removeMaximumSize} does.
     *
     * @param tier {@code HEAP}, {@code OFF_HEAP} or {@code DISK}, one of the cache's tiers
     * @throws IllegalArgumentException if the tier is not one of the cache's
     * @throws IllegalStateException if the cache is closed
     */
    void removeMaximumSize(String tier);

    /** {@return entries moved down per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getDemotions();

    /** {@return entries moved up per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getPromotions();

    /** {@return entries dropped per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getEvictions();

    /** {@return entries removed because their time to live had passed, per tier (HEAP, OFF_HEAP, DISK)} */
    long[] getExpirations();
}
