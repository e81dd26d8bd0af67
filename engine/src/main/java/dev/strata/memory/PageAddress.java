package dev.strata.memory;

/**
 * Packs a page number and a byte offset within that page into one {@code long} "page address", so that tiers and
 * indexes can store a location in native or heap pages as a primitive.
 *
 * <pre>
 *  63                                   27 26                        0
 * +---------------------------------------+---------------------------+
 * |        page number (37 bits)          |      offset (27 bits)     |
 * +---------------------------------------+---------------------------+
 *   the allocator's page numbers are non-  0 .. 2^26 (64 MiB, the largest
 *   negative ints, so bits 63..58 are 0    page size; an end offset may
 *   and every address is >= 0              equal the page size)
 * </pre>
 *
 * <p>Addresses order like (page number, offset), and {@code encode(p, 0) + n == encode(p, n)} for offsets in range.
 * Resolve an address with {@link PageAllocator#segment(long)}.
 *
 * <p>Static helpers only; thread-safe.
 */
public final class PageAddress {

    /** Bits holding the offset: enough for offsets 0 to 64 MiB inclusive. */
    public static final int OFFSET_BITS = 27;
    /** The largest offset {@link #encode} accepts: 64 MiB, the largest page size (an exclusive end offset). */
    public static final long MAX_OFFSET = 1L << 26;

    private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;

    private PageAddress() {
    }

    /**
     * {@return the address of byte {@code offset} of page {@code pageNumber}}
     *
     * @param pageNumber the page number, not negative
     * @param offset the byte offset in the page, from 0 to {@link #MAX_OFFSET}
     * @throws IllegalArgumentException if either value is out of range
     */
    public static long encode(int pageNumber, long offset) {
        if (pageNumber < 0 || offset < 0 || offset > MAX_OFFSET) {
            throw badEncode(pageNumber, offset);
        }
        return (long) pageNumber << OFFSET_BITS | offset;
    }

    /**
     * {@return the page number held in {@code address}}
     *
     * @param address a page address from {@link #encode}
     */
    public static int pageNumber(long address) {
        return (int) (address >>> OFFSET_BITS);
    }

    /**
     * {@return the byte offset within its page held in {@code address}}
     *
     * @param address a page address from {@link #encode}
     */
    public static long offset(long address) {
        return address & OFFSET_MASK;
    }

    /**
     * {@return the address as text, e.g. {@code "page 12 + 4096"}}
     *
     * @param address a page address from {@link #encode}
     */
    public static String toString(long address) {
        return "page " + pageNumber(address) + " + " + offset(address);
    }

    private static IllegalArgumentException badEncode(int pageNumber, long offset) {
        if (pageNumber < 0) {
            return new IllegalArgumentException("pageNumber: " + pageNumber + " (expected: >= 0)");
        }
        return new IllegalArgumentException("offset: " + offset + " (expected: 0 to " + MAX_OFFSET + ")");
    }
}
