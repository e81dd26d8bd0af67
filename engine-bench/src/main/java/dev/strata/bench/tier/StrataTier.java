package dev.strata.bench.tier;

/** The Strata configurations of the tier ladder: one cache with exactly one tier. */
public enum StrataTier {
    /** The heap tier: values as objects. */
    HEAP,
    /** The off-heap tier over pages from {@code Arena} slabs. */
    OFF_HEAP_ARENA,
    /** The off-heap tier over pages from direct {@code ByteBuffer} slabs. */
    OFF_HEAP_DIRECT,
    /**
     * The off-heap tier over pages from slabs on transparent huge pages; the JVM needs
     * {@code --enable-native-access=ALL-UNNAMED} ({@link StrataHugePagesBenchmark}).
     */
    OFF_HEAP_HUGE_PAGES,
    /** The disk tier: append-only segment files under {@code target/bench-disk}. */
    DISK
}
