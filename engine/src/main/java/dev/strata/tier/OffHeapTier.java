package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import java.io.Serial;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One cache's off-heap tier: a log of pages from the engine's {@link PageAllocator}, evicted a page at a time, oldest
 * first.
 *
 * <pre>
 *   queue (oldest first)                                      current write page
 *   [E0 full] [E1 full] [E2 chain, 3 pages] [E3 full]   ...   [E4: rec rec rec .... free]
 *      ^ evicted first: live records move down a tier,           ^ appends bump writeOffset under the lock
 *        visited ones (up to half a page) slide to the front of E0 in place, and E0 becomes the write page
 *        again (recycled without going back to the manager)
 *
 *   compacting E0 in place, front to back (K = kept, x = dead or moved down):
 *   before [K1][x][x][K2][x][K3]...      after [K1][K2][K3]......free......
 *           ^ stays   ^ moves down to the end of K1, K3 to the end of K2 (a move never reaches unread records)
 * </pre>
 *
 * <p><b>Memory.</b> Each page costs {@code pageSize} of {@link MemoryMode#OFF_HEAP} storage memory, acquired from the
 * {@link MemoryManager} before {@link PageAllocator#tryAllocate} and released after {@link PageAllocator#free}. Dead
 * bytes (overwritten or removed records) are reclaimed when a page is recycled: the tier first looks among its
 * {@value #CLEANING_WINDOW} oldest pages for one at most half live and compacts it (every live record slid to the
 * front, at least half a page freed); only when none is that sparse does it evict the oldest page (second chance for
 * visited records, the rest down a tier). So overwrites and removes cost space, not entries. Records larger than a
 * page get a chain extent of their own. (A page that is mostly dead but younger than the eight is not found: cold
 * live pages at the head of the queue are evicted first. Listing sparse pages anywhere was tried and cost 25-60% of
 * two-thread put throughput, because it compacts young pages whose live records are the hot ones.)
 *
 * <p><b>Concurrency.</b> {@link #lock} guards only the queue, the current page and its write offset: it is held for a
 * bump-pointer reservation and never during encoding, eviction or I/O. A writer reserves space ({@link #reserve}),
 * fills it without any lock, then publishes it in its node under the node's monitor, checking the extent's generation
 * (see {@link Extent}). The evicting thread owns the extent it took off the queue: it bumps the generation, waits for
 * writers still filling their reservations (they hold no lock, so this is short), then moves each live record down a
 * tier or to the front of the page, under its node's monitor. Readers lock the node, so a page is never freed under a
 * reader; lock-free readers validate with the node's seqlock, which a move changes before it writes a byte (see
 * {@link #compact}).
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
    /** What {@link #reserve} returns when the target has no room left: no reservation packs to it (offsets are >= 0). */
    static final long NO_RESERVATION = -1;
    /** How many of the oldest pages {@link #takeSparse} looks at for one that is mostly dead. */
    static final int CLEANING_WINDOW = 8;

    private final MemoryManager memory;
    private final PageAllocator allocator;
    private final long pageSize;
    private final Spill spill;
    private final ReentrantLock lock = new SpinningLock();
    private final ArrayDeque<Extent> queue = new ArrayDeque<>();
    /** The write page. Written under {@link #lock}; read without it only as a hint ({@link #writeTarget}). */
    private volatile Extent current;
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
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Extent target = current;
            if (target != null && pageSize - target.writeOffset >= recordBytes) {
                return target;
            }
            Extent fresh = newPage();
            if (fresh == null) {
                fresh = recycleOldest();
            }
            if (fresh != null) {
                offer(fresh);
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
        lock.lock();
        try {
            int offset;
            if (target.isChain()) {
                offset = 0;
                queue.addLast(target);
            } else if (target == current && pageSize - target.writeOffset >= recordBytes) {
                offset = target.writeOffset;
                target.writeOffset += recordBytes;
            } else {
                return NO_RESERVATION;
            }
            target.append(node, offset);
            target.pendingWrites.incrementAndGet();
            return (long) target.generation << 32 | offset;  // read under the lock: the extent is not being evicted
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

    /** Installs {@code fresh} as the write page if it has more room than the current one, else queues it. */
    private void offer(Extent fresh) {
        lock.lock();
        try {
            if (current == null || pageSize - current.writeOffset < pageSize - fresh.writeOffset) {
                if (current != null) {
                    queue.addLast(current);
                }
                current = fresh;
            } else {
                queue.addLast(fresh);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean hasEvictable() {
        lock.lock();
        try {
            return !queue.isEmpty() || current != null;
        } finally {
            lock.unlock();
        }
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

    /** Takes the oldest extent (the write page if it is the only one) off the queue; null if none. */
    private Extent takeOldest() {
        lock.lock();
        try {
            Extent oldest = queue.pollFirst();
            if (oldest == null && current != null) {
                oldest = current;
                current = null;
            }
            return oldest;
        } finally {
            lock.unlock();
        }
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
     * Takes off the queue the log page with the fewest live bytes among the {@link #CLEANING_WINDOW} oldest, if it is
     * at most half live: compacting it keeps every live record and still frees at least half a page, so a tier full of
     * overwritten or removed records reclaims them before it evicts a single live entry. The live bytes come from each
     * page's {@link Extent#liveBytes} counter, so choosing visits no node; they may be a moment old ({@link #compact}
     * re-checks each node under its lock and moves down whatever no longer fits in half a page).
     * {@return the page, or null if none qualifies}
     */
    private Extent takeSparse() {
        lock.lock();
        try {
            Extent best = null;
            long bestLive = pageSize / 2 + 1;
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
            if (best != null) {
                queue.remove(best);
            }
            return best;
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
            if (current != null) {
                queue.addLast(current);
                current = null;
            }
            for (Extent extent : queue) {
                free(extent);
            }
            queue.clear();
        } finally {
            lock.unlock();
        }
    }
}
