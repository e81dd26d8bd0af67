package dev.strata.tier;

import dev.strata.cache.Cache;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * {@link Cache#compute}, {@link Cache#computeIfPresent} and {@link Cache#merge} for both caches ({@link TieredCache},
 * {@link ExpiringCache}), as compare-and-set loops over the conditional writes: look at the key's value, compute the
 * new one with no lock held, then make the change only if the value is still the one looked at
 * ({@link Cache#putIfAbsent}, {@link Cache#replace(Object, Object, Object)}, {@link Cache#remove(Object, Object)}),
 * else look again. No lock is held while the function runs, so it may be slow or call the cache; when other threads
 * change the key meanwhile it runs again, as {@link java.util.concurrent.ConcurrentMap}'s default methods do.
 *
 * <p>Thread-safe: stateless.
 */
final class Remapping {

    private Remapping() {
    }

    /** {@link Cache#compute}, looking at values with {@code peek} (no statistics counted). */
    static <K, V> V compute(Cache<K, V> cache, Function<K, V> peek, K key,
                            BiFunction<? super K, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(remapping, "remapping");
        while (true) {
            V old = peek.apply(key);
            V computed = remapping.apply(key, old);
            if (changed(cache, key, old, computed)) {
                return computed;
            }
        }
    }

    /** {@link Cache#computeIfPresent}, looking at values with {@code peek} (no statistics counted). */
    static <K, V> V computeIfPresent(Cache<K, V> cache, Function<K, V> peek, K key,
                                     BiFunction<? super K, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(remapping, "remapping");
        while (true) {
            V old = peek.apply(key);
            if (old == null) {
                return null;
            }
            V computed = remapping.apply(key, old);
            if (changed(cache, key, old, computed)) {
                return computed;
            }
        }
    }

    /** {@link Cache#merge}, looking at values with {@code peek} (no statistics counted). */
    static <K, V> V merge(Cache<K, V> cache, Function<K, V> peek, K key, V value,
                          BiFunction<? super V, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(remapping, "remapping");
        while (true) {
            V old = peek.apply(key);
            V merged = old == null ? value : remapping.apply(old, value);
            if (changed(cache, key, old, merged)) {
                return merged;
            }
        }
    }

    /**
     * Changes the key's value from {@code old} to {@code computed} (null for none) if it is still {@code old}.
     * {@return whether it was (or, both null, nothing was to be done)}
     */
    private static <K, V> boolean changed(Cache<K, V> cache, K key, V old, V computed) {
        if (old == null) {
            return computed == null || cache.putIfAbsent(key, computed) == null;
        }
        return computed == null ? cache.remove(key, old) : cache.replace(key, old, computed);
    }
}
