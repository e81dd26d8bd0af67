package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The encoding of a value with a deadline: the deadline's 8 bytes, little-endian, then the value's own encoding; a
 * round trip over random values (empty and large ones included), in native and heap memory, touching no byte outside
 * its range; and the errors of a bad range or a too-short encoding.
 */
class ExpiringCodecTest {

    private static final long OFFSET = 13;
    private static final byte SENTINEL = (byte) 0xA5;

    @Test
    void roundTrip_keepsValueAndDeadlineAndWritesOnlyItsRange() {
        ExpiringCodec<byte[]> codec = new ExpiringCodec<>(Codecs.bytes());
        Random random = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 200; i++) {
                int length = i == 0 ? 0 : i == 1 ? 1 << 20 : random.nextInt(3000);
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                long deadline = i == 2 ? Long.MAX_VALUE : i == 3 ? Long.MIN_VALUE : random.nextLong();
                Expiring<byte[]> value = new Expiring<>(bytes, deadline);
                int size = codec.encodedSize(value);
                assertEquals(8 + length, size);
                MemorySegment target = i % 2 == 0 ? arena.allocate(OFFSET + size + 9)
                        : MemorySegment.ofArray(new byte[(int) OFFSET + size + 9]);
                target.fill(SENTINEL);
                codec.encode(value, target, OFFSET);
                for (long at : new long[] {0, OFFSET - 1, OFFSET + size, target.byteSize() - 1}) {
                    assertEquals(SENTINEL, target.get(ValueLayout.JAVA_BYTE, at), "byte " + at + " outside the range");
                }
                assertEquals(deadline, ByteBuffer.wrap(target.asSlice(OFFSET, 8).toArray(ValueLayout.JAVA_BYTE))
                        .order(ByteOrder.LITTLE_ENDIAN).getLong(), "the deadline is little-endian, first");
                assertEquals(deadline, ExpiringCodec.deadline(target, OFFSET));
                Expiring<byte[]> decoded = codec.decode(target, OFFSET, size);
                assertEquals(deadline, decoded.expiresAt());
                assertArrayEquals(bytes, decoded.value());
                assertArrayEquals(bytes, ExpiringCodec.valueBytes(target.asSlice(OFFSET, size))
                        .toArray(ValueLayout.JAVA_BYTE), "a zero-copy view skips the deadline");
            }
        }
    }

    @Test
    void sizesAndNames_followTheValuesCodec() {
        assertEquals(16, new ExpiringCodec<>(Codecs.int64()).fixedSize());
        assertEquals(Codec.VARIABLE_SIZE, new ExpiringCodec<>(Codecs.utf8()).fixedSize());
        assertEquals("expiring(" + Codecs.utf8().name() + ")", new ExpiringCodec<>(Codecs.utf8()).name());
        ExpiringCodec<String> codec = new ExpiringCodec<>(Codecs.utf8());
        Expiring<String> value = new Expiring<>("héllo", 42);
        MemorySegment target = MemorySegment.ofArray(new byte[codec.encodedSize(value)]);
        codec.encode(value, target, 0);
        assertEquals(value, codec.decode(target, 0, (int) target.byteSize()));
    }

    @Test
    void badInput_isRefusedAndWritesNothing() {
        ExpiringCodec<String> codec = new ExpiringCodec<>(Codecs.utf8());
        Expiring<String> value = new Expiring<>("abc", 1);
        MemorySegment small = MemorySegment.ofArray(new byte[10]);
        small.fill(SENTINEL);
        assertThrows(IndexOutOfBoundsException.class, () -> codec.encode(value, small, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> codec.encode(value, small, -4));
        for (long at = 0; at < small.byteSize(); at++) {
            assertEquals(SENTINEL, small.get(ValueLayout.JAVA_BYTE, at), "byte " + at + " written by a refused encode");
        }
        assertThrows(NullPointerException.class, () -> codec.encodedSize(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.decode(small, 2, 7));
        assertTrue(e.getMessage().contains("7 bytes") && e.getMessage().contains("at least 8"), e.getMessage());
    }
}
