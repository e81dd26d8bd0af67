package dev.strata.tier;

import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What a conditional write or remove asks of the key's current value, checked by {@link Tiers} under the key's stripe
 * monitor just before it installs or removes anything, wherever the value lies: no value at all ({@link #absent()}, a
 * put-if-absent); a value that passes a test ({@link #present}, a replace or a conditional remove), for which an
 * off-heap record is decoded and a disk record read and decoded while the monitor keeps them stable; or the very
 * value a {@linkplain Tiers#snapshot snapshot} read, still in the place it was read ({@link #unchanged}, a compute),
 * which compares places and versions (values only when the value moved). A value whose deadline has passed counts as
 * no value.
 *
 * <p>A present condition remembers the value it last held for ({@link #seen()}), which a replace hands back, and a
 * failure of the decode or of the test ({@link #failure()}), which the operation throws once it holds no monitor.
 * Not thread-safe: one per operation, used by the thread running it ({@link #absent()} is shared and stateless).
 *
 * @param <V> the value type the tiers hold
 */
final class Condition<V> {

    private static final Condition<Object> ABSENT = new Condition<>(null);

    /** Null for the absent condition and for an unchanged place. */
    private final Predicate<? super V> test;
    /** For {@link #unchanged}: where the value was read; else null. */
    private final Tiers.Source place;
    private V seen;
    private RuntimeException failure;

    private Condition(Predicate<? super V> test) {
        this.test = test;
        this.place = null;
    }

    private Condition(Tiers.Source place, V value) {
        this.test = null;
        this.place = place;
        this.seen = value;
    }

    /** {@return the condition of a put-if-absent: the key has no place in any tier} */
    @SuppressWarnings("unchecked")
    static <V> Condition<V> absent() {
        return (Condition<V>) ABSENT;
    }

    /** {@return the condition that the key has an unexpired value and {@code test} holds for it} */
    static <V> Condition<V> present(Predicate<? super V> test) {
        return new Condition<>(test);
    }

    /**
     * {@return the condition that the key still has {@code value}, unexpired, where a snapshot read it
     * ({@code place}): not replaced, even by an equal value, nor removed since} A value moved meanwhile (to another
     * tier, or within one) is compared with {@code value} instead ({@link #sameValue}).
     */
    static <V> Condition<V> unchanged(Tiers.Source place, V value) {
        return new Condition<>(place, value);
    }

    /**
     * {@return whether {@code current} is the same value as {@code expected}: equal ({@link Objects#deepEquals}, so
     * arrays by their contents), or encoded by {@code codec} to the same bytes} The second test lets a value type that
     * does not override {@code equals} match its own decoded copy, which an off-heap or disk tier hands back.
     *
     * @throws RuntimeException what the codec throws for either value
     */
    static <T> boolean sameValue(Codec<T> codec, T current, T expected) {
        if (Objects.deepEquals(current, expected)) {
            return true;
        }
        int size = codec.encodedSize(current);
        if (size != codec.encodedSize(expected)) {
            return false;
        }
        return Arrays.equals(encoded(codec, current, size), encoded(codec, expected, size));
    }

    private static <T> byte[] encoded(Codec<T> codec, T value, int size) {
        byte[] bytes = new byte[size];
        codec.encode(value, MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** {@return whether this is the put-if-absent condition} */
    boolean wantsAbsent() {
        return test == null && place == null;
    }

    /** {@return for an {@linkplain #unchanged unchanged} condition, the place the value was read; else null} */
    Tiers.Source place() {
        return place;
    }

    /**
     * {@return whether the key's {@code current} value (null if it has none, or none that could be read) passes the
     * test} Remembers {@code current} when it does, and a test that throws as this condition's failure (it then does
     * not hold). Stripe held.
     */
    boolean holds(V current) {
        seen = null;
        if (current == null) {
            return false;
        }
        try {
            if (!test.test(current)) {
                return false;
            }
        } catch (RuntimeException e) {
            failure = e;
            return false;
        }
        seen = current;
        return true;
    }

    /** Records that the key's current value could not be decoded for the test: the condition does not hold. */
    void failed(RuntimeException e) {
        seen = null;
        failure = e;
    }

    /** {@return the value the condition last held for, or null} */
    V seen() {
        return seen;
    }

    /** {@return what the decode or the test threw the last time the condition was checked, or null} */
    RuntimeException failure() {
        return failure;
    }
}
