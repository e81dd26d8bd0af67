package dev.strata.tier;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * What each open cache holds of one resource (heap or off-heap storage memory, disk files) when one of them, the
 * requester, is refused more, and an equal share of the total: the caches in use holding any, the requester counted
 * among them even if it holds none. An idle cache ({@link IdleCaches}) has no share: all it holds is above it. The
 * requester may take from the idle caches, the one holding most first, and then, while it holds less than the share,
 * from the caches above it, the most above first ({@link CacheManager}): max-min fairness among the caches in use, so a
 * cache that keeps asking cannot push the others below an equal share, and a new cache can grow at the expense of
 * older ones up to it.
 *
 * <p>A snapshot: the figures are read once, without a lock, and a cache asked to give back is marked as at its share
 * so that one refusal asks each cache once. Not thread-safe; one per refusal.
 */
final class Shares {

    private final List<TieredCache<?, ?>> caches;
    private final Tiers<?, ?> requester;
    private final long[] held;
    private final boolean[] idle;
    private final long share;
    private final long requesterHolds;

    /**
     * @param open the open caches
     * @param requester the tiers refused
     * @param holds what a cache's tiers hold of the resource
     * @param idle which caches are idle; the requester never counts as idle
     */
    Shares(Collection<TieredCache<?, ?>> open, Tiers<?, ?> requester, ToLongFunction<Tiers<?, ?>> holds,
           Predicate<TieredCache<?, ?>> idle) {
        this.caches = new ArrayList<>(open);
        this.requester = requester;
        this.held = new long[caches.size()];
        this.idle = new boolean[caches.size()];
        long total = 0;
        int holders = 0;
        long own = 0;
        for (int i = 0; i < caches.size(); i++) {
            Tiers<?, ?> tiers = caches.get(i).tiersImpl();
            held[i] = holds.applyAsLong(tiers);
            this.idle[i] = tiers != requester && idle.test(caches.get(i));
            total += held[i];
            holders += held[i] > 0 && !this.idle[i] ? 1 : 0;
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

    /** A cache above its share, and by how much. */
    record Above(TieredCache<?, ?> cache, long excessBytes) {
    }

    /**
     * {@return the next cache to give back and how much: an idle cache holding any, the one holding most first, all it
     * holds; then, if the requester is below the share, the cache in use holding the most above the share (the
     * requester aside), its excess; null if none is left} The cache is marked as at its share from now on.
     */
    Above nextAboveShare() {
        int most = mostHeld(true);
        if (most < 0 && requesterBelowShare()) {
            most = mostHeld(false);
        }
        if (most < 0) {
            return null;
        }
        long shareOfMost = idle[most] ? 0 : share;
        long excess = held[most] - shareOfMost;
        held[most] = shareOfMost;
        return new Above(caches.get(most), excess);
    }

    /** {@return the idle (or in use) cache, the requester aside, holding the most above its share, or -1} */
    private int mostHeld(boolean idleOnes) {
        long shareOfEach = idleOnes ? 0 : share;
        int most = -1;
        for (int i = 0; i < caches.size(); i++) {
            if (idle[i] == idleOnes && caches.get(i).tiersImpl() != requester && held[i] > shareOfEach
                    && (most < 0 || held[i] > held[most])) {
                most = i;
            }
        }
        return most;
    }
}
