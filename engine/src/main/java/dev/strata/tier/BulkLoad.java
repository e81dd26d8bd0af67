package dev.strata.tier;

import dev.strata.cache.Cache;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link Cache#getAll(Iterable, Function)} for both caches ({@link TieredCache}, {@link ExpiringCache}): the keys are
 * read as by {@link Cache#getAll(Iterable)}, the missing ones handed to the loader in one call, and what it returns
 * cached with {@link Cache#putIfAbsent}, so a value put meanwhile wins over the loaded one, as with
 * {@link Cache#computeIfAbsent}.
 *
 * <p>Thread-safe: stateless.
 */
final class BulkLoad {

    private BulkLoad() {
    }

    /**
     * {@return the values of {@code keys} found in {@code cache} or loaded by {@code loader}} Counts the loader's call
     * in {@code loads}: its time, each value it returned as a load, and the call as a failure if it threw or returned
     * null.
     */
    static <K, V> Map<K, V> getAll(Cache<K, V> cache, Iterable<? extends K> keys,
                                   Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader,
                                   LoadCounters loads) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(loader, "loader");
        List<K> asked = new ArrayList<>();
        for (K key : keys) {
            asked.add(Objects.requireNonNull(key, "keys contains a null key"));
        }
        Map<K, V> found = cache.getAll(asked);
        Set<K> missing = new LinkedHashSet<>();
        for (K key : asked) {
            if (!found.containsKey(key)) {
                missing.add(key);
            }
        }
        if (missing.isEmpty()) {
            return found;
        }
        Set<K> unmodifiable = Collections.unmodifiableSet(missing);
        Map<? extends K, ? extends V> values = loads.run(LoadCounters.GET_ALL, () -> loader.apply(unmodifiable));
        Objects.requireNonNull(values, "the loader returned null (expected: a map, empty if it found nothing)");
        long count = 0;
        try {
            for (Map.Entry<? extends K, ? extends V> entry : values.entrySet()) {
                K key = Objects.requireNonNull(entry.getKey(), "the loader returned a null key");
                V value = entry.getValue();
                if (value == null) {
                    continue;                          // none found for this key
                }
                count++;
                V existing = cache.putIfAbsent(key, value);
                if (missing.contains(key)) {
                    found.put(key, existing != null ? existing : value);
                }
            }
        } finally {
            loads.loaded(count);
        }
        return found;
    }
}
