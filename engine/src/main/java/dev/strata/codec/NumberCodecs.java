package dev.strata.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The fixed-width codecs {@link Codecs#int64()}, {@link Codecs#int32()} and {@link Codecs#float64()}: the value in
 * two's complement or IEEE 754 bits, little-endian on every platform, written and read with one unaligned
 * {@link ValueLayout} access. Little-endian is what x86-64 and AArch64 use natively, so the access is a plain load or
 * store there; fixing the order keeps files written on one machine readable on any other.
 *
 * <pre>
 * int64:   | b0 (least significant) | b1 | b2 | b3 | b4 | b5 | b6 | b7 (most significant) |   8 bytes
 * int32:   | b0 (least significant) | b1 | b2 | b3 (most significant) |                        4 bytes
 * float64: Double.doubleToRawLongBits(value) as int64; NaN payloads and -0.0 are kept            8 bytes
 * </pre>
 */
final class NumberCodecs {

    static final ValueLayout.OfLong INT64_LAYOUT =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT32_LAYOUT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble FLOAT64_LAYOUT =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final Codec<Long> INT64 = new Int64();
    static final Codec<Integer> INT32 = new Int32();
    static final Codec<Double> FLOAT64 = new Float64();

    private NumberCodecs() {
    }

    /**
     * Checks the range a fixed-width codec is asked to decode, then its length, so that a bad range is an
     * {@link IndexOutOfBoundsException} as in every other codec.
     */
    static void checkFixedLength(MemorySegment source, String codecName, long offset, int length, int expected) {
        Bounds.checkDecode(source, offset, length);
        if (length != expected) {
            throw Bounds.malformed(codecName, offset, length, "expected: length " + expected, null);
        }
    }

    private static final class Int64 implements Codec<Long> {
        @Override
        public int encodedSize(Long value) {
            Objects.requireNonNull(value, "value");
            return Long.BYTES;
        }

        @Override
        public void encode(Long value, MemorySegment target, long offset) {
            target.set(INT64_LAYOUT, offset, Objects.requireNonNull(value, "value"));
        }

        @Override
        public Long decode(MemorySegment source, long offset, int length) {
            checkFixedLength(source, "int64", offset, length, Long.BYTES);
            return source.get(INT64_LAYOUT, offset);
        }

        @Override
        public boolean matches(Long value, MemorySegment encoded, long offset, int length) {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(encoded, "encoded");
            return length == Long.BYTES && encoded.get(INT64_LAYOUT, offset) == value;
        }

        @Override
        public int fixedSize() {
            return Long.BYTES;
        }

        @Override
        public String name() {
            return "int64";
        }

        @Override
        public String toString() {
            return "Codecs.int64()";
        }
    }

    private static final class Int32 implements Codec<Integer> {
        @Override
        public int encodedSize(Integer value) {
            Objects.requireNonNull(value, "value");
            return Integer.BYTES;
        }

        @Override
        public void encode(Integer value, MemorySegment target, long offset) {
            target.set(INT32_LAYOUT, offset, Objects.requireNonNull(value, "value"));
        }

        @Override
        public Integer decode(MemorySegment source, long offset, int length) {
            checkFixedLength(source, "int32", offset, length, Integer.BYTES);
            return source.get(INT32_LAYOUT, offset);
        }

        @Override
        public boolean matches(Integer value, MemorySegment encoded, long offset, int length) {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(encoded, "encoded");
            return length == Integer.BYTES && encoded.get(INT32_LAYOUT, offset) == value;
        }

        @Override
        public int fixedSize() {
            return Integer.BYTES;
        }

        @Override
        public String name() {
            return "int32";
        }

        @Override
        public String toString() {
            return "Codecs.int32()";
        }
    }

    private static final class Float64 implements Codec<Double> {
        @Override
        public int encodedSize(Double value) {
            Objects.requireNonNull(value, "value");
            return Double.BYTES;
        }

        @Override
        public void encode(Double value, MemorySegment target, long offset) {
            target.set(FLOAT64_LAYOUT, offset, Objects.requireNonNull(value, "value"));
        }

        @Override
        public Double decode(MemorySegment source, long offset, int length) {
            checkFixedLength(source, "float64", offset, length, Double.BYTES);
            return source.get(FLOAT64_LAYOUT, offset);
        }

        @Override
        public boolean matches(Double value, MemorySegment encoded, long offset, int length) {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(encoded, "encoded");
            return length == Long.BYTES && Double.doubleToRawLongBits(encoded.get(FLOAT64_LAYOUT, offset))
                    == Double.doubleToRawLongBits(value);
        }

        @Override
        public int fixedSize() {
            return Double.BYTES;
        }

        @Override
        public String name() {
            return "float64";
        }

        @Override
        public String toString() {
            return "Codecs.float64()";
        }
    }
}
