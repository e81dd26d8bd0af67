package dev.strata.memory;

import dev.strata.MemoryMode;

/**
 * Where a {@link PageAllocator} takes its slabs from. Each kind has one {@link SlabSource} implementation in its own
 * package.
 *
 * <p>Thread-safe (an enum).
 */
public enum SlabSourceKind {
    /**
     * Slabs from {@link java.nio.ByteBuffer#allocateDirect(int)}: at most 2 GiB - 1 bytes each, counted against
     * {@code -XX:MaxDirectMemorySize}, freed only when the garbage collector collects the buffer.
     */
    DIRECT_BUFFER(MemoryMode.OFF_HEAP, Integer.MAX_VALUE),
    /**
     * Slabs from one {@link java.lang.foreign.Arena#ofShared() shared arena} each: not counted in the JDK's direct
     * pool, returned to the operating system when the slab's arena is closed.
     */
    ARENA(MemoryMode.OFF_HEAP, Long.MAX_VALUE),
    /**
     * Slabs mapped with {@code mmap} and advised as transparent huge pages, 2 MiB-aligned, returned to the operating
     * system when the slab is released; at most 64 TiB each. Linux only, and the engine's module needs native access
     * ({@code --enable-native-access}); see {@link dev.strata.memory.hugepage.HugePageSlabSource}.
     */
    HUGE_PAGES(MemoryMode.OFF_HEAP, 1L << 46),
    /** Slabs backed by {@code long[]} arrays on the Java heap (8-byte aligned), at most 8 GiB each. */
    HEAP(MemoryMode.ON_HEAP, 8L << 30);

    private final MemoryMode mode;
    private final long maxSlabBytes;

    SlabSourceKind(MemoryMode mode, long maxSlabBytes) {
        this.mode = mode;
        this.maxSlabBytes = maxSlabBytes;
    }

    /** {@return where pages of this kind live: {@code ON_HEAP} for {@link #HEAP}, {@code OFF_HEAP} otherwise} */
    public MemoryMode mode() {
        return mode;
    }

    /** {@return the largest slab, in bytes, this kind can provide} */
    public long maxSlabBytes() {
        return maxSlabBytes;
    }
}
