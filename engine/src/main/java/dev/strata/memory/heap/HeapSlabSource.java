package dev.strata.memory.heap;

import dev.strata.memory.SlabSource;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.MemorySegment;

/**
 * Slabs backed by {@code long[]} arrays on the Java heap ({@link MemorySegment#ofArray(long[])}), so every page is
 * 8-byte aligned, for {@code ON_HEAP} execution memory. At most 8 GiB per slab.
 *
 * <p>Releasing a slab drops this source's reference; the garbage collector frees the array once no segment refers to
 * it.
 *
 * <p>Thread-safe and stateless.
 */
public final class HeapSlabSource implements SlabSource {

    /** Creates the source. */
    public HeapSlabSource() {
    }

    @Override
    public SlabSourceKind kind() {
        return SlabSourceKind.HEAP;
    }

    @Override
    public Slab take(long byteSize) {
        if (byteSize <= 0 || byteSize % Long.BYTES != 0 || byteSize > SlabSourceKind.HEAP.maxSlabBytes()) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: a multiple of 8 from 8 bytes to 8 GiB)");
        }
        return Slab.collectedByGc(MemorySegment.ofArray(new long[(int) (byteSize / Long.BYTES)]));
    }
}
