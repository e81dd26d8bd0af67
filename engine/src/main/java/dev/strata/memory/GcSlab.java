package dev.strata.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A slab whose memory the garbage collector frees (direct buffers, heap arrays): releasing forgets the segment. */
final class GcSlab implements SlabSource.Slab {

    private MemorySegment segment;

    GcSlab(MemorySegment segment) {
        this.segment = Objects.requireNonNull(segment, "segment");
    }

    @Override
    public synchronized MemorySegment segment() {
        if (segment == null) {
            throw new IllegalStateException("slab already released");
        }
        return segment;
    }

    @Override
    public synchronized void release() {
        if (segment == null) {
            throw new IllegalStateException("slab already released");
        }
        segment = null;
    }
}
