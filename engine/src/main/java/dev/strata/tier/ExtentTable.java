package dev.strata.tier;

import dev.strata.memory.Page;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The off-heap tier's extents by id, and the locations that slots store: a location is an extent id and a record's
 * offset in units of {@link RecordLayout#ALIGNMENT}, packed into {@link Slots#LOCATION_BITS} bits.
 *
 * <pre>
 *   location = id << offsetBits | offset / 8          offsetBits = log2(pageSize) - 3
 *   byId:  [ E0 | E1 | E2 (freed, its id free) | E3 | ... ]      grows by doubling, never shrinks
 * </pre>
 *
 * An id is reused once its extent is freed; the new extent continues the old one's generation, so a slot that still
 * names the old extent's life never validates against the new one. 40 location bits address 8 TiB of pages whatever
 * the page size.
 *
 * <p><b>Concurrency.</b> Lock-free readers call {@link #get}; an extent is stored (with release) before any slot names
 * it, and the array is replaced only by a longer copy, so a reader that acquired a slot finds its extent. Creating
 * and freeing take this table's monitor (a leaf). Thread-safe.
 */
final class ExtentTable {

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Extent[].class);

    private final int offsetBits;
    private final int maxIds;
    private volatile Extent[] byId = new Extent[16];
    /** Ids of freed extents, reused before new ones. Guarded by this. */
    private int[] freeIds = new int[16];
    private int freeCount;
    /** The next never-used id. Guarded by this. */
    private int nextId;

    /**
     * @param pageSize the tier's page size, a power of two
     * @param maxPages the most pages the tier can ever hold (each extent holds at least one)
     * @throws IllegalArgumentException if that many extents could not all be addressed
     */
    ExtentTable(long pageSize, long maxPages) {
        this.offsetBits = Long.numberOfTrailingZeros(pageSize) - Integer.numberOfTrailingZeros(RecordLayout.ALIGNMENT);
        long addressable = 1L << (Slots.LOCATION_BITS - offsetBits);
        if (maxPages > Math.min(addressable, Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("off-heap pages: " + maxPages + " of " + pageSize + " bytes (expected: "
                    + "at most " + Math.min(addressable, Integer.MAX_VALUE) + ", the 8 TiB a record location covers)");
        }
        this.maxIds = (int) Math.max(1, maxPages);
    }

    /** {@return the extent with {@code id}, possibly freed} Lock-free. */
    Extent get(int id) {
        return byId[id];
    }

    /** {@return the extent a location names} Lock-free. */
    Extent extentAt(long location) {
        return byId[(int) (location >>> offsetBits)];
    }

    /** {@return the location of the record at {@code offset} of {@code extent}} */
    long location(Extent extent, int offset) {
        return (long) extent.id << offsetBits | offset >>> 3;
    }

    /** {@return the record offset a location names} */
    int offsetAt(long location) {
        return (int) (location & ((1L << offsetBits) - 1)) << 3;
    }

    /** {@return a new extent over {@code pages}, under a free id} */
    synchronized Extent create(Page[] pages) {
        int id = freeCount > 0 ? freeIds[--freeCount] : nextId++;
        if (id >= maxIds) {
            throw new IllegalStateException("extent id " + id + " beyond the tier's " + maxIds + " pages");
        }
        Extent[] table = byId;
        if (id >= table.length) {
            table = Arrays.copyOf(table, Math.min(Math.max(table.length * 2, id + 1), maxIds));
        }
        Extent previous = table[id];
        Extent extent = new Extent(id, previous == null ? 0 : previous.generation, pages);
        ELEMENT.setRelease(table, id, extent);
        byId = table;                                  // volatile: publishes a grown copy with its new element
        return extent;
    }

    /** Frees {@code extent}'s id for reuse; its life must already have ended ({@link Extent#renew}). */
    synchronized void release(Extent extent) {
        if (freeCount == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, freeCount * 2);
        }
        freeIds[freeCount++] = extent.id;
    }
}
