package dev.strata.tier;

import dev.strata.cache.Cache;
import java.util.Objects;

/**
 * {@link Cache#invalidateAll(Iterable)} for both caches ({@link TieredCache}, {@link ExpiringCache}): each key removed
 * as by {@link Cache#remove(Object)}, so each under its own stripe's monitor, none holding up the writers of the
 * others. Thread-safe: stateless.
 */
final class BulkRemoval {

    private BulkRemoval() {
    }

    /** {@return how many of {@code keys} had a value in {@code cache} and lost it to this call} */
    static <K> long removeAll(Cache<K, ?> cache, Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        long removed = 0;
        for (K key : keys) {
            if (cache.remove(Objects.requireNonNull(key, "keys contains a null key"))) {
                removed++;
            }
        }
        return removed;
    }
}
