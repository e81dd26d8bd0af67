package dev.strata.codec;

import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The built-in codecs. Each is stateless and safe to share between threads; the factories return shared instances
 * where a codec has no parameters. The wire format of each is fixed and documented on its factory: bytes written by
 * one JVM decode on any other, whatever its platform byte order.
 *
 * <table class="striped">
 *   <caption>Built-in codecs</caption>
 *   <thead><tr><th>factory</th><th>type</th><th>size</th><th>speed</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link #bytes()}</td><td>{@code byte[]}</td><td>length</td><td>one bulk copy</td></tr>
 *     <tr><td>{@link #utf8()}</td><td>{@code String}</td><td>1-3 bytes per char</td><td>size: one pass over the
 *         chars; encode: {@code getBytes} and one bulk copy</td></tr>
 *     <tr><td>{@link #int64()}, {@link #int32()}, {@link #float64()}</td><td>{@code Long}, {@code Integer},
 *         {@code Double}</td><td>8, 4, 8</td><td>one unaligned access</td></tr>
 *     <tr><td>{@link #javaSerialization(Class)}</td><td>any {@code Serializable}</td><td>stream size</td>
 *         <td>slow: two serializations per store</td></tr>
 *     <tr><td>{@link #marshallable(Supplier)}</td><td>chronicle {@code BytesMarshallable}</td><td>as written</td>
 *         <td>two marshals per store; needs chronicle-bytes and its JVM flags</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>This class is safe to load without chronicle-bytes on the class or module path: only
 * {@link #marshallable(Supplier)} uses it, and only when called. Reflection over all methods of this class
 * ({@link Class#getMethods()}) does need chronicle-bytes, since one signature names its type.
 */
public final class Codecs {

    private Codecs() {
    }

    /**
     * Returns the codec for byte arrays: the array's bytes as they are.
     *
     * <pre>
     * offset                          offset + value.length
     *   | value[0] | value[1] | ... | value[n-1] |
     * </pre>
     *
     * <p>Encode and decode are one bulk {@link java.lang.foreign.MemorySegment#copy} each; decode returns a new array.
     * The codec is stateless and thread-safe.
     *
     * @return the shared byte-array codec, named {@code "bytes"}
     */
    public static Codec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /**
     * Returns the codec for strings in UTF-8: byte for byte what {@code value.getBytes(StandardCharsets.UTF_8)}
     * gives, with no length prefix or terminator.
     *
     * <pre>
     * char(s)                          bytes
     * U+0000..U+007F                   0xxxxxxx
     * U+0080..U+07FF                   110xxxxx 10xxxxxx
     * U+0800..U+FFFF, not surrogate    1110xxxx 10xxxxxx 10xxxxxx
     * surrogate pair (U+10000..)       11110xxx 10xxxxxx 10xxxxxx 10xxxxxx
     * unpaired surrogate               0x3F '?'
     * </pre>
     *
     * <p>Every string with well-formed surrogate pairs (every string a program builds from code points) round-trips
     * exactly; an unpaired surrogate decodes as {@code '?'}, as with {@link String#getBytes}. Decoding replaces
     * malformed input with U+FFFD exactly as {@code new String(bytes, UTF_8)} does, and never throws for it. The
     * codec is stateless and thread-safe; {@link Codec#encodedSize} takes one pass over the chars without allocating
     * (a quick scan for ASCII strings) and {@link Codec#encode} is {@code getBytes(UTF_8)} plus one bulk copy, which
     * the JDK's string intrinsics make faster than writing chars one by one into the segment.
     *
     * @return the shared UTF-8 codec, named {@code "utf8"}
     */
    public static Codec<String> utf8() {
        return Utf8Codec.INSTANCE;
    }

    /**
     * Returns the codec for {@code long}: eight bytes, two's complement, little-endian
     * ({@code ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)}) on every platform.
     *
     * <pre>
     * | b0 (least significant) | b1 | b2 | b3 | b4 | b5 | b6 | b7 (most significant) |
     * </pre>
     *
     * <p>Decoding any length but 8 throws {@link IllegalArgumentException}. The codec is stateless and thread-safe.
     *
     * @return the shared int64 codec, named {@code "int64"}, with {@link Codec#fixedSize()} 8
     */
    public static Codec<Long> int64() {
        return NumberCodecs.INT64;
    }

    /**
     * Returns the codec for {@code int}: four bytes, two's complement, little-endian
     * ({@code ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)}) on every platform.
     *
     * <pre>
     * | b0 (least significant) | b1 | b2 | b3 (most significant) |
     * </pre>
     *
     * <p>Decoding any length but 4 throws {@link IllegalArgumentException}. The codec is stateless and thread-safe.
     *
     * @return the shared int32 codec, named {@code "int32"}, with {@link Codec#fixedSize()} 4
     */
    public static Codec<Integer> int32() {
        return NumberCodecs.INT32;
    }

    /**
     * Returns the codec for {@code double}: the eight bytes of {@link Double#doubleToRawLongBits(double)},
     * little-endian, as {@link #int64()} writes them. Every bit is kept: {@code -0.0}, infinities and the payload of
     * each NaN round-trip exactly.
     *
     * <p>Decoding any length but 8 throws {@link IllegalArgumentException}. The codec is stateless and thread-safe.
     *
     * @return the shared float64 codec, named {@code "float64"}, with {@link Codec#fixedSize()} 8
     */
    public static Codec<Double> float64() {
        return NumberCodecs.FLOAT64;
    }

    /**
     * Returns a codec that uses Java Object Serialization: the slow fallback for types without a better codec.
     * Equivalent to {@link #javaSerialization(Class, ObjectInputFilter) javaSerialization(type, null)}.
     *
     * @param type the class of the values; decode checks that the result is an instance of it
     * @param <T> the type of the values
     * @return a new codec for {@code type}, named {@code "java-serialization(<class name>)"}
     * @throws NullPointerException if {@code type} is null
     * @throws IllegalArgumentException if {@code type} does not implement {@link Serializable}
     */
    public static <T extends Serializable> Codec<T> javaSerialization(Class<T> type) {
        return javaSerialization(type, null);
    }

    /**
     * Returns a codec that uses Java Object Serialization: the slow fallback for types without a better codec.
     *
     * <pre>
     * | 0xACED | 0x0005 | TC_OBJECT ... (one object graph, as ObjectOutputStream.writeObject writes it) |
     * </pre>
     *
     * <p><b>Cost.</b> The size of a serialization stream is known only by writing it, so
     * {@link Codec#encodedSize} serializes the value into a temporary array and {@link Codec#encode} serializes it
     * again: expect microseconds per value and garbage of a few times its size. Prefer a dedicated codec in a hot
     * path.
     *
     * <p><b>Risks.</b> Deserializing bytes lets the stream choose which classes to instantiate and which
     * {@code readObject} methods to run; bytes that an attacker could write (a shared disk tier, a copied spill file)
     * can then run code ("gadget chains"). Decode therefore runs under an {@link ObjectInputFilter} that allows only:
     * primitives; {@code type}, its subtypes and its supertypes; serializable classes of the packages
     * {@code java.lang}, {@code java.util}, {@code java.time} and {@code java.math} (not their subpackages, so not
     * {@code java.lang.reflect} or {@code java.lang.invoke}); arrays of these. It rejects a graph deeper than 64,
     * arrays longer than the encoding and more references than bytes, so a small stream cannot demand a large
     * allocation. A class that neither this policy nor {@code allowAlso} allows is rejected. The JVM-wide filter
     * ({@code jdk.serialFilter}), when set, is applied as well and may reject more. A broad {@code type} such as
     * {@code Serializable.class} or {@code Comparable.class} allows all its subtypes, which empties the allow list of
     * meaning: name the concrete class.
     *
     * <p>Decode throws {@link IllegalArgumentException} (naming offset and length) for a stream that is malformed,
     * names a rejected class, holds more than one object, or holds an object that is not a {@code type} (never
     * {@link ClassCastException}). Encode throws {@link ClassCastException} for a value that is not a {@code type}
     * (possible only through unchecked casts) and {@link IllegalArgumentException} for a value whose graph holds an
     * object that is not serializable. The codec is stateless and thread-safe.
     *
     * @param type the class of the values; decode checks that the result is an instance of it
     * @param allowAlso a filter that may allow further classes (return {@link ObjectInputFilter.Status#ALLOWED}) or
     *                  reject more (return {@link ObjectInputFilter.Status#REJECTED}); {@code null} for none
     * @param <T> the type of the values
     * @return a new codec for {@code type}, named {@code "java-serialization(<class name>)"}
     * @throws NullPointerException if {@code type} is null
     * @throws IllegalArgumentException if {@code type} does not implement {@link Serializable}
     */
    public static <T extends Serializable> Codec<T> javaSerialization(Class<T> type, ObjectInputFilter allowAlso) {
        Objects.requireNonNull(type, "type");
        if (!Serializable.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("type: " + type.getName() + " (expected: a Serializable class)");
        }
        return new JavaSerializationCodec<>(type, allowAlso);
    }

    /**
     * Returns an adapter for types that marshal themselves with chronicle-bytes: the encoding is exactly what
     * {@code value.writeMarshallable(bytes)} writes, and decode lets a fresh {@code factory.get()} instance read it
     * back with {@code readMarshallable}, which must consume every byte.
     *
     * <pre>
     * | whatever value.writeMarshallable(bytes) wrote, nothing added |
     * </pre>
     *
     * <p><b>Requirements.</b> chronicle-bytes is an optional dependency of the engine: put it on the class or module
     * path to use this codec. It needs these JVM flags at run time, which the rest of the engine does not:
     * {@code --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
     * --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
     * --add-opens=java.base/java.lang.reflect=ALL-UNNAMED}.
     *
     * <p><b>Cost.</b> The value writes itself into a fresh on-heap chronicle {@code Bytes}, then one bulk copy moves
     * the bytes to the target; {@link Codec#encodedSize} has no cheaper way to learn the size than that write, so a
     * store marshals the value twice. Decode copies the bytes into an array before the value reads them.
     *
     * <p>Encode and {@link Codec#encodedSize} throw {@link IllegalArgumentException} when
     * {@code writeMarshallable} fails; decode throws it (naming offset and length) when {@code readMarshallable}
     * fails or leaves bytes unread, and {@link NullPointerException} when the factory returns null. The codec keeps
     * no state besides the factory, which must be thread-safe for the codec to be.
     *
     * @param factory makes the empty instances that decode fills
     * @param <T> the type of the values
     * @return a new codec, named {@code "marshallable"}
     * @throws NullPointerException if {@code factory} is null
     * @throws NoClassDefFoundError if chronicle-bytes is not on the class or module path
     */
    // the chronicle type in this signature is deliberately not re-exported ('requires static'): a caller of this
    // method has chronicle-bytes as its own dependency
    @SuppressWarnings("exports")
    public static <T extends net.openhft.chronicle.bytes.BytesMarshallable> Codec<T> marshallable(
            Supplier<T> factory) {
        Objects.requireNonNull(factory, "factory");
        return new MarshallableCodec<>(factory);
    }
}
