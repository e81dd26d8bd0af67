package dev.strata.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@link Codecs#utf8()}: standard UTF-8, byte for byte what {@link String#getBytes(java.nio.charset.Charset)} with
 * {@link StandardCharsets#UTF_8} produces, written straight into the segment without an intermediate array.
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
 * <p>Encoding: runs of ASCII are packed eight chars to a little-endian {@code long} and stored with one unaligned
 * write; other chars one byte at a time. The exact size needs a pass over the chars; {@link #encode} skips that pass
 * when the target has room for the worst case (three bytes per char). Decoding is
 * {@link String#String(byte[], int, int, java.nio.charset.Charset)}: straight from the array of a heap segment, else
 * after one bulk copy out of the segment; malformed bytes become U+FFFD as that constructor makes them.
 */
final class Utf8Codec implements Codec<String> {

    static final Utf8Codec INSTANCE = new Utf8Codec();

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The most bytes one char can take: three (a surrogate pair takes four, two per char). */
    private static final int MAX_BYTES_PER_CHAR = 3;

    private Utf8Codec() {
    }

    @Override
    public int encodedSize(String value) {
        return utf8Length(Objects.requireNonNull(value, "value"));
    }

    @Override
    public void encode(String value, MemorySegment target, long offset) {
        Objects.requireNonNull(value, "value");
        if (offset < 0 || value.length() > Integer.MAX_VALUE / MAX_BYTES_PER_CHAR
                || target.byteSize() - offset < (long) MAX_BYTES_PER_CHAR * value.length()) {
            Bounds.checkEncode(target, offset, utf8Length(value));
        }
        int chars = value.length();
        long position = offset;
        int index = 0;
        while (index + 8 <= chars) {
            long word = asciiWord(value, index);
            if (word < 0) {
                break;
            }
            target.set(WORD, position, word);
            position += 8;
            index += 8;
        }
        for (; index < chars; index++) {
            char c = value.charAt(index);
            if (c < 0x80) {
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) c);
            } else if (c < 0x800) {
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0xC0 | c >> 6));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0x80 | c & 0x3F));
            } else if (!Character.isSurrogate(c)) {
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0xE0 | c >> 12));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0x80 | c >> 6 & 0x3F));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0x80 | c & 0x3F));
            } else if (isPairAt(value, index)) {
                int codePoint = Character.toCodePoint(c, value.charAt(++index));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0xF0 | codePoint >> 18));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0x80 | codePoint >> 12 & 0x3F));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0x80 | codePoint >> 6 & 0x3F));
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) (0x80 | codePoint & 0x3F));
            } else {
                target.set(ValueLayout.JAVA_BYTE, position++, (byte) '?');
            }
        }
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

    /**
     * {@return the eight chars at {@code index} packed little-endian into a long, or a negative number if any of them
     * is not ASCII}
     */
    private static long asciiWord(String value, int index) {
        long word = 0;
        int any = 0;
        for (int i = 7; i >= 0; i--) {
            char c = value.charAt(index + i);
            any |= c;
            word = word << 8 | c;
        }
        return any < 0x80 ? word : -1;
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
