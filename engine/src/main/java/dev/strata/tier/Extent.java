package dev.strata.tier;

import dev.strata.memory.Page;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A unit of off-heap eviction: either a <em>log page</em> (one page that records are appended to) or a <em>chain</em>
 * (several pages holding one record larger than a page).
 *
 * <pre>
 *   log page:  [rec][rec][dead rec][rec]......free......     writeOffset ->
 *   chain:     [header|key|value ...][... value ...][... value ..unused]   (one record, k pages)
 *
 *   appended:  index   0     1     2     3            (node, offset) pairs in append order = offset order;
 *              node    A     B     A     C            a node may appear more than once (overwritten here):
 *              offset  0     96    160   300          it is live only at the entry where node.offset matches
 * </pre>
 *
 * <p>The <em>appended</em> entries list every node appended here with the offset it was given (some since moved or
 * overwritten: the node's own {@code extent} and {@code offset} say whether the record at an entry is still live).
 * Offsets grow with the index, which lets the evictor compact a page in place, front to back. The entries are written
 * under the extent's own monitor while it is a stripe's write page ({@link WritePages}), or under the off-heap tier's
 * lock for a chain, and read and rewritten only by the single thread that evicts the extent after taking it off the
 * queue. Their arrays are kept when a page is recycled, so
 * appending allocates only when a page holds more records than ever before.
 *
 * <p>{@link #generation} is bumped when eviction of the extent starts. A reservation (appended but not yet published in
 * its node) remembers the generation; publishing it under the node lock fails if the generation moved, so the evictor
 * never misses a live record and never frees memory a node still points to.
 */
final class Extent {

    private static final int INITIAL_ENTRIES = 16;

    /** The pages, in record order. */
    final Page[] pages;
    /** Contiguous memory when the extent is one page; null for a chain. */
    final MemorySegment segment;
    /** Next free byte of a log page. Guarded by the extent's monitor while it is a write page. */
    int writeOffset;
    /** Reservations whose bytes are still being written (without any lock). */
    final AtomicInteger pendingWrites = new AtomicInteger();
    /** Bumped when eviction starts. */
    volatile int generation;
    /**
     * Bytes of the records that nodes point at here: added when a record is installed, subtracted when its node leaves
     * (overwrite, remove, move down); moves within the page leave it alone. Lets the tier pick a mostly dead page to
     * compact without visiting any node.
     */
    final AtomicInteger liveBytes = new AtomicInteger();
    /** In the off-heap tier's queue (not the write page, not being recycled). Set under the tier's lock. */
    volatile boolean inQueue;
    /** Whether the extent is in the off-heap tier's list of pages to compact. Guarded by the tier's lock. */
    boolean sparseListed;

    /** Appended nodes, {@link #appended} of them. See the class comment for who may touch them when. */
    private Node<?, ?>[] nodes;
    /** The offset each appended node was given, parallel to {@link #nodes}. */
    private int[] offsets;
    private int appended;

    private Extent(Page[] pages, MemorySegment segment, int entries) {
        this.pages = pages;
        this.segment = segment;
        this.nodes = new Node<?, ?>[entries];
        this.offsets = new int[entries];
    }

    static Extent logPage(Page page) {
        return new Extent(new Page[] {page}, page.segment(), INITIAL_ENTRIES);
    }

    static Extent chain(Page[] pages) {
        return new Extent(pages, null, 1);
    }

    boolean isChain() {
        return segment == null;
    }

    /** {@return the bytes of this extent's pages} */
    long pageBytes(long pageSize) {
        return pages.length * pageSize;
    }

    // ---- appended entries ----

    /** Records that {@code node} was given the record at {@code offset} (offsets must grow with each call). */
    void append(Node<?, ?> node, int offset) {
        if (appended == nodes.length) {
            int grown = appended + Math.max(1, appended >> 1);   // 1.5 times: at most a third of the slots idle
            nodes = Arrays.copyOf(nodes, grown);
            offsets = Arrays.copyOf(offsets, grown);
        }
        nodes[appended] = node;
        offsets[appended] = offset;
        appended++;
    }

    /** {@return how many entries were appended} */
    int appended() {
        return appended;
    }

    /** {@return the node of entry {@code index}} */
    Node<?, ?> nodeAt(int index) {
        return nodes[index];
    }

    /** {@return the offset of entry {@code index}} */
    int offsetAt(int index) {
        return offsets[index];
    }

    /** Rewrites entry {@code index} (at most the index being read, so a front-to-back rewrite is safe). */
    void setEntry(int index, Node<?, ?> node, int offset) {
        nodes[index] = node;
        offsets[index] = offset;
    }

    /** Keeps the first {@code count} entries and drops the references of the rest. */
    void truncate(int count) {
        Arrays.fill(nodes, count, appended, null);
        appended = count;
    }

    // ---- bytes ----

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

    /** Moves {@code length} bytes of this log page from {@code from} down to {@code to} (the ranges may overlap). */
    void moveWithin(int from, int to, int length) {
        MemorySegment.copy(segment, from, segment, to, length);
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
