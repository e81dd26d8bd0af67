package dev.strata;

/**
 * Where a memory pool's bytes live. Each mode has its own storage pool and execution pool, and its own region
 * size: {@link #ON_HEAP} is the heap region given to the engine builder's heap setting, {@link #OFF_HEAP} the
 * native region given to its off-heap setting.
 */
public enum MemoryMode {
    /** Java objects and heap arrays: fastest to read, scanned by the garbage collector. */
    ON_HEAP,
    /** Native memory outside the heap: invisible to the garbage collector, freed deterministically. */
    OFF_HEAP
}
