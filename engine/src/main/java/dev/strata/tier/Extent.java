package dev.strata.tier;

import dev.strata.memory.Page;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A unit of off-heap eviction: either a <em>log page</em> (one page that records are appended to) or a <em>chain</em>
 * (several pages holding one record larger than a page). Its {@link #id} is what a slot's location names.
 *
 * <pre>
 *   log page:  [rec][rec][dead rec][rec]......free......     writeOffset ->
 *   chain:     [header|key|value ...][... value ...][... value ..unused]   (one record, k pages)
 *
 *   generation:   2L  ──seal──►  2L + 1  ──renew──►  2L + 2        life = generation / 2
 *                 open: writers      sealed: being        a new life: every slot of life L
 *                 publish here       emptied, readers     is now stale; the pages are reused
 *                                    still read it        or freed
 * </pre>
 *
 * <p><b>Lives.</b> Records are immutable for as long as the extent stays in the life that wrote them: appends only
 * write past every published record, and the bytes of a life are reused only after {@link #renew} starts the next one.
 * So a lock-free reader that finds the same life before and after copying a record ({@link #life()}) copied whole,
 * current bytes. A writer publishes a reservation only while the generation is still the even one it reserved in
 * ({@link #generation}); {@link #seal} makes it odd, so no publish slips in after the evictor has walked past its
 * offset. A record is written whole before anyone else can take the extent (under the write page's monitor, or
 * before a chain is queued), so every record a walk steps over is whole. {@link #pins} counts readers that hold a view
 * of a record across a callback (renewal waits for them before the bytes are reused).
 *
 * <p>The queue fields are guarded by the off-heap tier's lock; {@link #writeOffset} by this extent's monitor while it
 * is a stripe's write page ({@link WritePages}), else by the single thread that owns it.
 */
final class Extent {

    /** The extent's number in its tier's {@link ExtentTable}; reused by a later extent once this one is freed. */
    final int id;
    /** The pages, in record order. */
    final Page[] pages;
    /** Contiguous memory when the extent is one page; null for a chain. */
    final MemorySegment segment;
    /**
     * Next free byte of a log page (the end of its one record, for a chain): every record ever appended in this life
     * lies below it, so it is also the bytes appended.
     */
    int writeOffset;
    /** Readers holding a view of a record across a callback; renewal waits until there are none. */
    final AtomicInteger pins = new AtomicInteger();
    /** Even while open for publishes, odd while sealed; see the class comment. */
    volatile int generation;
    /**
     * Aligned bytes of the records appended here that no slot points at any more: overwritten, removed, moved, or
     * never published. With {@link #writeOffset} it gives {@link #liveBytes()}, so a put that publishes a record
     * updates no counter of the page it lands in, only this one of the page its key leaves.
     */
    final AtomicInteger deadBytes = new AtomicInteger();
    /** In the off-heap tier's queue (not a write page, not being recycled). Set under the tier's lock. */
    volatile boolean inQueue;
    /** Whether the extent is in the off-heap tier's list of pages to compact. Guarded by the tier's lock. */
    boolean sparseListed;
    /**
     * Whether the extent belongs to the off-heap tier's probation log rather than its main log. Set by the thread that
     * owns the extent before it becomes a write page, the copy page or a queued chain; read after those hand-offs.
     */
    boolean probation;

    Extent(int id, int generation, Page[] pages) {
        this.id = id;
        this.generation = generation;
        this.pages = pages;
        this.segment = pages.length == 1 ? pages[0].segment() : null;
    }

    boolean isChain() {
        return segment == null;
    }

    /** {@return the bytes of this extent's pages} */
    long pageBytes(long pageSize) {
        return pages.length * pageSize;
    }

    /** {@return the bytes of this extent's pages} */
    long byteSize() {
        return pages.length * pages[0].byteSize();
    }

    /**
     * {@return the aligned bytes of the records that slots point at here} Lets the tier pick a mostly dead page to
     * compact without reading it. A moment old when read by another thread than the page's writer.
     */
    int liveBytes() {
        return writeOffset - deadBytes.get();
    }

    /** {@return the current life: records written in it are intact until the life changes} */
    int life() {
        return generation >>> 1;
    }

    /** {@return whether {@code slotLife} (a slot's life bits) names this extent's current life} */
    boolean inLife(int slotLife) {
        return ((generation >>> 1) & Slots.LIFE_MASK) == slotLife;
    }

    /** Closes the current life to publishes (owner only): reservations made in it will no longer publish. */
    void seal() {
        generation |= 1;
    }

    /**
     * Starts a new life (owner only, after every live record left, the extent sealed): slots of the old life become
     * stale. Returns once no reader pins the extent, so the bytes may be reused at once. The fence keeps the bump from
     * becoming visible after any later write to the pages (a reader that sees a reused byte then sees the new life).
     */
    void renew() {
        generation = (generation | 1) + 1;
        VarHandle.fullFence();
        while (pins.get() != 0) {
            Thread.onSpinWait();                       // a read callback holds a view of an old record: they are short
        }
        writeOffset = 0;
        deadBytes.set(0);
    }

    // ---- bytes ----

    /** {@return the memory holding the record at {@code offset} whole: the page of a log extent, else the chain's first page} */
    MemorySegment headerSegment() {
        return segment != null ? segment : pages[0].segment();
    }

    /**
     * {@return the {@code length} bytes at {@code offset}: a slice (zero copy) when contiguous, else a heap copy}
     */
    MemorySegment bytes(long offset, int length) {
        if (segment != null) {
            return segment.asSlice(offset, length);
        }
        byte[] copy = new byte[length];
        copyOut(offset, MemorySegment.ofArray(copy), 0, length);
        return MemorySegment.ofArray(copy);
    }

    /** Copies {@code length} bytes at {@code offset} of this extent into {@code target}. */
    void copyOut(long offset, MemorySegment target, long targetOffset, long length) {
        if (segment != null) {
            MemorySegment.copy(segment, offset, target, targetOffset, length);
            return;
        }
        forEachPiece(offset, length, (page, inPage, done, n) ->
                MemorySegment.copy(page, inPage, target, targetOffset + done, n));
    }

    /** Copies {@code length} bytes of {@code source} into this extent at {@code offset}. */
    void copyIn(MemorySegment source, long sourceOffset, long offset, long length) {
        if (segment != null) {
            MemorySegment.copy(source, sourceOffset, segment, offset, length);
            return;
        }
        forEachPiece(offset, length, (page, inPage, done, n) ->
                MemorySegment.copy(source, sourceOffset + done, page, inPage, n));
    }

    /** {@return whether the {@code length} bytes at {@code offset} equal those of {@code other} at {@code otherOffset}} */
    boolean bytesEqual(long offset, MemorySegment other, long otherOffset, int length) {
        if (segment != null) {
            return MemorySegment.mismatch(segment, offset, offset + length, other, otherOffset,
                    otherOffset + length) < 0;
        }
        boolean[] equal = {true};
        forEachPiece(offset, length, (page, inPage, done, n) -> {
            if (equal[0] && MemorySegment.mismatch(page, inPage, inPage + n, other, otherOffset + done,
                    otherOffset + done + n) >= 0) {
                equal[0] = false;
            }
        });
        return equal[0];
    }

    /** One contiguous piece of a chain: {@code n} bytes at {@code inPage} of {@code page}, {@code done} bytes in. */
    @FunctionalInterface
    private interface Piece {
        void copy(MemorySegment page, long inPage, long done, long n);
    }

    /** Splits {@code length} bytes of this chain from {@code offset} into per-page pieces, in order. */
    private void forEachPiece(long offset, long length, Piece piece) {
        long pageSize = pages[0].byteSize();
        for (long done = 0; done < length; ) {
            long at = offset + done;
            long inPage = at % pageSize;
            long n = Math.min(length - done, pageSize - inPage);
            piece.copy(pages[(int) (at / pageSize)].segment(), inPage, done, n);
            done += n;
        }
    }

    @Override
    public String toString() {
        return "Extent[" + id + (isChain() ? ", chain of " + pages.length : "") + ", generation " + generation + "]";
    }
}
