package dev.strata;

/** Where the off-heap region's native memory comes from. */
public enum OffHeapBackend {
    /**
     * Slabs from {@link java.nio.ByteBuffer#allocateDirect(int)}, viewed as memory segments. They count against
     * {@code -XX:MaxDirectMemorySize} and show in the JDK's {@code direct} buffer pool; only the garbage collector can
     * free them, so the engine keeps every slab it took until the engine itself is unreachable.
     */
    DIRECT_BUFFER,
    /**
     * Slabs from {@link java.lang.foreign.Arena#ofShared()}. They do not count against {@code MaxDirectMemorySize}
     * (the engine's budget is their only guard, and the engine reports them itself); closing a slab's arena returns
     * its memory to the operating system at once, with no garbage collection.
     */
    ARENA
}
