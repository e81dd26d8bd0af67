package dev.strata.memory;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Provides the large blocks of memory ("slabs") a {@link PageAllocator} carves into pages. One implementation per
 * {@link SlabSourceKind}, each in its own package; the allocator never branches on the kind.
 *
 * <p>Implementations are thread-safe; the allocator calls {@link #take(long)} only on its slow path (under its growth
 * lock) and {@link Slab#release()} only when it closes.
 */
public interface SlabSource {

    /** {@return the kind of memory this source provides} */
    SlabSourceKind kind();

    /**
     * Takes a new slab.
     *
     * @param byteSize the slab size in bytes, positive and at most {@link SlabSourceKind#maxSlabBytes()}
     * @return the slab; its segment is {@code byteSize} bytes long, zeroed and 8-byte aligned
     * @throws IllegalArgumentException if {@code byteSize} is out of range for this source
     * @throws OutOfMemoryError if the JDK cannot provide the memory (the allocator converts this)
     */
    Slab take(long byteSize);

    /**
     * {@return how many bytes of {@code slabs}, all taken from this source and not yet released, the kernel backs with
     * huge pages now} The default answers 0: only a {@code HUGE_PAGES} source asks the kernel for them, and the kernel
     * may still back part of such a slab with 4 KiB pages.
     *
     * @param slabs the segments of slabs this source handed out
     * @throws java.io.UncheckedIOException if the kernel's accounts could not be read
     */
    default long hugePageBytes(List<MemorySegment> slabs) {
        return 0;
    }

    /**
     * One block of memory taken from a {@link SlabSource}.
     *
     * <p>{@link #segment()} is thread-safe; {@link #release()} must be called once, by the owner of the slab.
     */
    interface Slab {

        /** {@return the whole slab} */
        MemorySegment segment();

        /**
         * Gives the memory back: closes the slab's arena ({@code ARENA}: the memory returns to the operating system
         * at once and every segment of the slab stops being alive) or drops the references (the garbage collector
         * frees the rest).
         *
         * @throws IllegalStateException if the slab was already released
         */
        void release();

        /**
         * {@return a slab whose memory the garbage collector frees} Releasing it only drops this reference; segments
         * still held elsewhere keep the memory alive, so a late access never crashes.
         *
         * @param segment the whole slab, not null
         * @throws NullPointerException if {@code segment} is null
         */
        static Slab collectedByGc(MemorySegment segment) {
            return new GcSlab(segment);
        }
    }
}
