package dev.strata.tier;

import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The encoding of an {@link Expiring} value in the off-heap and disk tiers: the deadline, then the user's value as its
 * own codec encodes it. The deadline is little-endian whatever the platform, since a persistent cache's files keep it.
 *
 * <pre>
 *   offset 0            8                              8 + values.encodedSize(value)
 *          +------------+------------------------------+
 *          | expiresAt  | value bytes (values codec)   |
 *          | int64 LE   |                              |
 *          +------------+------------------------------+
 * </pre>
 *
 * A zero-copy read hands the reader the value bytes only ({@link #valueBytes}). Stateless and thread-safe.
 *
 * @param <V> the user's value type
 */
final class ExpiringCodec<V> implements Codec<Expiring<V>> {

    /** The deadline's bytes ahead of every value. */
    static final int DEADLINE_BYTES = Long.BYTES;
    private static final ValueLayout.OfLong DEADLINE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Codec<V> values;

    ExpiringCodec(Codec<V> values) {
        this.values = Objects.requireNonNull(values, "values");
    }

    /** {@return the codec that encodes the user's values in a tier using {@code codec}: itself, or what it wraps} */
    static Codec<?> unwrapped(Codec<?> codec) {
        return codec instanceof ExpiringCodec<?> expiring ? expiring.values : codec;
    }

    /** {@return the deadline of the encoding at {@code offset} of {@code encoded}} */
    static long deadline(MemorySegment encoded, long offset) {
        return encoded.get(DEADLINE, offset);
    }

    /** Sets the deadline of the encoding at {@code offset} of {@code encoded} to {@code expiresAt}. */
    static void setDeadline(MemorySegment encoded, long offset, long expiresAt) {
        encoded.set(DEADLINE, offset, expiresAt);
    }

    /** {@return the user's value bytes of {@code encoded}, a whole encoding: a slice, no copy} */
    static MemorySegment valueBytes(MemorySegment encoded) {
        return encoded.asSlice(DEADLINE_BYTES);
    }

    @Override
    public int encodedSize(Expiring<V> value) {
        Objects.requireNonNull(value, "value");
        return Math.addExact(DEADLINE_BYTES, values.encodedSize(value.value()));
    }

    @Override
    public void encode(Expiring<V> value, MemorySegment target, long offset) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(target, "target");
        if (offset < 0) {
            throw new IndexOutOfBoundsException("offset: " + offset + " (expected: >= 0)");
        }
        values.encode(value.value(), target, offset + DEADLINE_BYTES);   // checks the bounds first: writes nothing
        target.set(DEADLINE, offset, value.expiresAt());
    }

    @Override
    public Expiring<V> decode(MemorySegment source, long offset, int length) {
        if (length < DEADLINE_BYTES) {
            throw new IllegalArgumentException("expiring value at " + offset + ": " + length
                    + " bytes (expected: at least " + DEADLINE_BYTES + ", the deadline)");
        }
        long expiresAt = source.get(DEADLINE, offset);
        return new Expiring<>(values.decode(source, offset + DEADLINE_BYTES, length - DEADLINE_BYTES), expiresAt);
    }

    @Override
    public int fixedSize() {
        int fixed = values.fixedSize();
        return fixed == VARIABLE_SIZE ? VARIABLE_SIZE : DEADLINE_BYTES + fixed;
    }

    @Override
    public String name() {
        return "expiring(" + values.name() + ")";
    }
}
