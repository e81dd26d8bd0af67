package dev.strata.memory;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The allocator's bookkeeping for one slab: its memory, the free-stack links of its pages and the live handle of each
 * allocated page. Page {@code i} of slab {@code k} has page number {@code k << slabShift | i}.
 *
 * <p>Fields are final and published by the allocator's growth path before any page of the slab is pushed on a free
 * stack; {@link #next} is written only by the thread pushing that page; {@link #live} entries are written with release
 * and read with acquire semantics.
 */
final class SlabPages {

    /** The slab from the source; released once, at close. */
    final SlabSource.Slab slab;
    /** The whole slab. */
    final MemorySegment segment;
    /** The number of pages in this slab (the last slab may have fewer than the others). */
    final int pageCount;
    /** The page number of this slab's page 0. */
    final int firstPageNumber;
    /** {@code next[i]}: the page number below page {@code i} on its free stack, or {@link FreePageStacks#EMPTY}. */
    final int[] next;
    /** {@code live.get(i)}: the handle of page {@code i} while allocated, else null. */
    final AtomicReferenceArray<Page> live;

    SlabPages(SlabSource.Slab slab, MemorySegment segment, int pageCount, int firstPageNumber) {
        this.slab = slab;
        this.segment = segment;
        this.pageCount = pageCount;
        this.firstPageNumber = firstPageNumber;
        this.next = new int[pageCount];
        this.live = new AtomicReferenceArray<>(pageCount);
    }
}
