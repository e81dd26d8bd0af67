package dev.strata.tier;

import java.time.Duration;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which of an engine's caches are idle: none of their entries was read (no hit, in any tier) since a look at least the
 * idle time ago. That covers a cache a service stopped using and one whose entries are written and never read again
 * (a log, an import, one-off results, a cache-aside whose keys never come back): memory they hold serves nobody. An
 * idle cache's share of a contended memory mode or of the disk quota is zero ({@link Shares}), so the caches in use
 * take what it holds, and its entries move down its tiers, instead of it keeping an equal share until it is closed;
 * refused memory itself, it takes only from other idle caches above an equal share of what they hold.
 *
 * <p>Nothing is written on a get for it: a look sums each cache's hit counts ({@link AccessCounters}) and remembers
 * when they last changed. The engine looks when a cache is refused memory or quota, at most every
 * 1/{@value #LOOKS_PER_IDLE} of the idle time, so a cache counts as idle from the idle time after the first look that
 * follows its last hit, never earlier: with contention going on, within a sixteenth of the idle time of its due; a
 * cache nobody contends with is never looked at (and needs no share taken from it). A cache read again counts as in
 * use from the next look.
 *
 * <pre>
 *   hits:   1,204   1,204   1,204   1,204                       (looks at t0 &lt; t1 &lt; t2 &lt; t3)
 *   seen changed at t0 ------------------------ t3 - t0 &gt;= idle: idle at t3
 * </pre>
 *
 * <p>Thread-safe: looks are serialised on this object's monitor; {@link #isIdle} reads what the last look saw.
 */
final class IdleCaches {

    /** Looks per idle time, at most. */
    static final int LOOKS_PER_IDLE = 16;

    private final long idleNanos;
    private final long lookEveryNanos;
    private final LongSupplier nanoTime;
    /** When the next look is due; read without the lock to skip one. */
    private volatile long nextLookAt;
    private volatile boolean looked;
    /** Each open cache's count and when a look first saw it. Guarded by this. */
    private Map<TieredCache<?, ?>, Seen> seen = new IdentityHashMap<>();
    /** The caches the last look found idle. Replaced by each look, never changed. */
    private volatile Map<TieredCache<?, ?>, Boolean> idle = Map.of();
    /** Caches with an idle time of their own ({@code Cache.Builder.idleCacheAfter}), in nanoseconds. */
    private final Map<TieredCache<?, ?>, Long> ownIdleNanos = new ConcurrentHashMap<>();

    /**
     * @param idleAfter how long a cache must see no hit to count as idle; positive
     * @param nanoTime the time source, in nanoseconds ({@code System::nanoTime}; tests move one by hand)
     * @throws IllegalArgumentException if {@code idleAfter} is not positive
     */
    IdleCaches(Duration idleAfter, LongSupplier nanoTime) {
        checkPositive(idleAfter);
        this.idleNanos = saturatedNanos(idleAfter);
        this.lookEveryNanos = idleNanos / LOOKS_PER_IDLE;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** @throws IllegalArgumentException if {@code idleAfter} is zero or negative, naming it and the rule */
    static void checkPositive(Duration idleAfter) {
        if (idleAfter.isNegative() || idleAfter.isZero()) {
            throw new IllegalArgumentException("idleCacheAfter: " + idleAfter + " (expected: > 0)");
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;                     // over 292 years: never idle
        }
    }

    /** {@return how long a cache must see no hit to count as idle, in nanoseconds} */
    long idleNanos() {
        return idleNanos;
    }

    /**
     * Gives {@code cache} an idle time of its own instead of the engine's; looks still come at most every sixteenth
     * of the engine's. Forgotten once the cache is closed.
     *
     * @throws IllegalArgumentException if {@code idleAfter} is not positive
     */
    void setIdleTime(TieredCache<?, ?> cache, Duration idleAfter) {
        checkPositive(idleAfter);
        ownIdleNanos.put(cache, saturatedNanos(idleAfter));
    }

    /** {@return the idle time of {@code cache}, in nanoseconds: its own, or the engine's} */
    long idleNanosOf(TieredCache<?, ?> cache) {
        return ownIdleNanos.getOrDefault(cache, idleNanos);
    }

    /**
     * Looks at {@code open}'s hit counts, if a look is due: a cache whose count changed since the last look, or that is
     * new to it, is in use from now on; one whose count stayed since a look at least the idle time ago is idle. Closed
     * caches, no longer in {@code open}, are forgotten.
     */
    void look(Collection<TieredCache<?, ?>> open) {
        long now = nanoTime.getAsLong();
        if (looked && now - nextLookAt < 0) {
            return;
        }
        synchronized (this) {
            if (looked && now - nextLookAt < 0) {
                return;                                // another thread looked meanwhile
            }
            Map<TieredCache<?, ?>, Seen> next = new IdentityHashMap<>();
            Map<TieredCache<?, ?>, Boolean> idleNow = new IdentityHashMap<>();
            for (TieredCache<?, ?> cache : open) {
                long hits = cache.tiersImpl().accessCounters.allHits();
                Seen before = seen.get(cache);
                Seen current = before != null && before.hits == hits ? before : new Seen(hits, now);
                next.put(cache, current);
                if (now - current.since >= idleNanosOf(cache)) {
                    idleNow.put(cache, Boolean.TRUE);
                }
            }
            ownIdleNanos.keySet().removeIf(TieredCache::isClosed);
            seen = next;
            idle = idleNow;
            nextLookAt = now + lookEveryNanos;
            looked = true;
        }
    }

    /** {@return whether the last look found {@code cache} idle} Lock-free. */
    boolean isIdle(TieredCache<?, ?> cache) {
        return idle.containsKey(cache);
    }

    /** A cache's count of hits and the time of the first look that saw it. */
    private record Seen(long hits, long since) {
    }
}
