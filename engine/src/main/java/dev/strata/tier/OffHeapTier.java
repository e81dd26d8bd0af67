package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import java.io.Serial;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One cache's off-heap tier: a log of pages from the engine's {@link PageAllocator}, evicted a page at a time, oldest
 * first.
 *
 * <pre>
 *   queue (oldest first)                                      write pages, one per stripe of writer threads
 *   [E0 full] [E1 full] [E2 chain, 3 pages] [E3 full]   ...   [E4: rec rec rec .... free]   [E5: rec .... free]
 *      ^ evicted first: live records move down a tier,           ^ appends bump writeOffset under E4's monitor
 *        visited ones (up to half a page) slide to the front of E0 in place, and E0 becomes a write page
 *        again (recycled without going back to the manager); a full write page joins the end of the queue
 *
 *   compacting E0 in place, front to back (K = kept, x = dead or moved down):
 *   before [K1][x][x][K2][x][K3]...      after [K1][K2][K3]......free......
 *           ^ stays   ^ moves down to the end of K1, K3 to the end of K2 (a move never reaches unread records)
 * </pre>
 *
 * <p><b>Memory.</b> Each page costs {@code pageSize} of {@link MemoryMode#OFF_HEAP} storage memory, acquired from the
 * {@link MemoryManager} before {@link PageAllocator#tryAllocate} and released after {@link PageAllocator#free}. Dead
 * bytes (overwritten or removed records) are reclaimed when a page is recycled, by compacting a page at most half
 * live (every live record slid to the front, at least half a page freed). The tier looks first among its
 * {@value #CLEANING_WINDOW} oldest pages and takes the least live: old pages have had the longest to die, so they cost
 * the fewest copies. When those are all more than half live (cold entries written first stay live at the head of the
 * queue), it takes the page that went sparse first anywhere in the queue: pages are listed as their live bytes cross
 * half ({@link #recordLeft}). Only when no queued page is at most half live does it evict the oldest page (second
 * chance for visited records, the rest down a tier). So overwrites and removes cost space, not entries: while any full
 * page is at most half live, no live entry is evicted. Records larger than a page get a chain extent of their own.
 * (Taking listed pages first, before the oldest, was tried and cost 25-60% of two-thread put throughput: the first
 * page to go sparse is a young one whose live records are the hot keys, so it is compacted at half live while other
 * writers overwrite them.)
 *
 * <p><b>Concurrency.</b> Writers append to the write page of their thread's stripe ({@link WritePages}): the bump of
 * its write offset happens under that page's monitor, so writers of different stripes share no lock on the put path.
 * {@link #lock} guards only the queue and the sparse list: it is taken when a page joins or leaves the queue, never
 * during encoding, eviction or I/O. It is a leaf but for write-page monitors, which are leaves: {@link #recordLeft}
 * takes it inside a node's monitor, and nothing takes a node's monitor while holding it. A writer reserves space
 * ({@link #reserve}), fills it without any lock, then publishes it in its node under the node's monitor, checking the
 * extent's generation (see {@link Extent}). The evicting thread owns the extent it took off the queue: it bumps the
 * generation, waits for writers still filling their reservations (they hold no lock, so this is short), then moves each
 * live record down a tier or to the front of the page, under its node's monitor. Readers lock the node, so a page is
 * never freed under a reader; lock-free readers validate with the node's seqlock, which a move changes before it writes
 * a byte (see {@link #compact}).
 *
 * <p><b>Allocation.</b> Recycling a page copies no record to the heap: the kept records slide down within the page,
 * so there is no staging buffer (whose size would follow the page size, up to 64 MiB). A put allocates nothing (its
 * reservation is a primitive) unless a page holds more records than before: then a larger entry array in its
 * {@link Extent}.
 *
 * <p><b>Progress.</b> Second chance is bounded to half a page, so every recycling frees at least half a page for
 * writers; {@link #writeTarget} gives up (returns null) after {@link #MAX_ROUNDS} rounds without memory.
 */
final class OffHeapTier {

    /** Moves a node whose record lies in an extent being evicted down a tier, or drops it. */
    interface Spill {
        /**
         * Called without locks; the implementation locks {@code node} and acts only if its record is still in
         * {@code from}.
         */
        void moveDown(Node<?, ?> node, Extent from);
    }

    /**
     * The tier's lock: tries a few times before it queues, because every critical section is short (a pointer bump,
     * a queue operation) and a thread that queues for a {@link ReentrantLock} allocates its queue node, so a
     * contended put would allocate. Tried with {@code tryLock}, which allocates nothing.
     */
    private static final class SpinningLock extends ReentrantLock {
        @Serial
        private static final long serialVersionUID = 1L;
        private static final int TRIES = 64;

        @Override
        public void lock() {
            for (int tries = 0; tries < TRIES; tries++) {
                if (tryLock()) {
                    return;
                }
                Thread.onSpinWait();
            }
            super.lock();
        }
    }

    static final int MAX_ROUNDS = 64;
    /** {@link #reserve}'s answer when the target has no room left; no reservation packs to it (offsets are >= 0). */
    static final long NO_RESERVATION = -1;
    /** How many of the oldest pages {@link #takeSparse} looks at for one that is mostly dead. */
    static final int CLEANING_WINDOW = 8;

    private final MemoryManager memory;
    private final PageAllocator allocator;
    private final long pageSize;
    private final Spill spill;
    private final ReentrantLock lock = new SpinningLock();
    /** Full extents, oldest first; a set so that taking a sparse one from the middle costs no scan. */
    private final LinkedHashSet<Extent> queue = new LinkedHashSet<>();
    /**
     * Queued log pages that dropped to at most half live, in the order they did: compaction candidates beyond the
     * cleaning window. Entries may be stale (the page left the queue or was compacted); {@link #takeListed} skips
     * those. Guarded by {@link #lock}.
     */
    private final ArrayDeque<Extent> sparse = new ArrayDeque<>();
    /** The write pages, one per stripe of writer threads; not in {@link #queue} until full. */
    private final WritePages writePages = new WritePages();
    private final AtomicLong pages = new AtomicLong();

    OffHeapTier(MemoryManager memory, PageAllocator allocator, Spill spill) {
        this.memory = memory;
        this.allocator = allocator;
        this.pageSize = allocator.pageSize();
        this.spill = spill;
    }

    long pageSize() {
        return pageSize;
    }

    /** {@return the pages this tier holds} */
    long pages() {
        return pages.get();
    }

    /**
     * {@return the extent to {@link #reserve} a record of {@code recordBytes} in, or null if no memory could be had}
     * For a record that fits a page: the write page, after making it one with room if it had none (a new page, or
     * this tier's oldest page recycled when the manager refuses one). For a larger record: a new chain of its own,
     * not yet in the queue, which the caller must reserve at once. The write page's room is checked without the lock,
     * so {@link #reserve} may still find it gone.
     */
    Extent writeTarget(int recordBytes) {
        if (recordBytes > pageSize) {
            return newChain(recordBytes);
        }
        int stripe = writePages.stripe();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Extent target = writePages.page(stripe);
            if (target != null && pageSize - target.writeOffset >= recordBytes) {
                return target;
            }
            Extent fresh = newPage();
            if (fresh == null) {
                fresh = recycleOldest();
            }
            if (fresh != null) {
                offer(stripe, fresh);
            } else if (!hasEvictable()) {
                return null;
            }
        }
        return null;
    }

    /**
     * Reserves {@code recordBytes} for {@code node} in {@code target}, which {@link #writeTarget} returned. The caller
     * writes the record and then calls {@link #written(Extent)}, with no lock held in between, and publishes it in
     * the node (under its monitor) only if {@code target.generation} still equals the reservation's
     * {@link #generation}. The reservation is a primitive so that a put allocates nothing.
     *
     * @return the reservation ({@link #offset} and {@link #generation} packed), or {@link #NO_RESERVATION} if
     *     {@code target} is no longer the write page or another writer took its room (ask {@link #writeTarget} again)
     */
    long reserve(Node<?, ?> node, int recordBytes, Extent target) {
        if (!target.isChain()) {
            return writePages.reserve(writePages.stripe(), target, node, recordBytes, pageSize);
        }
        lock.lock();
        try {
            enqueue(target);
            target.append(node, 0);
            target.pendingWrites.incrementAndGet();
            return (long) target.generation << 32;    // read under the lock: the chain is not being evicted
        } finally {
            lock.unlock();
        }
    }

    /** {@return the record's offset in its extent, from a {@link #reserve reservation}} */
    static int offset(long reservation) {
        return (int) reservation;
    }

    /** {@return the extent's generation when the record was reserved, from a {@link #reserve reservation}} */
    static int generation(long reservation) {
        return (int) (reservation >>> 32);
    }

    /** Marks the end of writing a record reserved in {@code extent} (before publishing it). */
    static void written(Extent extent) {
        extent.pendingWrites.decrementAndGet();
    }

    /** {@return a new chain extent for one record of {@code recordBytes}, or null if no memory could be had} */
    private Extent newChain(int recordBytes) {
        int count = (int) ((recordBytes + pageSize - 1) / pageSize);
        List<Page> taken = new ArrayList<>(count);
        for (int round = 0; taken.size() < count; ) {
            Page page = allocatePage();
            if (page != null) {
                taken.add(page);
            } else if (round++ >= MAX_ROUNDS || !evictOldest()) {
                taken.forEach(this::freePage);
                return null;
            }
        }
        return Extent.chain(taken.toArray(Page[]::new));
    }

    /**
     * Installs {@code fresh} as the write page of {@code stripe} if it has more room than the one there, and queues
     * whichever of the two is left over.
     */
    private void offer(int stripe, Extent fresh) {
        Extent leftOver = writePages.offer(stripe, fresh, pageSize);
        if (leftOver != null) {
            lock.lock();
            try {
                enqueue(leftOver);
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean hasEvictable() {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        return !writePages.isEmpty();
    }

    private Extent newPage() {
        Page page = allocatePage();
        return page == null ? null : Extent.logPage(page);
    }

    private Page allocatePage() {
        if (!memory.acquireStorageMemory(pageSize, MemoryMode.OFF_HEAP)) {
            return null;
        }
        Page page = allocator.tryAllocate(this);
        if (page == null) {
            memory.releaseStorageMemory(pageSize, MemoryMode.OFF_HEAP);
            return null;
        }
        pages.incrementAndGet();
        return page;
    }

    private void freePage(Page page) {
        allocator.free(page);
        pages.decrementAndGet();
        memory.releaseStorageMemory(pageSize, MemoryMode.OFF_HEAP);
    }

    /** Takes the oldest extent off the queue, or a write page if none is queued; null if there is none. */
    private Extent takeOldest() {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                Extent oldest = queue.removeFirst();
                oldest.inQueue = false;
                return oldest;
            }
        } finally {
            lock.unlock();
        }
        return writePages.takeAny();
    }

    /**
     * Evicts the oldest extent and returns it emptied for reuse as a write page, holding its second-chance records; a
     * chain is freed instead (returns null, the memory is back with the manager).
     */
    private Extent recycleOldest() {
        Extent sparse = takeSparse();
        if (sparse != null) {
            sparse.writeOffset = compact(sparse, Keep.ALL_LIVE);
            return sparse;
        }
        Extent oldest = takeOldest();
        if (oldest == null) {
            return null;
        }
        if (oldest.isChain()) {
            compact(oldest, Keep.NONE);
            free(oldest);
            return null;
        }
        oldest.writeOffset = compact(oldest, Keep.VISITED);
        return oldest;
    }

    /**
     * Takes off the queue a log page at most half live: compacting it keeps every live record and still frees at least
     * half a page. First the least live of the {@link #CLEANING_WINDOW} oldest, else the page listed first in {@link
     * #sparse}. The live bytes come from each page's {@link Extent#liveBytes} counter, so choosing visits no node; they
     * may be a moment old ({@link #compact} re-checks each node under its lock and moves down whatever no longer fits
     * in half a page). {@return the page, or null if none qualifies}
     */
    private Extent takeSparse() {
        lock.lock();
        try {
            Extent chosen = leastLiveOfOldest();
            if (chosen == null) {
                chosen = takeListed();
            }
            if (chosen != null) {
                queue.remove(chosen);
                chosen.inQueue = false;
            }
            return chosen;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the least live log page among the oldest queued, if at most half live; else null} Lock held. */
    private Extent leastLiveOfOldest() {
        Extent best = null;
        long bestLive = sparseLine() + 1;
        int seen = 0;
        for (Extent extent : queue) {
            if (seen++ == CLEANING_WINDOW) {
                break;
            }
            if (extent.isChain()) {
                continue;
            }
            long live = extent.liveBytes.get();
            if (live < bestLive) {
                best = extent;
                bestLive = live;
            }
        }
        return best;
    }

    /**
     * {@return the first listed page still queued and at most half live, unlisting what it passes; or null} Lock
     * held.
     */
    private Extent takeListed() {
        for (Extent candidate; (candidate = sparse.pollFirst()) != null; ) {
            candidate.sparseListed = false;
            if (candidate.inQueue && candidate.liveBytes.get() <= sparseLine()) {
                return candidate;
            }
        }
        return null;
    }

    private long sparseLine() {
        return pageSize / 2;
    }

    /** Queues {@code extent} (lock held), listing it for compaction if it is a log page already at most half live. */
    private void enqueue(Extent extent) {
        queue.addLast(extent);
        extent.inQueue = true;
        listIfSparse(extent);
    }

    private void listIfSparse(Extent extent) {
        if (!extent.sparseListed && !extent.isChain() && extent.liveBytes.get() <= sparseLine()) {
            sparse.addLast(extent);
            extent.sparseListed = true;
        }
    }

    /**
     * Told by the cache that a record of {@code recordBytes} left {@code extent} (overwritten, removed or moved down):
     * subtracts it from the page's live bytes, and lists a queued page that is now at most half live for compaction.
     * Takes the tier's lock only when the page crosses that line, never for the write page or a page being recycled.
     * Called under the leaving node's monitor.
     */
    void recordLeft(Extent extent, int recordBytes) {
        int liveAfter = extent.liveBytes.addAndGet(-recordBytes);
        if (liveAfter > sparseLine() || !extent.inQueue || extent.sparseListed) {
            return;                                    // racy pre-checks; re-checked under the lock
        }
        lock.lock();
        try {
            if (extent.inQueue) {
                listIfSparse(extent);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Evicts the oldest extent without second chance and frees it. {@return false if there was none} */
    boolean evictOldest() {
        Extent oldest = takeOldest();
        if (oldest == null) {
            return false;
        }
        compact(oldest, Keep.NONE);
        free(oldest);
        return true;
    }

    /**
     * Frees at least {@code bytes} of off-heap storage memory by evicting whole extents (no second chance): the
     * manager's reclaim for execution. {@return the bytes freed}
     */
    long evictBytes(long bytes) {
        long freed = 0;
        while (freed < bytes) {
            Extent oldest = takeOldest();
            if (oldest == null) {
                break;
            }
            compact(oldest, Keep.NONE);
            freed += oldest.pageBytes(pageSize);
            free(oldest);
        }
        return freed;
    }

    private void free(Extent extent) {
        for (Page page : extent.pages) {
            freePage(page);
        }
    }

    /** Which live records of an evicted extent stay in this tier (up to half a page); the rest move down a tier. */
    private enum Keep {
        /** None: the extent is freed (execution reclaim, chains, no second chance). */
        NONE,
        /** Records read since they were written: second chance for the oldest page. */
        VISITED,
        /** Every live record: compaction of a mostly dead page. */
        ALL_LIVE
    }

    /**
     * Empties {@code extent}, which this thread owns, of every live record but those {@code keep} names (up to half a
     * page): those slide down to the front of the page, in place and in order; the rest move down a tier. The
     * extent's entries are rewritten to the kept records. {@return the bytes kept, the page's new write offset}
     *
     * <p>Why moving in place is safe: entries are in offset order and are visited front to back, so a kept record
     * moves to {@code keptBytes <= from}, over bytes of entries already visited (dead, moved down, or kept and moved
     * further down) and its own; no record still to be read is overwritten, and the next entries' offsets stay above
     * every new offset, so a node listed twice is never taken for live at its older entry. Each move happens under
     * the node's monitor (locked readers wait) between {@link Node#beginChange()} and {@link Node#endChange()}: a
     * lock-free reader that copied any moved byte sees the version changed and retries; the bytes it overwrote
     * belong to records whose nodes changed version when they left, so no reader validates a read of them.
     */
    private int compact(Extent extent, Keep keep) {
        extent.generation++;                          // publishes of older placements now fail
        while (extent.pendingWrites.get() > 0) {       // no new reservation can come: it is off the queue
            Thread.onSpinWait();
        }
        int budget = keep == Keep.NONE ? 0 : (int) (pageSize / 2);
        int kept = 0;
        int keptBytes = 0;
        for (int index = 0, count = extent.appended(); index < count; index++) {
            Node<?, ?> node = extent.nodeAt(index);
            int from = extent.offsetAt(index);
            synchronized (node) {
                if (node.removed || node.extent != extent || node.offset != from) {
                    continue;                          // dead here: overwritten, moved, removed or listed again later
                }
                int recordBytes = node.recordBytes();
                if ((keep == Keep.ALL_LIVE || node.visited) && keptBytes + recordBytes <= budget) {
                    if (from != keptBytes) {
                        node.beginChange();
                        extent.moveWithin(from, keptBytes, recordBytes);
                        node.offset = keptBytes;
                        node.endChange();
                    }
                    node.visited = false;
                    extent.setEntry(kept++, node, keptBytes);
                    keptBytes += recordBytes;
                    continue;
                }
            }
            spill.moveDown(node, extent);              // reads the record at `from`: nothing was moved over it yet
        }
        extent.truncate(kept);
        return keptBytes;
    }

    /** Frees every page; the cache's nodes must all be gone. */
    void close() {
        lock.lock();
        try {
            queue.addAll(writePages.takeAll());
            for (Extent extent : queue) {
                extent.inQueue = false;
                free(extent);
            }
            queue.clear();
            sparse.clear();
        } finally {
            lock.unlock();
        }
    }
}
