package dev.strata.tier;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * What each open cache holds of one resource (heap or off-heap storage memory, disk files) when one of them, the
 * requester, is refused more, and an equal share. Caches in use and idle ones ({@link IdleCaches}: none of their
 * entries read lately) are told apart:
 * <ul>
 *   <li>a requester in use may take from the idle caches all they hold, the one holding most first (their share is
 *       zero), and then, while it holds less than an equal share of the total among the caches in use holding any
 *       (itself counted even if it holds none), from the caches in use above that share, the most above first;</li>
 *   <li>an idle requester may take only from the other idle caches, those above an equal share of what the idle
 *       caches hold, while it holds less: it never takes from a cache in use.</li>
 * </ul>
 * Max-min fairness within each group ({@link CacheManager}): a cache that keeps asking cannot push the others of its
 * group below an equal share, and a new cache can grow at the expense of older ones up to it.
 *
 * <p>A snapshot: the figures are read once, without a lock, and a cache asked to give back is marked as at its share
 * so that one refusal asks each cache once. Not thread-safe; one per refusal.
 */
final class Shares {

    private final List<TieredCache<?, ?>> caches;
    private final Tiers<?, ?> requester;
    private final long[] held;
    private final boolean[] idle;
    private final boolean requesterIdle;
    /** The equal share within the requester's group. */
    private final long share;
    private final long requesterHolds;

    /**
     * @param open the open caches
     * @param requester the tiers refused
     * @param holds what a cache's tiers hold of the resource
     * @param idle which caches are idle
     */
    Shares(Collection<TieredCache<?, ?>> open, Tiers<?, ?> requester, ToLongFunction<Tiers<?, ?>> holds,
           Predicate<TieredCache<?, ?>> idle) {
        this.caches = new ArrayList<>(open);
        this.requester = requester;
        this.held = new long[caches.size()];
        this.idle = new boolean[caches.size()];
        long total = 0;
        long idleTotal = 0;
        int holders = 0;
        int idleHolders = 0;
        long own = 0;
        boolean ownIdle = false;
        for (int i = 0; i < caches.size(); i++) {
            Tiers<?, ?> tiers = caches.get(i).tiersImpl();
            held[i] = holds.applyAsLong(tiers);
            this.idle[i] = idle.test(caches.get(i));
            total += held[i];
            idleTotal += this.idle[i] ? held[i] : 0;
            holders += held[i] > 0 && !this.idle[i] ? 1 : 0;
            idleHolders += held[i] > 0 && this.idle[i] ? 1 : 0;
            if (tiers == requester) {
                own = held[i];
                ownIdle = this.idle[i];
            }
        }
        this.requesterIdle = ownIdle;
        this.requesterHolds = own;
        int inGroup = (ownIdle ? idleHolders : holders) + (own == 0 ? 1 : 0);
        this.share = (ownIdle ? idleTotal : total) / inGroup;
    }

    /** {@return whether the requester holds less than an equal share of its group, so that it may take from above} */
    boolean requesterBelowShare() {
        return requesterHolds < share;
    }

    /** A cache above its share, and by how much. */
    record Above(TieredCache<?, ?> cache, long excessBytes) {
    }

    /**
     * {@return the next cache to give back and how much, or null if none is left} For a requester in use: an idle cache
     * holding any, the one holding most first, all it holds; then, if the requester is below the share, the cache in
     * use holding the most above it, its excess. For an idle requester below the share: the idle cache holding the most
     * above it, its excess. The cache is marked as at its share from now on.
     */
    Above nextAboveShare() {
        int most = requesterIdle ? -1 : mostAbove(true, 0);
        if (most < 0 && requesterBelowShare()) {
            most = mostAbove(requesterIdle, share);
        }
        if (most < 0) {
            return null;
        }
        long shareOfMost = requesterIdle || !idle[most] ? share : 0;
        long excess = held[most] - shareOfMost;
        held[most] = shareOfMost;
        return new Above(caches.get(most), excess);
    }

    /** {@return the cache of the group ({@code idleOnes}), the requester aside, holding the most above {@code share}} */
    private int mostAbove(boolean idleOnes, long shareOfEach) {
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
