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

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long MIX = 0xC2B2AE3D27D4EB4FL;
    private static final long AVALANCHE = 0xBF58476D1CE4E5B9L;

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

    /**
     * A 64-bit multiply-rotate mix over 8-byte words, finished with a murmur-style avalanche. Folding words with
     * {@code w ^ (w >>> 32)} instead (as a first version did) collapses keys such as {@code "key-000000012345"},
     * whose bytes differ only in low nibbles, into a few hash values and turns index lookups into list walks.
     */
    private static int hashOf(MemorySegment bytes) {
        long size = bytes.byteSize();
        long h = (size + 1) * GOLDEN;
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            h = Long.rotateLeft(h ^ bytes.get(RecordFormat.U64, i) * MIX, 31) * GOLDEN;
        }
        for (; i < size; i++) {
            h = (h ^ (bytes.get(ValueLayout.JAVA_BYTE, i) & 0xFF)) * GOLDEN;
        }
        h ^= h >>> 29;
        h *= AVALANCHE;
        h ^= h >>> 32;
        return (int) h;
    }
}
