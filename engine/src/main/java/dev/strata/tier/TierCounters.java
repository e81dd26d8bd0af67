package dev.strata.tier;

import dev.strata.Tier;
import dev.strata.cache.CacheStats;
import java.util.concurrent.atomic.LongAdder;

/**
 * One tier's counters for one cache, but hits, misses and puts ({@link AccessCounters}): evictions, expirations,
 * moves, entries and bytes. Striped adders: writers never contend on one word. Thread-safe.
 */
final class TierCounters {

    final Tier tier;
    final LongAdder evictions = new LongAdder();
    final LongAdder expirations = new LongAdder();
    final LongAdder demotions = new LongAdder();
    final LongAdder promotions = new LongAdder();
    final LongAdder entries = new LongAdder();
    final LongAdder bytes = new LongAdder();

    TierCounters(Tier tier) {
        this.tier = tier;
    }

    /** Counts an entry arriving with {@code entryBytes}. */
    void added(long entryBytes) {
        entries.increment();
        bytes.add(entryBytes);
    }

    /** Counts an entry of this tier replaced in place: the entry count stays, the bytes change by the difference. */
    void replaced(long oldBytes, long newBytes) {
        if (oldBytes != newBytes) {
            bytes.add(newBytes - oldBytes);
        }
    }

    /** Counts an entry leaving with {@code entryBytes}. */
    void removed(long entryBytes) {
        entries.decrement();
        bytes.add(-entryBytes);
    }

    /**
     * {@return this tier's stats, with the given access counts, the expirations counted elsewhere (a disk store's
     * compactions), and the tier's current entries and bytes}
     */
    CacheStats.TierStats snapshot(long hits, long misses, long puts, long otherExpirations, long entriesNow,
                                  long bytesNow, long reservedBytes) {
        return new CacheStats.TierStats(tier, hits, misses, puts, evictions.sum(),
                expirations.sum() + otherExpirations, demotions.sum(), promotions.sum(), entriesNow, bytesNow,
                reservedBytes);
    }
}
