package dev.strata.tier;

import dev.strata.cache.Cache;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@link Cache} seen as a {@link ConcurrentMap} ({@link Cache#asMap}): every method is the cache's own, or built on
 * its atomic ones. {@code put} and {@code remove}, which must hand back the old value, are computes (the value read
 * where it lies, the write made only if it is still there: see {@link Cache#compute}); the views iterate the cache
 * ({@link Cache#iterator}). Writes through the map are the cache's writes: they land in its tiers and may be evicted.
 *
 * <p>Thread-safe, as the cache.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class CacheMap<K, V> extends AbstractMap<K, V> implements ConcurrentMap<K, V> {

    private final Cache<K, V> cache;
    private final Set<Map.Entry<K, V>> entries = new Entries();

    CacheMap(Cache<K, V> cache) {
        this.cache = cache;
    }

    @Override
    public int size() {
        return (int) Math.min(cache.size(), Integer.MAX_VALUE);
    }

    @Override
    public boolean isEmpty() {
        return cache.size() == 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        return cache.get((K) key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean containsKey(Object key) {
        return cache.containsKey((K) key);
    }

    @Override
    public V put(K key, V value) {
        Objects.requireNonNull(value, "value");
        Object[] old = new Object[1];
        cache.compute(key, (k, current) -> {
            old[0] = current;
            return value;
        });
        return cast(old[0]);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V remove(Object key) {
        Object[] old = new Object[1];
        cache.computeIfPresent((K) key, (k, current) -> {
            old[0] = current;
            return null;
        });
        return cast(old[0]);
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> map) {
        cache.putAll(map);
    }

    @Override
    public void clear() {
        cache.invalidateAll();
    }

    @Override
    public V putIfAbsent(K key, V value) {
        return cache.putIfAbsent(key, value);
    }

    /** A value the cache's codec cannot take (another type) is not the key's value: false, as for a hash map. */
    @Override
    @SuppressWarnings("unchecked")
    public boolean remove(Object key, Object value) {
        if (value == null) {
            return false;
        }
        try {
            return cache.remove((K) key, (V) value);
        } catch (ClassCastException e) {
            return false;
        }
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        return cache.replace(key, oldValue, newValue);
    }

    @Override
    public V replace(K key, V value) {
        return cache.replace(key, value);
    }

    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> mappingFunction) {
        return cache.computeIfAbsent(key, mappingFunction);
    }

    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> remappingFunction) {
        return cache.computeIfPresent(key, remappingFunction);
    }

    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> remappingFunction) {
        return cache.compute(key, remappingFunction);
    }

    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> remappingFunction) {
        return cache.merge(key, value, remappingFunction);
    }

    /** Each key's value through {@code computeIfPresent}: no value comparison, so it ends for any value type. */
    @Override
    public void replaceAll(BiFunction<? super K, ? super V, ? extends V> function) {
        Objects.requireNonNull(function, "function");
        for (Map.Entry<K, V> entry : cache) {
            cache.computeIfPresent(entry.getKey(), (k, v) -> Objects.requireNonNull(function.apply(k, v),
                    "replaceAll's function returned null"));
        }
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return entries;
    }

    @Override
    public String toString() {
        return "asMap of " + cache;
    }

    @SuppressWarnings("unchecked")
    private static <V> V cast(Object value) {
        return (V) value;
    }

    /** The entries, as {@link Cache#iterator} walks them; removal through the cache's conditional remove. */
    private final class Entries extends AbstractSet<Map.Entry<K, V>> {

        @Override
        public Iterator<Map.Entry<K, V>> iterator() {
            return cache.iterator();
        }

        @Override
        public int size() {
            return CacheMap.this.size();
        }

        @Override
        public boolean contains(Object o) {
            if (!(o instanceof Map.Entry<?, ?> entry) || entry.getKey() == null || entry.getValue() == null) {
                return false;
            }
            V value = get(entry.getKey());
            return value != null && value.equals(entry.getValue());
        }

        @Override
        public boolean remove(Object o) {
            return o instanceof Map.Entry<?, ?> entry && entry.getKey() != null
                    && CacheMap.this.remove(entry.getKey(), entry.getValue());
        }

        @Override
        public void clear() {
            cache.invalidateAll();
        }
    }
}
