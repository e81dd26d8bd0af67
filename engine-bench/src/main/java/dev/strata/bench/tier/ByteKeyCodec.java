package dev.strata.bench.tier;

import dev.strata.bench.workload.ByteKey;
import dev.strata.bench.workload.Keys;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Encodes the benchmark's 16-byte keys as they are (a fixed size, so the engine needs no length for them; Chronicle Map
 * is told the same with {@code constantKeySizeBySample}). Keys are {@link ByteKey}s because a Strata cache compares
 * keys with {@code equals}, which a bare {@code byte[]} does by identity. Like any codec whose values wrap bytes, it
 * compares a key with a stored encoding in place ({@link Codec#matches}). Stateless and thread-safe.
 */
final class ByteKeyCodec implements Codec<ByteKey> {

    @Override
    public int encodedSize(ByteKey key) {
        return Keys.KEY_BYTES;
    }

    @Override
    public void encode(ByteKey key, MemorySegment target, long offset) {
        byte[] bytes = key.bytes();
        if (bytes.length != Keys.KEY_BYTES) {
            throw new IllegalArgumentException("key: " + bytes.length + " bytes (expected: " + Keys.KEY_BYTES + ")");
        }
        MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, offset, Keys.KEY_BYTES);
    }

    /** Compares the wrapped array with the encoding in place, with {@code Codecs.bytes()}: no copy per lookup. */
    @Override
    public boolean matches(ByteKey key, MemorySegment encoded, long offset, int length) {
        return Codecs.bytes().matches(key.bytes(), encoded, offset, length);
    }

    @Override
    public ByteKey decode(MemorySegment source, long offset, int length) {
        byte[] bytes = new byte[length];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
        return new ByteKey(bytes);
    }

    @Override
    public int fixedSize() {
        return Keys.KEY_BYTES;
    }

    @Override
    public String name() {
        return "bench-key16";
    }
}
