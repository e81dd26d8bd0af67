package dev.strata;

/** The storage tiers of a cache, from fastest to slowest. */
public enum Tier {
    /** Values kept as Java objects on the heap (no copy), accounted against {@link MemoryMode#ON_HEAP} storage. */
    HEAP,
    /** Encoded values packed into native pages, accounted against {@link MemoryMode#OFF_HEAP} storage. */
    OFF_HEAP,
    /** Encoded values in append-only, checksummed segment files under the engine's disk directory and quota. */
    DISK
}
