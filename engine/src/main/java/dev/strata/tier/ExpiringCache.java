package dev.strata.tier;

import dev.strata.DataSize;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The {@link Cache} of a cache with a time to live: its tiers hold {@link Expiring} values, each stamped by
 * {@link Expiry} when it is put or loaded, and this view hands the user's values in and out. The lookups skip and
 * remove expired values ({@link Lookups}), and eviction drops them instead of moving them down ({@link Tiers},
 * {@link OffHeapPlacement}), so everything the contract of {@link Cache} says of a value holds for an unexpired one.
 * With a time to idle, every method that hands a stored value back ({@code get}, {@code getAll}, {@code read}, and
 * {@code putIfAbsent} and {@code computeIfAbsent} when the key had one) renews its deadline once it is due
 * ({@link Expiry#renewedDeadline}); {@code containsKey} does not. With a refresh after write the same methods hand a
 * refresh of the value over once it is due ({@link Refresh}). Thread-safe, as the cache it wraps.
 *
 * @param <K> the key type
 * @param <V> the user's value type
 */
final class ExpiringCache<K, V> implements Cache<K, V> {

    private final TieredCache<K, Expiring<V>> cache;
    private final Expiry expiry;
    /** The user's value codec, for comparing values ({@link Condition#sameValue}). */
    private final Codec<V> valueCodec;
    /** Null: values are not refreshed. */
    private final Refresh<K, V> refresh;

    /** @param refresh the cache's refresh after write, or null */
    ExpiringCache(TieredCache<K, Expiring<V>> cache, Expiry expiry, Codec<V> valueCodec, Refresh<K, V> refresh) {
        this.cache = cache;
        this.expiry = expiry;
        this.valueCodec = valueCodec;
        this.refresh = refresh;
    }

    /** {@return the cache of stamped values this view wraps} For tests. */
    TieredCache<K, Expiring<V>> stamped() {
        return cache;
    }

    @Override
    public V get(K key) {
        return handedBack(key, cache.get(key));
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        cache.put(key, stamp(key, value));
    }

    @Override
    public V putIfAbsent(K key, V value) {
        Objects.requireNonNull(key, "key");
        return handedBack(key, cache.putIfAbsent(key, stamp(key, value)));
    }

    @Override
    public boolean remove(K key) {
        return cache.remove(key);
    }

    @Override
    public V replace(K key, V value) {
        Objects.requireNonNull(key, "key");
        return unwrapped(cache.replaceWhen(key, stamp(key, value), Condition.present(current -> true)));
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(oldValue, "oldValue");
        return cache.replaceWhen(key, stamp(key, newValue), Condition.present(current -> same(current, oldValue)))
                != null;
    }

    @Override
    public boolean remove(K key, V value) {
        Objects.requireNonNull(value, "value");
        return cache.removeWhen(key, Condition.present(current -> same(current, value))) != null;
    }

    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> remapping) {
        return remap(key, Remapping.computing(remapping));
    }

    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> remapping) {
        return remap(key, Remapping.ifPresent(remapping));
    }

    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> remapping) {
        return remap(key, Remapping.merging(value, remapping));
    }

    /** {@link TieredCache#remap} of the user's values: each result stamped with its deadline as a put's value is. */
    private V remap(K key, BiFunction<K, V, V> function) {
        return unwrapped(cache.remap(key, (k, stamped) -> {
            V computed = function.apply(k, unwrapped(stamped));
            return computed == null ? null : expiry.stamp(k, computed);
        }));
    }

    private boolean same(Expiring<V> current, V expected) {
        return Condition.sameValue(valueCodec, current.value(), expected);
    }

    private static <V> V unwrapped(Expiring<V> stamped) {
        return stamped == null ? null : stamped.value();
    }

    @Override
    public boolean containsKey(K key) {
        return cache.containsKey(key);
    }

    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        return handedBack(key, cache.computeIfAbsent(key, k -> {
            V loaded = loader.apply(k);
            return loaded == null ? null : expiry.stamp(k, loaded);   // stamped when the load ends: not due
        }));
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys) {
        Map<K, V> found = new HashMap<>();
        cache.getAll(keys).forEach((key, stamped) -> found.put(key, handedBack(key, stamped)));
        return found;
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys,
                            Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader) {
        return BulkLoad.getAll(this, keys, loader, cache.loads());   // each loaded value stamped by putIfAbsent
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> entries) {
        Objects.requireNonNull(entries, "entries");
        entries.forEach(this::put);
    }

    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        Iterator<Map.Entry<K, Expiring<V>>> stamped = cache.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return stamped.hasNext();
            }

            @Override
            public Map.Entry<K, V> next() {
                Map.Entry<K, Expiring<V>> entry = stamped.next();
                return Map.entry(entry.getKey(), entry.getValue().value());
            }

            @Override
            public void remove() {
                stamped.remove();
            }
        };
    }

    @Override
    public ConcurrentMap<K, V> asMap() {
        return new CacheMap<>(this);
    }

    @Override
    public void invalidateAll() {
        cache.invalidateAll();
    }

    @Override
    public long invalidateAll(Iterable<? extends K> keys) {
        return BulkRemoval.removeAll(this, keys);
    }

    @Override
    public <R> R read(K key, Function<? super MemorySegment, ? extends R> reader) {
        if (!expiry.renewedByReads() && refresh == null) {
            return cache.read(key, reader);           // the lookups check the deadline and slice it off
        }
        long[] seen = {Long.MAX_VALUE};
        R result = cache.read(key, reader, deadline -> seen[0] = deadline);
        if (seen[0] != Long.MAX_VALUE) {
            readValue(key, seen[0]);
        }
        return result;
    }

    @Override
    public long size() {
        return cache.size();
    }

    @Override
    public long size(Tier tier) {
        return cache.size(tier);
    }

    @Override
    public long bytes(Tier tier) {
        return cache.bytes(tier);
    }

    @Override
    public List<Tier> tiers() {
        return cache.tiers();
    }

    @Override
    public void setMaximumSize(Tier tier, DataSize size) {
        cache.setMaximumSize(tier, size);
    }

    @Override
    public void removeMaximumSize(Tier tier) {
        cache.removeMaximumSize(tier);
    }

    @Override
    public Optional<DataSize> maximumSize(Tier tier) {
        return cache.maximumSize(tier);
    }

    @Override
    public CacheStats stats() {
        return cache.stats();
    }

    @Override
    public String name() {
        return cache.name();
    }

    @Override
    public void close() {
        cache.close();
    }

    @Override
    public String toString() {
        return cache + "[" + expiry + (refresh == null ? "" : ", " + refresh) + "]";
    }

    private Expiring<V> stamp(K key, V value) {
        return expiry.stamp(key, Objects.requireNonNull(value, "value"));
    }

    /** {@return the user's value of {@code stamped}, a value of {@code key} handed back to a caller, or null} */
    private V handedBack(K key, Expiring<V> stamped) {
        if (stamped == null) {
            return null;
        }
        readValue(key, stamped.expiresAt());
        return stamped.value();
    }

    /**
     * After a caller read a value of {@code key} with deadline {@code seen}: renews the deadline if it is due (a time
     * to idle), or hands a refresh of the value over if one is due.
     */
    private void readValue(K key, long seen) {
        if (refresh != null) {
            refresh.refreshIfDue(cache, expiry, key, seen);
            return;                                    // a cache that refreshes has no time to idle
        }
        long renewed = expiry.renewedDeadline(seen);
        if (renewed != seen) {
            cache.renewDeadline(key, renewed);
        }
    }
}
