package dev.strata.tier.disk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A key of the in-memory index: key bytes plus their cached hash.
 *
 * <p>Stored keys own a private copy of the bytes ({@link #copyOf}); lookups use a {@link #probe} that wraps the
 * caller's segment without copying. Equality compares bytes, so a probe finds the stored key. Immutable once built
 * (a probe is only as stable as the caller's segment, and is never stored).
 */
final class IndexKey {

    private final MemorySegment bytes;
    private final int hash;

    private IndexKey(MemorySegment bytes) {
        this.bytes = bytes;
        this.hash = hashOf(bytes);
    }

    /** {@return a key owning a heap copy of {@code key}'s bytes} */
    static IndexKey copyOf(MemorySegment key) {
        return new IndexKey(MemorySegment.ofArray(key.toArray(ValueLayout.JAVA_BYTE)));
    }

    /** {@return a key that wraps {@code key} without copying; for lookups only} */
    static IndexKey probe(MemorySegment key) {
        return new IndexKey(key);
    }

    /** {@return the key bytes (a read-only view)} */
    MemorySegment bytes() {
        return bytes.asReadOnly();
    }

    /** {@return a new array with the key bytes} */
    byte[] toArray() {
        return bytes.toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@return whether {@code other}'s bytes equal this key's} */
    boolean matches(MemorySegment other) {
        return other.byteSize() == bytes.byteSize() && MemorySegment.mismatch(bytes, 0, bytes.byteSize(),
                other, 0, other.byteSize()) == -1;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IndexKey that && that.hash == hash && matches(that.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "IndexKey[" + bytes.byteSize() + " bytes, hash=" + Integer.toHexString(hash) + "]";
    }

    private static int hashOf(MemorySegment bytes) {
        long size = bytes.byteSize();
        int h = (int) size;
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            long word = bytes.get(RecordFormat.U64, i);
            h = 31 * h + (int) (word ^ (word >>> 32));
        }
        for (; i < size; i++) {
            h = 31 * h + bytes.get(ValueLayout.JAVA_BYTE, i);
        }
        return h ^ (h >>> 16);
    }
}
