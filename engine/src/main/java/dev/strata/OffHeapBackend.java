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
    ARENA,
    /**
     * Slabs mapped from the operating system and backed by transparent huge pages (2 MiB) where the kernel has them,
     * so random reads of records across a large region miss the TLB far less often. Otherwise as {@link #ARENA}: not
     * counted against {@code MaxDirectMemorySize}, returned to the operating system when the engine closes.
     *
     * <p>Needs Linux on x86-64 or AArch64 with transparent huge pages set to {@code madvise} or {@code always}
     * ({@code /sys/kernel/mm/transparent_hugepage/enabled}), and native access for the engine, because mapping and
     * advising memory are native calls: run the JVM with {@code --enable-native-access=ALL-UNNAMED} (class path) or
     * {@code --enable-native-access=dev.strata.engine} (module path). Where any of these is missing,
     * {@link Engine.Builder#build()} refuses with the reason; the engine never calls native code, or makes the JDK
     * print its native-access warning, with the other backends.
     */
    HUGE_PAGES
}
