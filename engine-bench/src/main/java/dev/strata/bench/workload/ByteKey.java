package dev.strata.bench.workload;

import java.util.Arrays;

/**
 * A {@code byte[]} with value equality, for on-heap maps whose keys must implement {@code equals}/{@code hashCode}
 * (a bare array compares by identity). The array is not copied: callers must not change it.
 *
 * <p>Immutable if the array is left alone; thread-safe.
 */
public final class ByteKey {
    private final byte[] bytes;
    private final int hash;

    /**
     * Wraps an array.
     *
     * @param bytes the key bytes, not copied
     */
    public ByteKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** {@return the wrapped array (not a copy)} */
    public byte[] bytes() {
        return bytes;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ByteKey that && hash == that.hash && Arrays.equals(bytes, that.bytes);
    }
}
