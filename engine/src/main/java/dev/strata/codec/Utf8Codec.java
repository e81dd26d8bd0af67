package dev.strata.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@link Codecs#utf8()}: standard UTF-8, byte for byte what {@link String#getBytes(java.nio.charset.Charset)} with
 * {@link StandardCharsets#UTF_8} produces.
 *
 * <pre>
 * char(s)                      bytes
 * U+0000..U+007F               0xxxxxxx
 * U+0080..U+07FF               110xxxxx 10xxxxxx
 * U+0800..U+FFFF (not a        1110xxxx 10xxxxxx 10xxxxxx
 *   surrogate)
 * high + low surrogate pair    11110xxx 10xxxxxx 10xxxxxx 10xxxxxx    (U+10000..U+10FFFF)
 * unpaired surrogate           0x3F '?'                               (as String.getBytes does)
 * </pre>
 *
 * <p>Design, measured (CodecBenchmark in engine-bench): {@link #encodedSize} counts bytes in one pass over the chars
 * without allocating (a tight scan for ASCII). {@link #encode} is {@code getBytes(UTF_8)} and one bulk copy: the
 * JDK's intrinsics for compact (Latin-1) strings make that copy-twice path 5 to 20 times faster for ASCII than
 * writing the bytes one by one into the segment with a char loop, which was tried first; for text with many non-ASCII
 * chars the char loop was at most 1.5 times faster (1 KiB) or slower (100 bytes), not worth a second path. Decoding is
 * {@link String#String(byte[], int, int, java.nio.charset.Charset)}: straight from the array of a heap segment, else
 * after one bulk copy out of the segment; malformed bytes become U+FFFD as that constructor makes them.
 */
final class Utf8Codec implements Codec<String> {

    static final Utf8Codec INSTANCE = new Utf8Codec();

    private Utf8Codec() {
    }

    @Override
    public int encodedSize(String value) {
        return utf8Length(Objects.requireNonNull(value, "value"));
    }

    @Override
    public void encode(String value, MemorySegment target, long offset) {
        byte[] bytes = Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8);
        Bounds.checkEncode(target, offset, bytes.length);
        MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, offset, bytes.length);
    }

    @Override
    public String decode(MemorySegment source, long offset, int length) {
        Bounds.checkDecode(source, offset, length);
        if (source.heapBase().orElse(null) instanceof byte[] array) {
            // the address of a segment over a byte[] is the index of its first byte in that array
            return new String(array, Math.toIntExact(source.address() + offset), length, StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[length];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return "utf8";
    }

    @Override
    public String toString() {
        return "Codecs.utf8()";
    }

    /** {@return the number of bytes the UTF-8 encoding of the string takes} */
    static int utf8Length(String value) {
        int chars = value.length();
        int index = 0;
        while (index < chars && value.charAt(index) < 0x80) {
            index++;
        }
        if (index == chars) {
            return chars;
        }
        long size = index;
        for (; index < chars; index++) {
            char c = value.charAt(index);
            if (c < 0x80) {
                size += 1;
            } else if (c < 0x800) {
                size += 2;
            } else if (!Character.isSurrogate(c)) {
                size += 3;
            } else if (isPairAt(value, index)) {
                size += 4;
                index++;
            } else {
                size += 1;
            }
        }
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("value: a string of " + chars + " chars encodes to " + size
                    + " bytes (expected: at most " + Integer.MAX_VALUE + ")");
        }
        return (int) size;
    }

    /** {@return whether a high surrogate at {@code index} is followed by a low surrogate} */
    private static boolean isPairAt(String value, int index) {
        return Character.isHighSurrogate(value.charAt(index))
                && index + 1 < value.length()
                && Character.isLowSurrogate(value.charAt(index + 1));
    }
}
