package dev.strata.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Striped lock-free Treiber stacks of free page numbers, linked through each slab's {@link SlabPages#next} array. A
 * thread pushes to and pops from its home stripe (picked from its thread id), and pops from the other stripes only
 * when its own is empty, so threads on different cores rarely CAS the same word.
 *
 * <pre>
 *  one head per stripe (one long, CAS only), each on its own 128-byte span of {@code heads}:
 *  63                     32 31                      0
 * +-------------------------+-------------------------+
 * |  version (32 bits)      |  top page number or -1  |
 * +-------------------------+-------------------------+
 * </pre>
 *
 * <p>Every successful push or pop on a stripe adds one to that stripe's version, so a thread that read a head and the
 * link below its top cannot succeed with a stale link after the top was popped and pushed again in between (ABA), even
 * by way of another stripe: its CAS sees a different version. A wrong link read on a failed attempt is harmless: the
 * CAS fails and the loop re-reads. A page is on at most one stripe at a time.
 *
 * <p>Memory ordering: a pusher writes the link (plain) and then CASes the head (volatile); a popper reads the head
 * (volatile) and then the link, so the link it reads is at least as new as the push it saw. The slab table entry of a
 * page is written before the first push of any of its pages, so a popper sees it too.
 */
final class FreePageStacks {

    /** No page: the value of an empty stack's top and of the bottom page's link. */
    static final int EMPTY = -1;

    private static final long PAGE_MASK = 0xFFFF_FFFFL;
    private static final long VERSION_ONE = 1L << 32;
    /** Longs between two heads: 128 bytes, so no two heads (and no other object) share a cache line pair. */
    private static final int SPACING = 16;
    /** Distance between pages chained one after the other in a new slab: 32 ints or compressed references = 128 bytes. */
    private static final int SPREAD = 32;
    private static final VarHandle HEADS = MethodHandles.arrayElementVarHandle(long[].class);

    /** The slab table, shared with the allocator (entries go from null to a slab, and back to null only at close). */
    private final SlabPages[] slabs;
    private final int slabShift;
    private final int pageInSlabMask;
    private final int stripeMask;
    /** Head of stripe {@code s} at index {@code (s + 1) * SPACING}. Accessed through {@link #HEADS} only. */
    private final long[] heads;

    FreePageStacks(SlabPages[] slabs, int slabShift, int stripes) {
        if (Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes: " + stripes + " (expected: a power of two)");
        }
        this.slabs = slabs;
        this.slabShift = slabShift;
        this.pageInSlabMask = (1 << slabShift) - 1;
        this.stripeMask = stripes - 1;
        this.heads = new long[(stripes + 2) * SPACING];
        for (int s = 0; s < stripes; s++) {
            heads[index(s)] = PAGE_MASK;
        }
    }

    /** {@return the number of stripes, a power of two} */
    int stripes() {
        return stripeMask + 1;
    }

    /** {@return the calling thread's home stripe} */
    int homeStripe() {
        return (int) ((Thread.currentThread().threadId() * 0x9E37_79B9_7F4A_7C15L) >>> 40) & stripeMask;
    }

    /** {@return a page number popped from {@code stripe}, else from any other stripe, else {@link #EMPTY}} */
    int pop(int stripe) {
        int page = popStripe(stripe);
        for (int s = 1; page == EMPTY && s <= stripeMask; s++) {
            page = popStripe((stripe + s) & stripeMask);
        }
        return page;
    }

    /** Pushes one page of {@code slab}, which must not be on any stripe, onto {@code stripe}. */
    void push(int stripe, SlabPages slab, int pageNumber) {
        int[] next = slab.next;
        int i = pageNumber & pageInSlabMask;
        int head = index(stripe);
        while (true) {
            long h = (long) HEADS.getVolatile(heads, head);
            next[i] = (int) h;
            if (HEADS.compareAndSet(heads, head, h, nextVersion(h) | (pageNumber & PAGE_MASK))) {
                return;
            }
        }
    }

    /**
     * Pushes every page of a new slab onto {@code stripe} with one CAS, page 0 on top. Pages are chained
     * {@link #SPREAD} apart (0, 32, 64, ..., 1, 33, ...) so threads taking consecutive pages get pages whose
     * {@code next} and {@code live} entries lie on different cache lines.
     */
    void pushAll(int stripe, SlabPages slab) {
        int[] next = slab.next;
        int count = slab.pageCount;
        int previous = EMPTY;
        for (int column = 0; column < Math.min(SPREAD, count); column++) {
            for (int i = column; i < count; i += SPREAD) {
                if (previous != EMPTY) {
                    next[previous] = slab.firstPageNumber + i;
                }
                previous = i;
            }
        }
        int head = index(stripe);
        while (true) {
            long h = (long) HEADS.getVolatile(heads, head);
            next[previous] = (int) h;
            if (HEADS.compareAndSet(heads, head, h, nextVersion(h) | (slab.firstPageNumber & PAGE_MASK))) {
                return;
            }
        }
    }

    /**
     * {@return the number of pages on all stripes} Walks the links: exact only while no other thread pushes or pops and
     * the allocator is open (diagnostics and tests).
     */
    int sizeWhenQuiescent() {
        int size = 0;
        for (int s = 0; s <= stripeMask; s++) {
            for (int p = (int) (long) HEADS.getVolatile(heads, index(s)); p != EMPTY; p = slabs[p >>> slabShift].next[p & pageInSlabMask]) {
                size++;
            }
        }
        return size;
    }

    /** Empties every stripe (close: the pages' slabs are about to be released). */
    void clear() {
        for (int s = 0; s <= stripeMask; s++) {
            int head = index(s);
            while (true) {
                long h = (long) HEADS.getVolatile(heads, head);
                if (HEADS.compareAndSet(heads, head, h, nextVersion(h) | PAGE_MASK)) {
                    break;
                }
            }
        }
    }

    private int popStripe(int stripe) {
        int head = index(stripe);
        while (true) {
            long h = (long) HEADS.getVolatile(heads, head);
            int top = (int) h;
            if (top == EMPTY) {
                return EMPTY;
            }
            SlabPages slab = slabs[top >>> slabShift];
            if (slab == null) {
                return EMPTY;   // only after the allocator closed and cleared its table
            }
            int below = slab.next[top & pageInSlabMask];
            if (HEADS.compareAndSet(heads, head, h, nextVersion(h) | (below & PAGE_MASK))) {
                return top;
            }
        }
    }

    private static int index(int stripe) {
        return (stripe + 1) * SPACING;
    }

    private static long nextVersion(long h) {
        return (h & ~PAGE_MASK) + VERSION_ONE;
    }
}
