package dev.strata.tier;

/**
 * One stripe of a cache's {@link KeyIndex}: the keys whose hash falls in it, in two tables, and the lock their writers
 * share. A key is in at most one table: {@link #nodes} while its value is on the heap or on disk, {@link #records}
 * while it is off-heap.
 *
 * <p><b>The key lock.</b> This object's monitor guards every change of where its keys' values are: puts, removes,
 * moves between tiers, a record's move within the off-heap tier, and both tables' structure. A thread holds at most
 * one stripe's monitor at a time and never evicts, waits for memory or takes another stripe while holding it, so
 * stripes cannot deadlock; the locks taken inside it are leaves (queue locks, the off-heap tier's lock, the disk
 * store's locks, the memory manager's lock).
 *
 * <p><b>Moves between the tables</b> insert the key's new place before removing the old one, inside one hold of the
 * monitor, and bump {@link #version} (odd during, even after). A reader that probes the tables in tier order therefore
 * finds the key in one of them, unless it passed the new table before the insert and reached the old one after the
 * removal: then the version moved, and it looks again ({@link #stable}).
 */
final class Stripe {

    /** The heap and disk keys' nodes, or null if the cache has neither tier. */
    final NodeTable nodes;
    /** The off-heap keys' records, or null if the cache has no off-heap tier. */
    final RecordTable records;
    /** Odd while a key moves between the tables; every move adds two. Written under this monitor. */
    volatile int version;

    Stripe(boolean hasNodes, ExtentTable extents) {
        this.nodes = hasNodes ? new NodeTable() : null;
        this.records = extents != null ? new RecordTable(extents) : null;
    }

    /** Starts a move between the tables (monitor held). */
    void beginMove() {
        version++;
    }

    /** Ends a move between the tables (monitor held). */
    void endMove() {
        version++;
    }

    /** {@return whether no move began or ended since {@code seen} was read, and none was running then} */
    boolean stable(int seen) {
        return (seen & 1) == 0 && version == seen;
    }
}
