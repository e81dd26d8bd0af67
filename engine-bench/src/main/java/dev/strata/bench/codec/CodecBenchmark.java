package dev.strata.bench.codec;

import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Encode and decode throughput of the built-in codecs into and out of a pre-touched native segment of a shared arena
 * (what an off-heap page is). Store path = {@code encodedSize} then {@code encode}, as a tier does it. MB/s = ops/us
 * times the encoded size in bytes. {@code utf8GetBytesBaseline} is the obvious alternative to the direct UTF-8
 * encoder: {@code String.getBytes(UTF_8)} then one bulk copy.
 *
 * <p>Run: {@code java -jar engine-bench/target/benchmarks.jar Codec -f 1 -wi 2 -w 1s -i 3 -r 1s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+AlwaysPreTouch", "-Xms1g", "-Xmx1g"})
public class CodecBenchmark {

    private static final long OFFSET = 16;
    private static final long SEGMENT_SIZE = 64 * 1024;

    /** A native segment of a shared arena, allocated and touched before measuring, freed after. */
    public abstract static class Target {
        Arena arena;
        MemorySegment segment;

        /** Allocates and touches the segment, then lets the state encode its value into it. */
        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            segment = arena.allocate(SEGMENT_SIZE, 64);
            segment.fill((byte) 1);
            encodeOne();
        }

        abstract void encodeOne();

        @TearDown(Level.Trial)
        public void free() {
            arena.close();
        }
    }

    /** A byte array of {@code size} random bytes, and its encoding in the target. */
    @State(Scope.Thread)
    public static class ByteArrays extends Target {
        @Param({"100", "1024"})
        int size;
        final Codec<byte[]> codec = Codecs.bytes();
        byte[] value;

        @Override
        void encodeOne() {
            value = new byte[size];
            new Random(42).nextBytes(value);
            codec.encode(value, segment, OFFSET);
        }
    }

    /** A string of about {@code size} UTF-8 bytes, all ASCII or mixed (ASCII, Latin-1, CJK, emoji). */
    @State(Scope.Thread)
    public static class Strings extends Target {
        @Param({"100", "1024"})
        int size;
        @Param({"ascii", "mixed"})
        String text;
        final Codec<String> codec = Codecs.utf8();
        String value;
        int encodedSize;

        @Override
        void encodeOne() {
            Random random = new Random(42);
            StringBuilder builder = new StringBuilder();
            while (builder.toString().getBytes(StandardCharsets.UTF_8).length < size) {
                int codePoint = "ascii".equals(text) ? 'a' + random.nextInt(26) : switch (random.nextInt(8)) {
                    case 0 -> 0xE0 + random.nextInt(0x20);
                    case 1 -> 0x4E00 + random.nextInt(0x100);
                    case 2 -> 0x1F600 + random.nextInt(0x40);
                    default -> 'a' + random.nextInt(26);
                };
                builder.appendCodePoint(codePoint);
            }
            value = builder.toString();
            encodedSize = codec.encodedSize(value);
            codec.encode(value, segment, OFFSET);
        }
    }

    /** A boxed long, as a cache holds it, and its encoding in the target. */
    @State(Scope.Thread)
    public static class Longs extends Target {
        final Codec<Long> codec = Codecs.int64();
        Long value = 0x1234_5678_9ABC_DEF0L;

        @Override
        void encodeOne() {
            codec.encode(value, segment, OFFSET);
        }
    }

    @Benchmark
    public int bytesEncode(ByteArrays state) {
        int size = state.codec.encodedSize(state.value);
        state.codec.encode(state.value, state.segment, OFFSET);
        return size;
    }

    @Benchmark
    public byte[] bytesDecode(ByteArrays state) {
        return state.codec.decode(state.segment, OFFSET, state.size);
    }

    @Benchmark
    public int utf8Encode(Strings state) {
        int size = state.codec.encodedSize(state.value);
        state.codec.encode(state.value, state.segment, OFFSET);
        return size;
    }

    @Benchmark
    public int utf8EncodedSizeOnly(Strings state) {
        return state.codec.encodedSize(state.value);
    }

    @Benchmark
    public void utf8EncodeOnly(Strings state) {
        state.codec.encode(state.value, state.segment, OFFSET);
    }

    @Benchmark
    public int utf8GetBytesBaseline(Strings state) {
        byte[] bytes = state.value.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, state.segment, ValueLayout.JAVA_BYTE, OFFSET, bytes.length);
        return bytes.length;
    }

    @Benchmark
    public String utf8Decode(Strings state) {
        return state.codec.decode(state.segment, OFFSET, state.encodedSize);
    }

    @Benchmark
    public int int64Encode(Longs state) {
        int size = state.codec.encodedSize(state.value);
        state.codec.encode(state.value, state.segment, OFFSET);
        return size;
    }

    @Benchmark
    public Long int64Decode(Longs state) {
        return state.codec.decode(state.segment, OFFSET, Long.BYTES);
    }
}
