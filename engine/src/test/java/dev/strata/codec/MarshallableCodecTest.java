package dev.strata.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.codec.CodecContract.SegmentKind;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesOut;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The chronicle-bytes adapter meets the round-trip contract. Needs chronicle's JVM flags, so it runs in its own
 * surefire execution ({@code chronicle-adapter} in engine/pom.xml), not with the other tests; that execution sets the
 * property this class is enabled by, so that {@code -Dtest=MarshallableCodecTest} (which overrides the excludes of the
 * default execution) skips it there instead of failing for want of the flags.
 */
@EnabledIfSystemProperty(named = "strata.test.chronicleFlags", matches = "true")
class MarshallableCodecTest {

    private final Codec<Trade> trades = Codecs.marshallable(Trade::new);

    @ParameterizedTest
    @EnumSource(SegmentKind.class)
    void tradesRoundTripAndEncodedSizeIsExact(SegmentKind kind) {
        Random random = new Random(7);
        List<Trade> values = List.of(new Trade(0, 0.0, ""), new Trade(Long.MIN_VALUE, Double.NaN, "\uD83D\uDE00"),
                new Trade(random.nextLong(), random.nextDouble(),
                        CodecRoundTripContractTest.randomString(random, 100_000)));
        for (Trade value : values) {
            byte[] wire = CodecContract.assertRoundTrip(trades, value, kind, null);
            assertEquals(trades.encodedSize(value), wire.length);
        }
    }

    @Test
    void reflectiveDefaultMarshallingRoundTrips() {
        Codec<Quote> quotes = Codecs.marshallable(Quote::new);
        Quote quote = new Quote();
        quote.symbol = "STRT";
        quote.price = 12.5;
        quote.size = 300;
        CodecContract.assertRoundTrip(quotes, quote, SegmentKind.NATIVE, null);
        CodecContract.assertRoundTrip(quotes, quote, SegmentKind.HEAP_SLICE, null);
    }

    @Test
    void decodingLeftoverOrTruncatedBytesIsIllegalArgumentNamingOffsetAndLength() {
        Trade trade = new Trade(1, 2, "three");
        int size = trades.encodedSize(trade);
        MemorySegment segment = MemorySegment.ofArray(new byte[size + 4]);
        trades.encode(trade, segment, 0);
        String leftover = assertThrows(IllegalArgumentException.class, () -> trades.decode(segment, 0, size + 4))
                .getMessage();
        assertTrue(leftover.contains("offset: 0") && leftover.contains("length: " + (size + 4)), leftover);
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class,
                () -> trades.decode(segment, 0, size - 3));
        assertNotNull(truncated.getCause(), truncated.getMessage());
    }

    @Test
    void nullsAndFailingMarshallersAreRejected() {
        MemorySegment segment = MemorySegment.ofArray(new byte[64]);
        assertEquals("value", assertThrows(NullPointerException.class, () -> trades.encodedSize(null)).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> trades.encode(null, segment, 0))
                .getMessage());
        assertThrows(NullPointerException.class, () -> Codecs.marshallable(null));
        Codec<Trade> nullFactory = Codecs.marshallable(() -> null);
        assertThrows(NullPointerException.class, () -> nullFactory.decode(segment, 0, 8));
        Trade broken = new Trade(1, 2, null);
        assertThrows(IllegalArgumentException.class, () -> trades.encodedSize(broken));
        assertThrows(IndexOutOfBoundsException.class, () -> trades.encode(new Trade(1, 2, "x".repeat(100)),
                segment, 0));
        assertEquals("marshallable", trades.name());
    }

    @Test
    void factoryIsCalledOncePerDecode() {
        int[] calls = {0};
        Supplier<Trade> counting = () -> {
            calls[0]++;
            return new Trade();
        };
        Codec<Trade> codec = Codecs.marshallable(counting);
        Trade trade = new Trade(5, 6, "seven");
        MemorySegment segment = MemorySegment.ofArray(new byte[codec.encodedSize(trade)]);
        codec.encode(trade, segment, 0);
        assertEquals(trade, codec.decode(segment, 0, (int) segment.byteSize()));
        assertEquals(1, calls[0]);
    }

    /** A value that marshals itself field by field; a null symbol cannot be written. */
    static final class Trade implements BytesMarshallable {
        private long id;
        private double price;
        private String symbol;

        Trade() {
        }

        Trade(long id, double price, String symbol) {
            this.id = id;
            this.price = price;
            this.symbol = symbol;
        }

        @Override
        public void writeMarshallable(BytesOut<?> bytes) {
            bytes.writeLong(id);
            bytes.writeDouble(price);
            bytes.writeUtf8(Objects.requireNonNull(symbol, "symbol"));
        }

        @Override
        public void readMarshallable(BytesIn<?> bytes) {
            id = bytes.readLong();
            price = bytes.readDouble();
            symbol = bytes.readUtf8();
            if (symbol == null) {
                throw new IllegalStateException("symbol missing");
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Trade that && id == that.id
                    && Double.doubleToRawLongBits(price) == Double.doubleToRawLongBits(that.price)
                    && symbol.equals(that.symbol);
        }

        @Override
        public int hashCode() {
            return Objects.hash(id, price, symbol);
        }

        @Override
        public String toString() {
            return "Trade[" + id + ", " + price + ", " + symbol.length() + " chars]";
        }
    }

    /** A value that relies on chronicle's reflective default marshalling of its fields. */
    static final class Quote implements BytesMarshallable {
        String symbol;
        double price;
        int size;

        @Override
        public boolean equals(Object other) {
            return other instanceof Quote that && Objects.equals(symbol, that.symbol) && price == that.price
                    && size == that.size;
        }

        @Override
        public int hashCode() {
            return Objects.hash(symbol, price, size);
        }

        @Override
        public String toString() {
            return "Quote[" + symbol + ", " + price + ", " + size + "]";
        }
    }
}
