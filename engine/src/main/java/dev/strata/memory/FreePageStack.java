package dev.strata.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A lock-free Treiber stack of free page numbers, linked through each slab's {@link SlabPages#next} array.
 *
 * <pre>
 *  head (one long, CAS only):
 *  63                     32 31                      0
 * +-------------------------+-------------------------+
 * |  version (32 bits)      |  top page number or -1  |
 * +-------------------------+-------------------------+
 * </pre>
 *
 * <p>Every successful push or pop adds one to the version, so a thread that read {@code head} and the link below the
 * top cannot succeed with a stale link after the top was popped and pushed again in between (ABA): its CAS sees a
 * different version. A wrong link read on a failed attempt is harmless: the CAS fails and the loop re-reads.
 *
 * <p>Memory ordering: a pusher writes the link (plain) and then CASes {@code head} (volatile); a popper reads
 * {@code head} (volatile) and then the link, so the link it reads is at least as new as the push it saw. The slab table
 * entry of a page is written before the first push of any of its pages, so a popper sees it too.
 */
final class FreePageStack {

    /** No page: the value of an empty stack's top and of the bottom page's link. */
    static final int EMPTY = -1;

    private static final long PAGE_MASK = 0xFFFF_FFFFL;
    private static final long VERSION_ONE = 1L << 32;
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(FreePageStack.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The slab table, shared with the allocator (entries go from null to a slab, and back to null only at close). */
    private final SlabPages[] slabs;
    private final int slabShift;
    private final int pageInSlabMask;

    /** Version and top page number, see the class comment. Accessed through {@link #HEAD} only. */
    @SuppressWarnings("unused")
    private volatile long head = PAGE_MASK;

    FreePageStack(SlabPages[] slabs, int slabShift) {
        this.slabs = slabs;
        this.slabShift = slabShift;
        this.pageInSlabMask = (1 << slabShift) - 1;
    }

    /** {@return the page number taken from the top, or {@link #EMPTY}} */
    int pop() {
        while (true) {
            long h = (long) HEAD.getVolatile(this);
            int top = (int) h;
            if (top == EMPTY) {
                return EMPTY;
            }
            SlabPages slab = slabs[top >>> slabShift];
            if (slab == null) {
                return EMPTY;   // only after the allocator closed and cleared its table
            }
            int below = slab.next[top & pageInSlabMask];
            if (HEAD.compareAndSet(this, h, nextVersion(h) | (below & PAGE_MASK))) {
                return top;
            }
        }
    }

    /** Pushes one page of {@code slab}, which must not be on the stack. */
    void push(SlabPages slab, int pageNumber) {
        int[] next = slab.next;
        int i = pageNumber & pageInSlabMask;
        while (true) {
            long h = (long) HEAD.getVolatile(this);
            next[i] = (int) h;
            if (HEAD.compareAndSet(this, h, nextVersion(h) | (pageNumber & PAGE_MASK))) {
                return;
            }
        }
    }

    /** Pushes every page of a new slab with one CAS, lowest page number on top. */
    void pushAll(SlabPages slab) {
        int[] next = slab.next;
        int last = slab.pageCount - 1;
        for (int i = 0; i < last; i++) {
            next[i] = slab.firstPageNumber + i + 1;
        }
        while (true) {
            long h = (long) HEAD.getVolatile(this);
            next[last] = (int) h;
            if (HEAD.compareAndSet(this, h, nextVersion(h) | (slab.firstPageNumber & PAGE_MASK))) {
                return;
            }
        }
    }

    /**
     * {@return the number of pages on the stack} Walks the links: exact only while no other thread pushes or pops
     * (diagnostics and tests).
     */
    int sizeWhenQuiescent() {
        // only valid while the allocator is open (its table is intact)
        int size = 0;
        for (int p = (int) (long) HEAD.getVolatile(this); p != EMPTY; p = slabs[p >>> slabShift].next[p & pageInSlabMask]) {
            size++;
        }
        return size;
    }

    /** Empties the stack (close: the pages' slabs are about to be released). */
    void clear() {
        while (true) {
            long h = (long) HEAD.getVolatile(this);
            if (HEAD.compareAndSet(this, h, nextVersion(h) | PAGE_MASK)) {
                return;
            }
        }
    }

    private static long nextVersion(long h) {
        return (h & ~PAGE_MASK) + VERSION_ONE;
    }
}
