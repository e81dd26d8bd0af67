package dev.strata.tier;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;

/**
 * A cache's refresh after write ({@code Cache.Builder.refreshAfterWrite}): a read that finds a value written at least
 * the interval ago hands a refresh of the key to the executor, at most one per key at a time, and returns the value it
 * found. The refresh takes a {@linkplain Tiers#snapshot snapshot} of the key, runs the reloader on its value if it is
 * still the one the read found (by its deadline: a later write stamps a later one), and writes the result only if the
 * key still holds that value where the snapshot read it ({@link Condition#unchanged}), as a compute does; a null
 * result removes the value under the same condition.
 *
 * <p>A value's write time is its deadline less the cache's one time to live ({@link Expiry#due}): a cache that
 * refreshes has a fixed time to live, its own or {@link #NEVER}, so a value needs nothing more than the deadline it
 * carries between tiers and across restarts.
 *
 * <p>Thread-safe: the reloader runs on the executor, concurrently for different keys.
 *
 * @param <K> the key type
 * @param <V> the user's value type
 */
final class Refresh<K, V> {

    /** The time to live of a cache that refreshes without one: long enough to be never, short enough to subtract. */
    static final Duration NEVER = Duration.ofDays(365L * 1000);
    private static final System.Logger LOG = System.getLogger(Refresh.class.getName());

    private final long intervalMillis;
    private final BiFunction<? super K, ? super V, ? extends V> reloader;
    private final Executor executor;
    /** The keys with a refresh handed to the executor and not ended. */
    private final ConcurrentHashMap<K, Boolean> running = new ConcurrentHashMap<>();

    /**
     * @param intervalMillis how long after its write a value is refreshed when read, at least 1
     * @param reloader computes a key's new value from its current one; null removes it
     * @param executor runs the refreshes
     */
    Refresh(long intervalMillis, BiFunction<? super K, ? super V, ? extends V> reloader, Executor executor) {
        this.intervalMillis = intervalMillis;
        this.reloader = Objects.requireNonNull(reloader, "reloader");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Hands a refresh of {@code key} to the executor if a value of it with deadline {@code expiresAt} was written at
     * least the interval ago and no refresh of the key is running. Called by a read that found that value.
     */
    void refreshIfDue(TieredCache<K, Expiring<V>> cache, Expiry expiry, K key, long expiresAt) {
        if (!expiry.due(expiresAt, intervalMillis) || running.putIfAbsent(key, Boolean.TRUE) != null) {
            return;
        }
        try {
            executor.execute(() -> refresh(cache, expiry, key, expiresAt));
        } catch (RejectedExecutionException e) {
            running.remove(key);
            LOG.log(System.Logger.Level.WARNING, "cache '" + cache.name() + "': the executor refused a refresh of key "
                    + key + "; the value stays as it is", e);
        }
    }

    /** Refreshes {@code key} if it still holds the value with deadline {@code expiresAt}; ends its run. */
    private void refresh(TieredCache<K, Expiring<V>> cache, Expiry expiry, K key, long expiresAt) {
        try {
            Tiers.Snapshot<Expiring<V>> found = cache.snapshotOf(key);
            Expiring<V> value = found.value();
            if (value == null || value.expiresAt() != expiresAt) {
                return;                                // removed, expired or written since the read
            }
            LoadCounters loads = cache.loads();
            V fresh = loads.run(LoadCounters.REFRESH, () -> reloader.apply(key, value.value()));
            Condition<Expiring<V>> unchanged = Condition.unchanged(found.place(), value);
            if (fresh == null) {
                cache.removeWhen(key, unchanged);
            } else {
                loads.loaded(1);
                cache.replaceWhen(key, expiry.stamp(key, fresh), unchanged);
            }
        } catch (RuntimeException e) {
            if (!cache.isClosed()) {                   // closed meanwhile: nothing left to refresh
                LOG.log(System.Logger.Level.WARNING, "cache '" + cache.name() + "': the refresh of key " + key
                        + " failed; the value stays as it is", e);
            }
        } finally {
            running.remove(key);
        }
    }

    @Override
    public String toString() {
        return "refreshAfterWrite=" + intervalMillis + " ms";
    }
}
