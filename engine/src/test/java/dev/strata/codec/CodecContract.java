package dev.strata.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The round-trip contract every codec must meet, as reusable assertions: the built-in codecs run it in
 * {@link CodecRoundTripContractTest}; the chronicle adapter, which needs JVM flags, runs it in its own test JVM.
 */
final class CodecContract {

    /** Where the bytes go; encodings start at {@link #OFFSET} so that nothing relies on offset 0 or alignment. */
    enum SegmentKind {
        /** A native segment of a confined arena. */
        NATIVE,
        /** A segment over a whole byte[]. */
        HEAP,
        /** A slice, starting at byte 5, of a segment over a larger byte[] (its address is not 0). */
        HEAP_SLICE
    }

    static final long OFFSET = 13;
    private static final int TAIL = 29;
    private static final byte SENTINEL_A = (byte) 0xA5;
    private static final byte SENTINEL_B = (byte) 0x5A;

    private CodecContract() {
    }

    /**
     * Encodes {@code value} twice over two different sentinel fills at {@link #OFFSET} of a segment of the given
     * kind, and asserts: the bytes outside {@code [OFFSET, OFFSET + encodedSize)} stay as filled; both encodings are
     * identical (so every byte of the range is written); the bytes equal {@code expectedWire} when given; decoding
     * gives back an equal value; {@link Codec#matches} accepts the encoding and rejects it shortened, lengthened or with
     * its last byte changed.
     *
     * @return the wire bytes
     */
    static <T> byte[] assertRoundTrip(Codec<T> codec, T value, SegmentKind kind, Function<T, byte[]> expectedWire) {
        int size = codec.encodedSize(value);
        long byteSize = OFFSET + size + TAIL;
        byte[][] wire = new byte[1][];
        withSegment(kind, byteSize, segment -> {
            byte[] first = encodeOver(codec, value, segment, SENTINEL_A, size);
            byte[] second = encodeOver(codec, value, segment, SENTINEL_B, size);
            assertArrayEquals(first, second, () -> codec.name() + ": bytes of the range left unwritten");
            if (expectedWire != null) {
                assertArrayEquals(expectedWire.apply(value), first, () -> codec.name() + ": wire format");
            }
            assertDecodedEquals(value, codec.decode(segment, OFFSET, size), codec.name());
            assertMatchesOnlyItsEncoding(codec, value, segment, size);
            wire[0] = first;
        });
        return wire[0];
    }

    /** Asserts {@link Codec#matches} accepts the encoding at {@link #OFFSET}, and not shortened, longer or changed. */
    private static <T> void assertMatchesOnlyItsEncoding(Codec<T> codec, T value, MemorySegment segment, int size) {
        String name = codec.name();
        assertTrue(codec.matches(value, segment, OFFSET, size), () -> name + ": matches its own encoding");
        assertFalse(codec.matches(value, segment, OFFSET, size + 1), () -> name + ": matches a longer range");
        if (size > 0) {
            assertFalse(codec.matches(value, segment, OFFSET, size - 1), () -> name + ": matches a shorter range");
            long last = OFFSET + size - 1;
            segment.set(ValueLayout.JAVA_BYTE, last, (byte) ~segment.get(ValueLayout.JAVA_BYTE, last));
            assertFalse(codec.matches(value, segment, OFFSET, size), () -> name + ": matches a changed byte");
        }
    }

    /** Runs {@code test} with a segment of the kind, of exactly {@code byteSize} bytes, freed afterwards. */
    static void withSegment(SegmentKind kind, long byteSize, Consumer<MemorySegment> test) {
        switch (kind) {
            case NATIVE -> {
                try (Arena arena = Arena.ofConfined()) {
                    test.accept(arena.allocate(byteSize));
                }
            }
            case HEAP -> test.accept(MemorySegment.ofArray(new byte[Math.toIntExact(byteSize)]));
            case HEAP_SLICE -> test.accept(
                    MemorySegment.ofArray(new byte[Math.toIntExact(byteSize) + 11]).asSlice(5, byteSize));
        }
    }

    static void assertDecodedEquals(Object expected, Object actual, String codecName) {
        switch (expected) {
            case byte[] bytes -> assertArrayEquals(bytes, (byte[]) actual, codecName);
            case Double number -> assertEquals(Double.doubleToRawLongBits(number),
                    Double.doubleToRawLongBits((Double) actual), () -> codecName + ": " + number + " vs " + actual);
            default -> assertEquals(expected, actual, codecName);
        }
    }

    private static <T> byte[] encodeOver(Codec<T> codec, T value, MemorySegment segment, byte sentinel, int size) {
        segment.fill(sentinel);
        codec.encode(value, segment, OFFSET);
        assertFilled(segment, 0, OFFSET, sentinel, codec.name() + ": bytes before the offset");
        assertFilled(segment, OFFSET + size, segment.byteSize(), sentinel, codec.name() + ": bytes after the encoding");
        return segment.asSlice(OFFSET, size).toArray(ValueLayout.JAVA_BYTE);
    }

    static void assertFilled(MemorySegment segment, long from, long to, byte sentinel, String what) {
        for (long i = from; i < to; i++) {
            byte actual = segment.get(ValueLayout.JAVA_BYTE, i);
            if (actual != sentinel) {
                throw new AssertionError(what + ": byte " + i + " is " + actual + ", expected sentinel " + sentinel);
            }
        }
    }
}
