package dev.strata.tier;

import dev.strata.memory.Page;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A unit of off-heap eviction: either a <em>log page</em> (one page that records are appended to) or a <em>chain</em>
 * (several pages holding one record larger than a page), or a heap-backed <em>staging</em> buffer that holds
 * second-chance records while their page is recycled.
 *
 * <pre>
 *   log page:  [rec][rec][dead rec][rec]......free......     writeOffset ->
 *   chain:     [header|key|value ...][... value ...][... value ..unused]   (one record, k pages)
 * </pre>
 *
 * <p>{@link #nodes} lists every node appended here (some since moved or overwritten: the node's own {@code extent}
 * field says whether the record is still live). It is written under the off-heap tier's lock while the extent is the
 * write target, and read only by the single thread that evicts the extent after taking it off the queue.
 *
 * <p>{@link #generation} is bumped when eviction of the extent starts. A placement (appended but not yet published in
 * its node) remembers the generation; publishing it under the node lock fails if the generation moved, so the evictor
 * never misses a live record and never frees memory a node still points to.
 */
final class Extent {

    /** The pages, in record order; empty for a staging extent. */
    final Page[] pages;
    /** Contiguous memory when the extent is one page or a staging buffer; null for a chain. */
    final MemorySegment segment;
    /** Nodes appended here. See the class comment for who may touch it when. */
    final List<Node<?, ?>> nodes = new ArrayList<>();
    /** Next free byte of a log page. Guarded by the off-heap tier's lock. */
    int writeOffset;
    /** Reservations whose bytes are still being written (without any lock). */
    final java.util.concurrent.atomic.AtomicInteger pendingWrites = new java.util.concurrent.atomic.AtomicInteger();
    /** Bumped when eviction starts. */
    volatile int generation;

    private Extent(Page[] pages, MemorySegment segment) {
        this.pages = pages;
        this.segment = segment;
    }

    static Extent logPage(Page page) {
        return new Extent(new Page[] {page}, page.segment());
    }

    static Extent chain(Page[] pages) {
        return new Extent(pages, null);
    }

    static Extent staging(int bytes) {
        return new Extent(new Page[0], MemorySegment.ofArray(new byte[bytes]));
    }

    boolean isChain() {
        return segment == null;
    }

    boolean isStaging() {
        return pages.length == 0;
    }

    /** {@return the bytes of this extent's pages (0 for staging)} */
    long pageBytes(long pageSize) {
        return pages.length * pageSize;
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
}
