package dev.strata.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * {@link Codecs#bytes()}: the array as it is, one bulk copy each way.
 *
 * <pre>
 * offset                          offset + value.length
 *   | value[0] | value[1] | ... | value[n-1] |
 * </pre>
 */
final class BytesCodec implements Codec<byte[]> {

    static final BytesCodec INSTANCE = new BytesCodec();

    private BytesCodec() {
    }

    @Override
    public int encodedSize(byte[] value) {
        return Objects.requireNonNull(value, "value").length;
    }

    @Override
    public void encode(byte[] value, MemorySegment target, long offset) {
        Objects.requireNonNull(value, "value");
        Bounds.checkEncode(target, offset, value.length);
        MemorySegment.copy(value, 0, target, ValueLayout.JAVA_BYTE, offset, value.length);
    }

    @Override
    public byte[] decode(MemorySegment source, long offset, int length) {
        Bounds.checkDecode(source, offset, length);
        byte[] value = new byte[length];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, value, 0, length);
        return value;
    }

    @Override
    public boolean matches(byte[] value, MemorySegment encoded, long offset, int length) {
        return EncodedComparison.equal(Objects.requireNonNull(value, "value"), encoded, offset, length);
    }

    @Override
    public String name() {
        return "bytes";
    }

    @Override
    public String toString() {
        return "Codecs.bytes()";
    }
}
