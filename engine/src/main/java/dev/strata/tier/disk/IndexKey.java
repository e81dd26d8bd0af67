package dev.strata.tier.disk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A key of the in-memory index: key bytes plus their cached hash.
 *
 * <p>Stored keys own a private heap copy of the bytes ({@link #copyOf}), held as a plain array: the index keeps one
 * per key, and a {@code MemorySegment} wrapper around it would add about 40 bytes of heap to every disk entry. Lookups
 * use a {@link #probe} that wraps the caller's segment without copying. Equality compares bytes, so a probe finds the
 * stored key. Immutable once built (a probe is only as stable as the caller's segment, and is never stored).
 */
final class IndexKey {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long MIX = 0xC2B2AE3D27D4EB4FL;
    private static final long AVALANCHE = 0xBF58476D1CE4E5B9L;

    /** A stored key's own bytes; {@code null} in a probe. */
    private final byte[] stored;
    /** A probe's bytes (the caller's segment); {@code null} in a stored key. */
    private final MemorySegment probed;
    private final int hash;

    private IndexKey(byte[] stored, MemorySegment probed) {
        this.stored = stored;
        this.probed = probed;
        this.hash = hashOf(segment());
    }

    /** {@return a key owning a heap copy of {@code key}'s bytes} */
    static IndexKey copyOf(MemorySegment key) {
        return new IndexKey(key.toArray(ValueLayout.JAVA_BYTE), null);
    }

    /** {@return a key that wraps {@code key} without copying; for lookups only} */
    static IndexKey probe(MemorySegment key) {
        return new IndexKey(null, key);
    }

    /** {@return the key bytes (a read-only view)} */
    MemorySegment bytes() {
        return segment().asReadOnly();
    }

    /** {@return a new array with the key bytes} */
    byte[] toArray() {
        return stored != null ? stored.clone() : probed.toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@return whether {@code other}'s bytes equal this key's} */
    boolean matches(MemorySegment other) {
        MemorySegment bytes = segment();
        return other.byteSize() == bytes.byteSize() && MemorySegment.mismatch(bytes, 0, bytes.byteSize(),
                other, 0, other.byteSize()) == -1;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof IndexKey that) || that.hash != hash) {
            return false;
        }
        return stored != null && that.stored != null ? Arrays.equals(stored, that.stored) : matches(that.segment());
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "IndexKey[" + segment().byteSize() + " bytes, hash=" + Integer.toHexString(hash) + "]";
    }

    private MemorySegment segment() {
        return stored != null ? MemorySegment.ofArray(stored) : probed;
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
