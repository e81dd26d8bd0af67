package dev.strata.management;

/**
 * The management view of one page allocator, registered in the platform MBean server as
 * {@code dev.strata:type=PageAllocator,name=<name>} while the allocator is open.
 *
 * <p>Each getter reads the allocator's current numbers; two getters called one after the other may see different
 * instants. Implementations are thread-safe.
 */
public interface PageAllocatorMXBean {

    /** {@return the allocator's name} */
    String getName();

    /** {@return where the allocator's slabs come from: {@code DIRECT_BUFFER}, {@code ARENA} or {@code HEAP}} */
    String getBackend();

    /** {@return the number of slabs held} */
    int getSlabs();

    /** {@return the number of pages in the slabs held} */
    long getPagesTotal();

    /** {@return the number of pages allocated now} */
    long getPagesUsed();

    /** {@return the number of pages in held slabs that are free now} */
    long getPagesFree();

    /** {@return the bytes of all slabs held (for {@code ARENA}, the only record of this native memory)} */
    long getBytesReserved();

    /** {@return the most bytes of slabs the allocator may hold} */
    long getBudgetBytes();

    /** {@return bytes per page} */
    long getPageSize();

    /**
     * {@return the bytes of the slabs the kernel backs with huge pages now: 0 unless the backend is
     * {@code HUGE_PAGES}} Read from {@code /proc/self/smaps} at each call, which takes milliseconds.
     */
    long getHugePageBytes();
}
