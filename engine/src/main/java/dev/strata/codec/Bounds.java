package dev.strata.codec;

import java.lang.foreign.MemorySegment;

/**
 * Range checks shared by the built-in codecs. Each check runs once per call, before any byte is touched, so a failed
 * encode writes nothing; the throwing branches are in separate methods to keep the hot paths small.
 */
final class Bounds {

    private Bounds() {
    }

    /**
     * Checks that {@code size} bytes fit in {@code target} at {@code offset}.
     *
     * @throws IndexOutOfBoundsException if they do not
     */
    static void checkEncode(MemorySegment target, long offset, int size) {
        if (offset < 0 || offset > target.byteSize() - size) {
            throw doesNotFit(target, offset, size);
        }
    }

    /**
     * Checks the range {@code [offset, offset + length)} of {@code source}.
     *
     * @throws IllegalArgumentException if {@code length < 0}
     * @throws IndexOutOfBoundsException if the range is not inside {@code source}
     */
    static void checkDecode(MemorySegment source, long offset, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
        }
        if (offset < 0 || offset > source.byteSize() - length) {
            throw new IndexOutOfBoundsException("offset: " + offset + ", length: " + length
                    + " (expected: a range inside [0, " + source.byteSize() + "))");
        }
    }

    /** {@return an exception saying that the bytes at offset/length are not a valid encoding for the codec} */
    static IllegalArgumentException malformed(String codecName, long offset, int length, String why, Throwable cause) {
        return new IllegalArgumentException("malformed " + codecName + " encoding at offset: " + offset + ", length: "
                + length + " (" + why + ")", cause);
    }

    private static IndexOutOfBoundsException doesNotFit(MemorySegment target, long offset, int size) {
        return new IndexOutOfBoundsException("offset: " + offset + ", encodedSize: " + size
                + " (expected: a range inside [0, " + target.byteSize() + "))");
    }
}
