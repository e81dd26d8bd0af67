package dev.strata.memory;

import java.util.Objects;

/**
 * The validated configuration of one {@link PageAllocator}.
 *
 * <p>Immutable and thread-safe. The compact constructor rejects every bad value with an exception naming the value and
 * the rule.
 *
 * @param name the allocator's name in logs, statistics and JMX; not blank
 * @param source where slabs come from
 * @param pageSize bytes per page: a power of two from 4 KiB to 64 MiB
 * @param slabSize bytes per slab: a positive multiple of {@code pageSize}, at most 2 GiB - 1 for
 *     {@link SlabSourceKind#DIRECT_BUFFER} and 8 GiB for {@link SlabSourceKind#HEAP}; may exceed the budget (the
 *     one slab is then budget-sized)
 * @param budgetBytes the most bytes of slabs ever held at once: a multiple of {@code pageSize}, 0 or more, at most
 *     2<sup>29</sup> pages. Slabs are taken lazily and never beyond the budget; the last slab may be smaller than
 *     {@code slabSize} so the budget is fully usable
 * @param strict whether pages still allocated at {@link PageAllocator#close()} make it throw (otherwise it logs)
 * @param preTouch whether to write every 4 KiB of a new slab once so the operating system backs it at once
 *     (benchmarks)
 */
public record PageAllocatorConfig(String name, SlabSourceKind source, long pageSize, long slabSize, long budgetBytes,
                                  boolean strict, boolean preTouch) {

    /** The smallest page size: 4 KiB. */
    public static final long MIN_PAGE_SIZE = 4096;
    /** The largest page size: 64 MiB (what {@link PageAddress} offsets can hold). */
    public static final long MAX_PAGE_SIZE = PageAddress.MAX_OFFSET;
    /** The most pages a budget may hold: 2<sup>29</sup>, so page numbers stay non-negative ints. */
    public static final long MAX_BUDGET_PAGES = 1L << 29;

    /**
     * Validates the values.
     *
     * @throws NullPointerException if {@code name} or {@code source} is null
     * @throws IllegalArgumentException if a value breaks its rule (see the record components)
     */
    public PageAllocatorConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: not blank)");
        }
        if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("pageSize: " + pageSize + " (expected: a power of two from 4 KiB to 64 MiB)");
        }
        if (slabSize <= 0 || slabSize % pageSize != 0) {
            throw new IllegalArgumentException("slabSize: " + slabSize + " (expected: a positive multiple of pageSize " + pageSize + ")");
        }
        if (slabSize > source.maxSlabBytes()) {
            throw new IllegalArgumentException("slabSize: " + slabSize + " (expected: at most " + source.maxSlabBytes() + " bytes for " + source + ")");
        }
        if (budgetBytes < 0 || budgetBytes % pageSize != 0) {
            throw new IllegalArgumentException("budgetBytes: " + budgetBytes + " (expected: 0 or more, a multiple of pageSize " + pageSize + ")");
        }
        if (budgetBytes / pageSize > MAX_BUDGET_PAGES) {
            throw new IllegalArgumentException("budgetBytes: " + budgetBytes + " (expected: at most 2^29 pages of " + pageSize + " bytes)");
        }
    }

    /** {@return the number of pages the budget holds} */
    public long budgetPages() {
        return budgetBytes / pageSize;
    }
}
