package dev.strata.tier;

import dev.strata.cache.Cache;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * {@link Cache#compute}, {@link Cache#computeIfPresent} and {@link Cache#merge} as functions of the key and its value
 * (null: none) for {@link TieredCache#remap}, which runs them in a compare-and-set loop.
 *
 * <p>Thread-safe: stateless.
 */
final class Remapping {

    private Remapping() {
    }

    /** {@return {@code remapping} itself, checked: {@link Cache#compute}'s function} */
    static <K, V> BiFunction<K, V, V> computing(BiFunction<? super K, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(remapping, "remapping");
        return remapping::apply;
    }

    /** {@return {@link Cache#computeIfPresent}'s function: {@code remapping} of a value, none for none} */
    static <K, V> BiFunction<K, V, V> ifPresent(BiFunction<? super K, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(remapping, "remapping");
        return (key, current) -> current == null ? null : remapping.apply(key, current);
    }

    /** {@return {@link Cache#merge}'s function: {@code value} for none, else {@code remapping} of both} */
    static <K, V> BiFunction<K, V, V> merging(V value, BiFunction<? super V, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(remapping, "remapping");
        return (key, current) -> current == null ? value : remapping.apply(current, value);
    }
}
