package dev.strata.tier;

import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;

/**
 * A user codec that behaves exactly as {@code base}: tests subclass it to make one call fail or wait. Not identical to
 * a built-in codec, so the cache treats it as a user codec (no in-place overwrites).
 *
 * @param <T> the type encoded
 */
class DelegatingCodec<T> implements Codec<T> {

    private final Codec<T> base;

    DelegatingCodec(Codec<T> base) {
        this.base = base;
    }

    @Override
    public int encodedSize(T value) {
        return base.encodedSize(value);
    }

    @Override
    public void encode(T value, MemorySegment target, long offset) {
        base.encode(value, target, offset);
    }

    @Override
    public T decode(MemorySegment source, long offset, int length) {
        return base.decode(source, offset, length);
    }

    @Override
    public boolean matches(T value, MemorySegment encoded, long offset, int length) {
        return base.matches(value, encoded, offset, length);
    }

    @Override
    public int fixedSize() {
        return base.fixedSize();
    }
}
