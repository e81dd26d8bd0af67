package dev.strata;

/** Which memory manager arbitrates between storage (cached data) and execution (working memory). */
public enum MemoryManagerKind {
    /**
     * Fixed partitions chosen at build time: storage and execution never borrow from each other. Each mode's region
     * is split by the storage fraction (default 0.5); a full storage pool evicts its own entries and a full execution
     * pool makes tasks spill.
     */
    STATIC,
    /**
     * The default, after Spark's unified memory manager: one region per mode with a movable boundary. Storage borrows
     * free execution memory; execution takes free storage memory and evicts cached data down to the protected storage
     * region R (storage fraction × region); storage never evicts execution.
     */
    UNIFIED
}
