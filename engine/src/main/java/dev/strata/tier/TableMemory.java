package dev.strata.tier;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap the off-heap tiers' record tables take, over every cache of an engine, and the most they may take. The
 * tables live on the heap outside the engine's region, in user memory, where nothing else bounds them: their records
 * are off the heap, but each record has a {@code long} slot, and a table is kept at most half full, so a region of
 * small records (a {@code Long} key and value make a 32-byte record) can need more heap for its tables than the
 * region's own size, and a JVM whose heap is smaller than that would fail with an {@link OutOfMemoryError}.
 *
 * <pre>
 *   charged  =  Σ over the caches' record tables of  8 B × slots      (exact: charged when a table is made or rebuilt)
 *   a tier takes a new page only while  charged ≤ limit / 2           ({@link OffHeapTier}); past it, it recycles
 * </pre>
 *
 * <p>A table is charged as it is made, grows or shrinks ({@link RecordTable}), under its stripe's monitor, where the
 * charge cannot be refused; the limit is enforced one step before, where a tier takes a new page, and with room: a
 * table grows by doubling, and the stripes' tables, holding nearly equal shares of the records, grow at nearly the same
 * moment, so the tables may double after the last page was taken. Stopping at half the limit leaves that room: with no
 * new page the records cannot grow much (only by packing the pages recycled more densely), and a table holding the same
 * records doubles at most once. A tier that needs room past that point recycles its own pages, as when its region is
 * full. A table left sparse shrinks at its next insert, and at a clear, so the charge follows the records down too.
 * The tables pass the limit only by what it does not cover: a new cache's first, empty tables, the records of the few
 * pages a tier holding almost none may still take ({@code OffHeapTier.FLOOR_PAGES}), and records the pages already
 * taken come to hold beyond those they held.
 *
 * <p>Thread-safe (lock-free).
 */
final class TableMemory {

    /** No limit: tests and tools that build tiers without an engine. */
    static final long NO_LIMIT = Long.MAX_VALUE;

    private final long limitBytes;
    private final AtomicLong chargedBytes = new AtomicLong();

    /**
     * Creates the account of an engine's record tables.
     *
     * @param limitBytes the most heap the tables may take (tiers stop taking pages at half of it), at least 1 byte
     * @throws IllegalArgumentException if {@code limitBytes} is less than 1
     */
    TableMemory(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("off-heap table limit: " + limitBytes + " bytes (expected: >= 1)");
        }
        this.limitBytes = limitBytes;
    }

    /** {@return an account with no limit} */
    static TableMemory unlimited() {
        return new TableMemory(NO_LIMIT);
    }

    /**
     * Adds {@code deltaBytes} to the charge: positive when a table is made or grows, negative when it shrinks or is
     * dropped.
     *
     * @throws IllegalStateException if the charge would fall below 0 (a table released twice); nothing is changed
     */
    void charge(long deltaBytes) {
        long after = chargedBytes.addAndGet(deltaBytes);
        if (after < 0) {
            chargedBytes.addAndGet(-deltaBytes);
            throw new IllegalStateException("off-heap table charge " + deltaBytes + " bytes (expected: at least -"
                    + (after - deltaBytes) + ", the bytes charged)");
        }
    }

    /**
     * {@return whether the tables take more than half the limit: then no off-heap tier takes a new page, the other half
     * being the room the tables may need to double in}
     */
    boolean stopsPages() {
        return chargedBytes.get() > limitBytes / 2;
    }

    /** {@return the heap the record tables take now, in bytes} */
    long bytes() {
        return chargedBytes.get();
    }

    @Override
    public String toString() {
        return "TableMemory[charged=" + chargedBytes.get() + ", limit=" + limitBytes + "]";
    }
}
