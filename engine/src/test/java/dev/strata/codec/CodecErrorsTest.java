package dev.strata.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input to every built-in codec fails with the documented exception and leaves the target untouched. */
class CodecErrorsTest {

    /** A codec and one valid value for it. */
    static Stream<Arguments> codecsWithAValue() {
        return Stream.of(
                Arguments.of(Codecs.bytes(), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                Arguments.of(Codecs.utf8(), "h\u00E9llo w\u00F6rld \uD83D\uDE00"),
                Arguments.of(Codecs.int64(), 42L),
                Arguments.of(Codecs.int32(), 42),
                Arguments.of(Codecs.float64(), 4.2),
                Arguments.of(Codecs.javaSerialization(Person.class), new Person("Ada", 36, List.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecsWithAValue")
    <T> void nullValueIsRejectedNamingValue(Codec<T> codec, T ignored) {
        MemorySegment target = MemorySegment.ofArray(new byte[64]);
        assertEquals("value", assertThrows(NullPointerException.class, () -> codec.encodedSize(null)).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> codec.encode(null, target, 0))
                .getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecsWithAValue")
    <T> void encodingThatDoesNotFitThrowsAndWritesNothing(Codec<T> codec, T value) {
        int size = codec.encodedSize(value);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(size + 8L);
            for (long offset : new long[] {9, size + 8L, size + 9L, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
                target.fill((byte) 0x77);
                assertThrows(IndexOutOfBoundsException.class, () -> codec.encode(value, target, offset),
                        () -> "offset " + offset);
                CodecContract.assertFilled(target, 0, target.byteSize(), (byte) 0x77, codec.name());
            }
            MemorySegment exact = target.asSlice(8, size);
            codec.encode(value, exact, 0);
            CodecContract.assertDecodedEquals(value, codec.decode(exact, 0, size), codec.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecsWithAValue")
    <T> void decodeOutsideTheSourceOrWithNegativeLengthThrows(Codec<T> codec, T value) {
        MemorySegment source = MemorySegment.ofArray(new byte[16]);
        assertThrows(IndexOutOfBoundsException.class, () -> codec.decode(source, 12, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> codec.decode(source, -1, 4));
        assertThrows(IllegalArgumentException.class, () -> codec.decode(source, 0, -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecsWithAValue")
    <T> void readOnlyTargetIsRejected(Codec<T> codec, T value) {
        MemorySegment readOnly = MemorySegment.ofArray(new byte[256]).asReadOnly();
        assertThrows(IllegalArgumentException.class, () -> codec.encode(value, readOnly, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecsWithAValue")
    <T> void closedSegmentThrowsIllegalState(Codec<T> codec, T value) {
        Arena arena = Arena.ofConfined();
        MemorySegment segment = arena.allocate(256);
        int size = codec.encodedSize(value);
        codec.encode(value, segment, 0);
        arena.close();
        assertThrows(IllegalStateException.class, () -> codec.encode(value, segment, 0));
        assertThrows(IllegalStateException.class, () -> codec.decode(segment, 0, size));
    }

    @Test
    void fixedSizeCodecsRejectAnyOtherLengthNamingOffsetAndLength() {
        MemorySegment source = MemorySegment.ofArray(new byte[32]);
        for (Codec<?> codec : List.of(Codecs.int64(), Codecs.int32(), Codecs.float64())) {
            for (int length : new int[] {0, codec.fixedSize() - 1, codec.fixedSize() + 1}) {
                String message = assertThrows(IllegalArgumentException.class,
                        () -> codec.decode(source, 3, length)).getMessage();
                assertTrue(message.contains("offset: 3") && message.contains("length: " + length)
                        && message.contains(codec.name()), message);
            }
        }
    }

    @Test
    void namesAndFixedSizesAreAsDocumented() {
        assertEquals(List.of("bytes", "utf8", "int64", "int32", "float64", "java-serialization(java.lang.String)"),
                Stream.of(Codecs.bytes(), Codecs.utf8(), Codecs.int64(), Codecs.int32(), Codecs.float64(),
                        Codecs.javaSerialization(String.class)).map(Codec::name).toList());
        assertEquals(List.of(-1, -1, 8, 4, 8), Stream.of(Codecs.bytes(), Codecs.utf8(), Codecs.int64(),
                Codecs.int32(), Codecs.float64()).map(Codec::fixedSize).toList());
    }

    @Test
    void utf8DecodesMalformedBytesWithReplacementLikeTheStringConstructor() {
        byte[][] malformed = {{(byte) 0xFF}, {(byte) 0xC3}, {'a', (byte) 0xE2, (byte) 0x82}, {(byte) 0xED,
                (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                {(byte) 0xC0, (byte) 0x80}};
        for (byte[] bytes : malformed) {
            MemorySegment heap = MemorySegment.ofArray(bytes);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment nativeCopy = arena.allocate(bytes.length).copyFrom(heap);
                String expected = new String(bytes, StandardCharsets.UTF_8);
                assertEquals(expected, Codecs.utf8().decode(heap, 0, bytes.length));
                assertEquals(expected, Codecs.utf8().decode(heap.asReadOnly(), 0, bytes.length));
                assertEquals(expected, Codecs.utf8().decode(nativeCopy, 0, bytes.length));
            }
        }
    }

    @Test
    void utf8EncodesUnpairedSurrogatesAsQuestionMarksLikeGetBytes() {
        for (String text : List.of("\uD800", "a\uDC00b", "\uDE00\uD83D", "x\uD83D", "12345678\uD83Dabcdefg")) {
            MemorySegment target = MemorySegment.ofArray(new byte[64]);
            int size = Codecs.utf8().encodedSize(text);
            Codecs.utf8().encode(text, target, 0);
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8),
                    target.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                    Codecs.utf8().decode(target, 0, size));
        }
    }

    @Test
    void javaSerializationOfAnotherTypeDecodesToIllegalArgument() {
        MemorySegment segment = encode(Codecs.javaSerialization(String.class), "not a person");
        Codec<Person> people = Codecs.javaSerialization(Person.class);
        String message = assertThrows(IllegalArgumentException.class,
                () -> people.decode(segment, 0, (int) segment.byteSize())).getMessage();
        assertTrue(message.contains("java.lang.String") && message.contains(Person.class.getName())
                && message.contains("offset: 0"), message);
    }

    @Test
    void javaSerializationRejectsClassesOutsideTheAllowListUnlessAllowedAlso() {
        MemorySegment segment = encode(Codecs.javaSerialization(Team.class), new Team(new Member("Ada")));
        int length = (int) segment.byteSize();
        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class,
                () -> Codecs.javaSerialization(Team.class).decode(segment, 0, length));
        assertInstanceOf(InvalidClassException.class, rejected.getCause(), rejected.getMessage());

        ObjectInputFilter allowMember = info -> info.serialClass() == Member.class
                ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.UNDECIDED;
        assertEquals(new Team(new Member("Ada")),
                Codecs.javaSerialization(Team.class, allowMember).decode(segment, 0, length));
    }

    @Test
    void javaSerializationRejectsAnArrayLongerThanTheStream() {
        MemorySegment segment = encode(Codecs.javaSerialization(int[].class), new int[] {1, 2, 3, 4});
        long lengthField = segment.byteSize() - 4 * Integer.BYTES - Integer.BYTES;
        assertEquals(4, segment.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                lengthField));
        segment.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), lengthField,
                Integer.MAX_VALUE - 8);
        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class,
                () -> Codecs.javaSerialization(int[].class).decode(segment, 0, (int) segment.byteSize()));
        assertInstanceOf(InvalidClassException.class, rejected.getCause(), rejected.getMessage());
    }

    @Test
    void javaSerializationRejectsGarbageTrailingBytesAndTruncation() {
        Codec<Person> people = Codecs.javaSerialization(Person.class);
        Person ada = new Person("Ada", 36, List.of("x"));
        int size = people.encodedSize(ada);
        MemorySegment segment = MemorySegment.ofArray(new byte[size + 1]);
        people.encode(ada, segment, 0);
        assertThrows(IllegalArgumentException.class, () -> people.decode(segment, 0, size + 1));
        assertThrows(IllegalArgumentException.class, () -> people.decode(segment, 0, size - 1));
        assertThrows(IllegalArgumentException.class, () -> people.decode(segment, 1, size - 1));
        assertEquals(ada, people.decode(segment, 0, size));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void javaSerializationEncodeFailsForValuesItCannotSerialize() {
        Codec<Team> teams = Codecs.javaSerialization(Team.class);
        IllegalArgumentException notSerializable = assertThrows(IllegalArgumentException.class,
                () -> teams.encodedSize(new Team(new Member("Ada", new Object()))));
        assertTrue(notSerializable.getMessage().contains("java.lang.Object"), notSerializable.getMessage());
        Codec raw = teams;
        assertThrows(ClassCastException.class, () -> raw.encodedSize("a String, not a Team"));
        assertThrows(NullPointerException.class, () -> Codecs.javaSerialization(null));
        assertThrows(IllegalArgumentException.class, () -> Codecs.javaSerialization((Class) Object.class));
    }

    private static <T> MemorySegment encode(Codec<T> codec, T value) {
        MemorySegment segment = MemorySegment.ofArray(new byte[codec.encodedSize(value)]);
        codec.encode(value, segment, 0);
        return segment;
    }

    /** A serializable type whose field is of a class outside its own hierarchy. */
    record Team(Member lead) implements Serializable {
    }

    /** The member of a {@link Team}; {@code extra} lets a test put a non-serializable object into the graph. */
    record Member(String name, Object extra) implements Serializable {
        Member(String name) {
            this(name, null);
        }
    }

}
