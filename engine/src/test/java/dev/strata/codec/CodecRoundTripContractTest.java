package dev.strata.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.codec.CodecContract.SegmentKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The round-trip contract over every built-in codec and every kind of segment, with values from a fixed seed: empty,
 * small, large (1 MiB arrays, strings of all UTF-8 lengths with surrogate pairs) and boundary numbers. Where the wire
 * format is fixed by a JDK API (UTF-8 of {@code String.getBytes}, little-endian numbers) the bytes are compared with
 * it as well.
 */
class CodecRoundTripContractTest {

    private static final long SEED = 0x5EED_C0DECL;

    /** One codec, the values it must round-trip, and the JDK's encoding of a value when there is one. */
    record CodecCase<T>(Codec<T> codec, List<T> values, Function<T, byte[]> expectedWire) {
        @Override
        public String toString() {
            return codec.name();
        }
    }

    static Stream<Arguments> codecsTimesSegments() {
        List<CodecCase<?>> cases = List.of(
                new CodecCase<>(Codecs.bytes(), byteArrays(), value -> value),
                new CodecCase<>(Codecs.utf8(), strings(), value -> value.getBytes(StandardCharsets.UTF_8)),
                new CodecCase<>(Codecs.int64(), longs(), value -> littleEndian(8).putLong(value).array()),
                new CodecCase<>(Codecs.int32(), ints(), value -> littleEndian(4).putInt(value).array()),
                new CodecCase<>(Codecs.float64(), doubles(),
                        value -> littleEndian(8).putLong(Double.doubleToRawLongBits(value)).array()),
                new CodecCase<>(Codecs.javaSerialization(Person.class), people(), null));
        return cases.stream().flatMap(codecCase -> Stream.of(SegmentKind.values())
                .map(kind -> Arguments.of(codecCase, kind)));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("codecsTimesSegments")
    <T> void everyValueRoundTripsAndEncodedSizeIsExact(CodecCase<T> codecCase, SegmentKind kind) {
        for (T value : codecCase.values()) {
            CodecContract.assertRoundTrip(codecCase.codec(), value, kind, codecCase.expectedWire());
        }
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("codecsTimesSegments")
    <T> void fixedSizeCodecsEncodeEveryValueToTheirFixedSize(CodecCase<T> codecCase, SegmentKind kind) {
        int fixedSize = codecCase.codec().fixedSize();
        if (fixedSize != Codec.VARIABLE_SIZE) {
            for (T value : codecCase.values()) {
                assertEquals(fixedSize, codecCase.codec().encodedSize(value), codecCase.codec().name());
            }
        }
    }

    private static ByteBuffer littleEndian(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static List<byte[]> byteArrays() {
        Random random = new Random(SEED);
        List<byte[]> values = new ArrayList<>(List.of(new byte[0], new byte[] {0}, new byte[] {-1, 0, 127, -128}));
        for (int i = 0; i < 20; i++) {
            values.add(randomBytes(random, random.nextInt(4096)));
        }
        values.add(randomBytes(random, 1 << 20));
        return values;
    }

    static List<String> strings() {
        Random random = new Random(SEED);
        List<String> values = new ArrayList<>(List.of(
                "", "a", "1234567", "12345678", "123456789", "0123456789abcdef", "0123456789abcdef0",
                "\u0000", "\u007F", "\u0080", "caf\u00E9", "\u00FF\u00FF\u00FF\u00FF\u00FF\u00FF\u00FF\u00FF",
                "\u07FF\u0800", "\uFFFF", "\u4E2D\u6587", "1234567\u00E9 after an 8-byte ASCII word",
                "\uD83D\uDE00", "emoji \uD83D\uDE00\uD83C\uDF89 and \uD801\uDC37 (U+10437)",
                new String(Character.toChars(Character.MAX_CODE_POINT)),
                new String(Character.toChars(Character.MIN_SUPPLEMENTARY_CODE_POINT))));
        // each length class of UTF-8 at each position of the first two 8-char words of an ASCII string
        for (String special : List.of("\u0080", "\u00E9", "\u00FF", "\u0100", "\u07FF", "\u0800", "\uFFFF",
                "\uD83D\uDE00")) {
            for (int position = 0; position <= 16; position++) {
                values.add("abcdefghijklmnopq".substring(0, position) + special + "rstuvwxyz0123456".substring(position));
            }
        }
        for (int i = 0; i < 40; i++) {
            values.add(randomString(random, random.nextInt(300)));
        }
        values.add(randomString(random, 300_000));
        values.add("x".repeat(1 << 20));
        return values;
    }

    static List<Long> longs() {
        Random random = new Random(SEED);
        List<Long> values = new ArrayList<>(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, 1L, -1L, 0x0102030405060708L));
        random.longs(50).forEach(values::add);
        return values;
    }

    static List<Integer> ints() {
        Random random = new Random(SEED);
        List<Integer> values = new ArrayList<>(List.of(Integer.MIN_VALUE, Integer.MAX_VALUE, 0, 1, -1, 0x01020304));
        random.ints(50).forEach(values::add);
        return values;
    }

    static List<Double> doubles() {
        Random random = new Random(SEED);
        List<Double> values = new ArrayList<>(List.of(Double.NaN, Double.longBitsToDouble(0x7FF0_0000_0000_0001L),
                Double.longBitsToDouble(0xFFF8_DEAD_BEEF_0000L), -0.0, 0.0, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL, -1.5));
        random.doubles(50).map(d -> (d - 0.5) * 1e12).forEach(values::add);
        random.longs(50).mapToDouble(Double::longBitsToDouble).forEach(values::add);
        return values;
    }

    static List<Person> people() {
        Random random = new Random(SEED);
        List<Person> values = new ArrayList<>(List.of(new Person("", 0, List.of()),
                new Person("Ada", 36, List.of("math", "engines")),
                new Person(randomString(random, 100_000), Integer.MIN_VALUE, List.of(""))));
        for (int i = 0; i < 10; i++) {
            values.add(new Person(randomString(random, random.nextInt(50)), random.nextInt(),
                    List.of(randomString(random, 5), randomString(random, 10))));
        }
        return values;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A string of well-formed code points spread over all four UTF-8 lengths, ASCII most often. */
    static String randomString(Random random, int codePoints) {
        StringBuilder text = new StringBuilder(codePoints * 2);
        for (int i = 0; i < codePoints; i++) {
            int kind = random.nextInt(10);
            int codePoint;
            if (kind < 5) {
                codePoint = random.nextInt(0x80);
            } else if (kind < 7) {
                codePoint = 0x80 + random.nextInt(0x800 - 0x80);
            } else if (kind < 9) {
                do {
                    codePoint = 0x800 + random.nextInt(0x10000 - 0x800);
                } while (Character.isSurrogate((char) codePoint));
            } else {
                codePoint = 0x10000 + random.nextInt(Character.MAX_CODE_POINT + 1 - 0x10000);
            }
            text.appendCodePoint(codePoint);
        }
        return text.toString();
    }
}
