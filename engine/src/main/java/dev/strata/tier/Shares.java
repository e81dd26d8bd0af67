package dev.strata.tier;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * What each open cache holds of one resource (heap or off-heap storage memory, disk files) when one of them, the
 * requester, is refused more, and an equal share of the total: the caches holding any, the requester counted among them
 * even if it holds none. The requester may take from the caches above that share, the most above first, while it holds
 * less ({@link CacheManager}): max-min fairness, so a cache that keeps asking cannot push the others below an equal
 * share, and a new cache can grow at the expense of older ones up to it.
 *
 * <p>A snapshot: the figures are read once, without a lock, and a cache asked to give back is marked as at the share so
 * that one refusal asks each cache once. Not thread-safe; one per refusal.
 */
final class Shares {

    private final List<TieredCache<?, ?>> caches;
    private final Tiers<?, ?> requester;
    private final long[] held;
    private final long share;
    private final long requesterHolds;

    Shares(Collection<TieredCache<?, ?>> open, Tiers<?, ?> requester, ToLongFunction<Tiers<?, ?>> holds) {
        this.caches = new ArrayList<>(open);
        this.requester = requester;
        this.held = new long[caches.size()];
        long total = 0;
        int holders = 0;
        long own = 0;
        for (int i = 0; i < caches.size(); i++) {
            Tiers<?, ?> tiers = caches.get(i).tiersImpl();
            held[i] = holds.applyAsLong(tiers);
            total += held[i];
            holders += held[i] > 0 ? 1 : 0;
            own = tiers == requester ? held[i] : own;
        }
        holders += own == 0 ? 1 : 0;
        this.share = total / holders;
        this.requesterHolds = own;
    }

    /** {@return whether the requester holds less than an equal share, so that it may take from the caches above it} */
    boolean requesterBelowShare() {
        return requesterHolds < share;
    }

    /** A cache above the share, and by how much. */
    record Above(TieredCache<?, ?> cache, long excessBytes) {
    }

    /**
     * {@return the cache holding the most above the share (the requester aside) and its excess, that cache marked as at
     * the share from now on, or null if none holds more}
     */
    Above nextAboveShare() {
        int most = -1;
        for (int i = 0; i < caches.size(); i++) {
            if (caches.get(i).tiersImpl() != requester && held[i] > share && (most < 0 || held[i] > held[most])) {
                most = i;
            }
        }
        if (most < 0) {
            return null;
        }
        long excess = held[most] - share;
        held[most] = share;
        return new Above(caches.get(most), excess);
    }
}
