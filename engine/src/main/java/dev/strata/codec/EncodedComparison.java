package dev.strata.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Comparing a value with an encoding ({@link Codec#matches}): by encoding into a per-thread scratch buffer (the
 * default), or, for byte arrays, in place. Stateless apart from each thread's scratch.
 */
final class EncodedComparison {

    /** Arrays up to this long are compared word by word; longer ones with {@link MemorySegment#mismatch}. */
    private static final int WORD_COMPARE_BYTES = 64;
    /** A thread keeps a scratch buffer up to this size; a larger encoding gets a buffer of its own each time. */
    private static final int RETAINED_BYTES = 1 << 16;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** A word of a byte array, in the byte order {@link #WORD} reads the encoding in. */
    private static final VarHandle ARRAY_WORD = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.nativeOrder());
    private static final ThreadLocal<MemorySegment[]> SCRATCH =
            ThreadLocal.withInitial(() -> new MemorySegment[] {MemorySegment.ofArray(new byte[64])});

    private EncodedComparison() {
    }

    /** {@link Codec#matches}'s default: encode {@code value} into scratch memory and compare. */
    static <T> boolean matchesByEncoding(Codec<T> codec, T value, MemorySegment encoded, long offset, int length) {
        Objects.requireNonNull(encoded, "encoded");
        int size = codec.encodedSize(value);
        if (size != length) {
            return false;
        }
        MemorySegment[] holder = SCRATCH.get();
        MemorySegment scratch = holder[0];
        if (size > scratch.byteSize()) {
            scratch = MemorySegment.ofArray(new byte[size]);
            if (size <= RETAINED_BYTES) {
                holder[0] = scratch;
            }
        }
        codec.encode(value, scratch, 0);
        return MemorySegment.mismatch(scratch, 0, size, encoded, offset, offset + length) < 0;
    }

    /** {@return whether {@code bytes} equal the {@code length} bytes of {@code encoded} at {@code offset}} */
    static boolean equal(byte[] bytes, MemorySegment encoded, long offset, int length) {
        Objects.requireNonNull(encoded, "encoded");
        if (bytes.length != length) {
            return false;
        }
        if (length > WORD_COMPARE_BYTES) {
            MemorySegment array = MemorySegment.ofArray(bytes);
            return MemorySegment.mismatch(array, 0, length, encoded, offset, offset + length) < 0;
        }
        Objects.checkFromIndexSize(offset, length, encoded.byteSize());
        int i = 0;
        // short arrays: a few word loads, no bulk call, and no segment over the array, which a caller the compiler
        // did not inline this into would allocate (two objects per comparison)
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            if ((long) ARRAY_WORD.get(bytes, i) != encoded.get(WORD, offset + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (bytes[i] != encoded.get(ValueLayout.JAVA_BYTE, offset + i)) {
                return false;
            }
        }
        return true;
    }
}
