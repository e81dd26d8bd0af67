package dev.strata.cache;

import dev.strata.Tier;
import java.util.List;
import java.util.Objects;

/**
 * A snapshot of one cache's counters, per tier and in total. Counters only grow (from the cache's creation); entries
 * and bytes are current values. Taken while other threads use the cache, the figures may come from slightly different
 * instants.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the cache's name
 * @param tiers one entry per tier the cache uses, highest first
 * @param hits lookups ({@code get}, {@code read}, {@code getAll}, {@code computeIfAbsent}) that found a value
 * @param misses lookups that found none
 * @param loads values loaded: each value a {@code computeIfAbsent} loader returned, each value a bulk {@code getAll}
 *     loader returned, and each value a refresh's reloader returned ({@code Cache.Builder.refreshAfterWrite})
 * @param loadFailures loader calls that loaded nothing: a {@code computeIfAbsent} loader or a reloader that threw or
 *     returned null, a bulk {@code getAll} loader that threw or returned null instead of a map (a caller that waited
 *     for another's load runs no loader, and counts in neither)
 * @param loadNanos the time spent in loader calls, those that failed included, in nanoseconds ({@code System.nanoTime})
 * @param errors disk I/O errors, corrupt disk records found (by a read, a compaction, or the recovery at open; each
 *     dropped), and codec failures while an entry moved down a tier (each logged; the entry concerned was kept in
 *     memory or dropped)
 */
public record CacheStats(String name, List<TierStats> tiers, long hits, long misses, long loads, long loadFailures,
                         long loadNanos, long errors) {

    /**
     * Copies the list.
     *
     * @throws NullPointerException if {@code name} or {@code tiers} is null
     */
    public CacheStats {
        Objects.requireNonNull(name, "name");
        tiers = List.copyOf(tiers);
    }

    /** {@return hits / (hits + misses), 1.0 when there was no lookup} */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 1.0 : (double) hits / lookups;
    }

    /**
     * {@return the counters of one tier}
     *
     * @param tier the tier
     * @throws IllegalArgumentException if the cache does not use {@code tier}
     */
    public TierStats tier(Tier tier) {
        for (TierStats stats : tiers) {
            if (stats.tier() == tier) {
                return stats;
            }
        }
        throw new IllegalArgumentException("tier: " + tier + " (expected: one of the cache's tiers " + tiers.stream()
                .map(TierStats::tier).toList() + ")");
    }

    /** {@return the entries in all tiers} */
    public long entries() {
        return tiers.stream().mapToLong(TierStats::entries).sum();
    }

    /**
     * The counters of one tier. A lookup that finds its key in this tier is a hit here; one that finds it in a lower
     * tier, or nowhere, is a miss here (as in a stack of caches).
     *
     * @param tier the tier
     * @param hits lookups served by this tier
     * @param misses lookups that passed this tier (found lower, or not at all)
     * @param puts entries written into this tier by a put (not by movement)
     * @param evictions entries dropped from this tier without going to a lower one (the lowest tier, or a failure)
     * @param expirations entries removed from this tier because their time to live had passed (found by a read, a
     *     put-if-absent, an eviction or a disk compaction); 0 for a cache without one
     * @param demotions entries moved from this tier down to a lower one
     * @param promotions entries moved from this tier up to a higher one
     * @param entries entries in this tier now
     * @param bytes bytes the entries take now: estimated weights on the heap, record bytes (header, key, value)
     *     off-heap and on disk
     * @param reservedBytes memory or disk space held for them: heap weights, off-heap pages × page size (so
     *     {@code reservedBytes / bytes} is the off-heap space amplification), disk bytes charged to the quota
     */
    public record TierStats(Tier tier, long hits, long misses, long puts, long evictions, long expirations,
                            long demotions, long promotions, long entries, long bytes, long reservedBytes) {

        /** {@return hits / (hits + misses) for this tier, 0.0 when no lookup reached it} */
        public double hitRate() {
            long lookups = hits + misses;
            return lookups == 0 ? 0.0 : (double) hits / lookups;
        }
    }
}
