package dev.strata.codec;

import java.lang.foreign.MemorySegment;

/**
 * Turns values of one type into bytes and back, for the tiers that keep serialized bytes: the off-heap tier (pages of
 * native memory) and the disk tier (file buffers). Both hand the codec a {@link MemorySegment}; a heap array takes
 * part through {@link MemorySegment#ofArray(byte[])}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #encodedSize(Object)} is exact: {@link #encode(Object, MemorySegment, long)} writes exactly that many
 *       bytes, starting at the offset, and touches no byte outside {@code [offset, offset + encodedSize)}.</li>
 *   <li>{@link #decode(MemorySegment, long, int)} reads exactly the bytes one encode wrote and returns a value equal
 *       to the one encoded (arrays by content). The bytes carry no length: the caller stores it (the tiers do, in
 *       their record headers) and passes it back.</li>
 *   <li>A key codec is deterministic and one-to-one: keys equal by {@code equals} encode to the same bytes, and
 *       unequal keys to different bytes. The off-heap and disk tiers find a key by its encoding (the disk store's
 *       index is keyed by those bytes), so a key whose encoding varies would be missed there.</li>
 *   <li>Null values are not encodable: {@link NullPointerException} naming {@code "value"}.</li>
 *   <li>Exceptions follow {@code java.lang.foreign}: {@link IndexOutOfBoundsException} for a range outside the
 *       segment, {@link IllegalArgumentException} for bytes that are not a valid encoding (the message gives offset
 *       and length), {@link IllegalStateException} for a segment whose arena is closed.</li>
 *   <li>A codec is a stateless function: implementations must be safe to share between threads without
 *       synchronization. All codecs of {@link Codecs} are. It must not call into a cache: the tiers call it while
 *       they move an entry, and a call back into the same cache can wait on that very move.</li>
 * </ul>
 *
 * <p>The tiers call {@code encodedSize} once to reserve space and then {@code encode} into it, so a value must not
 * change between the two calls.
 *
 * @param <T> the type of the values
 */
public interface Codec<T> {

    /** The value of {@link #fixedSize()} for a codec whose encodings differ in length. */
    int VARIABLE_SIZE = -1;

    /**
     * Returns the exact number of bytes {@link #encode(Object, MemorySegment, long)} writes for the value.
     *
     * @param value the value to measure
     * @return the encoded size in bytes, {@code >= 0}
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if the value cannot be encoded by this codec (for example, it is not
     *                                  serializable)
     */
    int encodedSize(T value);

    /**
     * Writes the encoding of the value into {@code target} at {@code offset}: exactly {@link #encodedSize(Object)}
     * bytes, and no others. When the encoding does not fit nothing is written.
     *
     * @param value the value to encode
     * @param target the segment to write to
     * @param offset the byte offset in {@code target} of the first byte to write
     * @throws NullPointerException if {@code value} or {@code target} is null
     * @throws IndexOutOfBoundsException if {@code offset < 0} or the encoding does not fit in
     *                                   {@code [offset, target.byteSize())}
     * @throws IllegalArgumentException if {@code target} is read-only, or the value cannot be encoded by this codec
     * @throws IllegalStateException if the arena of {@code target} is closed
     * @throws WrongThreadException if {@code target} is confined to another thread
     */
    void encode(T value, MemorySegment target, long offset);

    /**
     * Reads a value from the {@code length} bytes of {@code source} at {@code offset}, which one
     * {@link #encode(Object, MemorySegment, long)} wrote.
     *
     * @param source the segment to read from
     * @param offset the byte offset in {@code source} of the first byte of the encoding
     * @param length the number of bytes of the encoding
     * @return the decoded value, never null
     * @throws NullPointerException if {@code source} is null
     * @throws IndexOutOfBoundsException if {@code offset < 0} or {@code [offset, offset + length)} is not inside
     *                                   {@code source}
     * @throws IllegalArgumentException if {@code length < 0}, or the bytes are not a valid encoding for this codec
     *                                  (the message gives offset and length)
     * @throws IllegalStateException if the arena of {@code source} is closed
     * @throws WrongThreadException if {@code source} is confined to another thread
     */
    T decode(MemorySegment source, long offset, int length);

    /**
     * Returns whether the encoding of {@code value} is exactly the {@code length} bytes of {@code encoded} at
     * {@code offset}: the tiers that keep keys encoded use it to compare a lookup's key with a stored one without
     * decoding the stored one. It must agree with {@link #encode(Object, MemorySegment, long)}; a {@code length} other
     * than the value's encoded size is simply no match.
     *
     * @implSpec The default encodes {@code value} into a per-thread scratch buffer and compares the bytes. The built-in
     *     codecs for byte arrays and numbers compare in place; override it likewise when a value can be compared with
     *     its encoding without encoding it (for example, a key that wraps a byte array).
     * @param value the value to compare
     * @param encoded the segment holding an encoding
     * @param offset the byte offset in {@code encoded} of the encoding's first byte
     * @param length the number of bytes of the encoding
     * @return whether {@code value} encodes to exactly those bytes
     * @throws NullPointerException if {@code value} or {@code encoded} is null
     * @throws IndexOutOfBoundsException if {@code [offset, offset + length)} is not inside {@code encoded}
     * @throws IllegalArgumentException if the value cannot be encoded by this codec
     * @throws IllegalStateException if the arena of {@code encoded} is closed
     */
    default boolean matches(T value, MemorySegment encoded, long offset, int length) {
        return EncodedComparison.matchesByEncoding(this, value, encoded, offset, length);
    }

    /**
     * Returns the size of every encoding when all encodings have the same size, else {@link #VARIABLE_SIZE}. A tier
     * may use this to skip storing the length.
     *
     * @implSpec The default returns {@link #VARIABLE_SIZE}.
     * @return the fixed encoded size in bytes, or {@link #VARIABLE_SIZE}
     */
    default int fixedSize() {
        return VARIABLE_SIZE;
    }

    /**
     * Returns a short name for statistics and diagnostics, for example {@code "utf8"}.
     *
     * @implSpec The default returns the simple name of the implementing class.
     * @return the name of this codec, never null
     */
    default String name() {
        return getClass().getSimpleName();
    }
}
