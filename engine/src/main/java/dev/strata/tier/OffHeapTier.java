package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.tier.disk.GhostHashes;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongUnaryOperator;

/**
 * One cache's off-heap tier: two logs of pages from the engine's {@link PageAllocator}, recycled a page at a time.
 * Records ({@link RecordLayout}) describe themselves and are found through slots ({@link RecordTable}); this class owns
 * the pages, picks which to recycle, and walks them. What happens to each record is the cache's decision
 * ({@link Evacuation}).
 *
 * <pre>
 *   probation log (new keys)           write pages, one per stripe      recycled first while it holds more than
 *   [P0 full] [P1 full]           ...  [P2: rec rec .... free]          1 in {@value #PROBATION_SHARE} queued extents
 *   main log (keys read, or back)
 *   [M0 full] [M1 full] [M2 chain] ... [M3: rec .... free]   copy page C: [K K K K ..... free]
 *
 *   recycling P0 (or M0):
 *   P0 [K1][x][g][K2][x]...   ──►   C  [.. K1][K2]...     K = read since written: copied to C, its slot re-pointed
 *                                                         x = dead, or moved down a tier; g = also noted in the ghost
 *   P0 starts a new life, empty: the writer that needed a page gets it (or it becomes the spare)
 * </pre>
 *
 * <p><b>Eviction: S3-FIFO in pages.</b> A put of a key the tier does not hold starts in the <em>probation</em> log
 * (S3-FIFO's small queue), and so does an entry the heap tier above evicts from its own small queue, never read;
 * everything else goes to the <em>main</em> log: records kept by recycling, keys the tier holds, entries the heap
 * evicts from its main queue, keys read on disk, and keys the {@link GhostHashes ghost} remembers leaving probation
 * unread. Recycling takes the oldest probation page while probation holds more than one in {@value #PROBATION_SHARE} of
 * the queued extents, else the oldest main page. Either way the records read since they were written move to the main
 * log's copy page (from a main page a second chance, up to three quarters of a page; from a probation page all of them,
 * but see <b>Progress</b>) and the rest move down a tier; those leaving probation are also remembered in the ghost. So
 * a key read once or never (a scan, a one-off) costs the tier one pass through the small probation log and evicts
 * nothing from the main log, and a key asked for again after leaving probation goes straight to main.
 *
 * <p><b>Memory.</b> Each page costs {@code pageSize} of {@link MemoryMode#OFF_HEAP} storage memory, acquired from the
 * {@link MemoryManager} before {@link PageAllocator#tryAllocate} and released after {@link PageAllocator#free}. Kept
 * records are copied into the <em>copy page</em>, a main-log page that is not a write page; when a record does not fit
 * in it, it is queued and the <em>spare</em> becomes the next one (an empty page held back for this, set aside while
 * the manager still grants pages, once the tier has {@value #SPARE_MIN_PAGES} pages or more; a tier with neither
 * evicts its victim whole and keeps it as the spare). Dead bytes (overwritten or removed records) are reclaimed when a
 * page is recycled. The tier looks first among the {@value #CLEANING_WINDOW} oldest pages of each log for one at most
 * half live and takes the least live: old pages have had the longest to die, so they cost the fewest copies. When
 * those are all more than half live, it takes the page that went sparse first anywhere in the queues: pages are listed
 * as their live bytes cross half ({@link #recordLeft}). Then every live record is kept. Only when no queued page is at
 * most half live does it recycle by the rule above. So overwrites and removes cost space, not entries: while any full
 * page is at most half live, no live entry is evicted. Records larger than a page get a chain extent of their own,
 * freed when it is recycled.
 *
 * <p><b>Readers never wait for recycling.</b> Recycling copies records out of the victim and leaves its bytes alone;
 * only when every live record has left does the victim start a new life ({@link Extent#renew}), after which lock-free
 * readers holding an old slot see the life change and look again. Compare compaction in place, where readers of the
 * page's records would have to wait for the whole page.
 *
 * <p><b>Concurrency.</b> Writers append to the write page of their thread's stripe in their record's log
 * ({@link WritePages}): the bump of its write offset and the record's bytes are written under that page's monitor, so
 * writers of different stripes share no lock on the put path. {@link #lock} guards only the queues, the sparse list,
 * the spare and the copy page: it is taken when a page joins or leaves them, never during encoding, eviction or I/O.
 * It is a leaf but for write-page monitors, which are leaves: {@link #recordLeft} takes it inside a stripe's monitor,
 * and nothing takes a stripe while holding it. A writer appends a record ({@link #append}: header, key and value, under
 * the write page's monitor), then publishes its slot under its stripe's monitor if the extent's generation is still
 * the one it appended in. The recycling thread owns the extent it took (through the page's monitor, so no record is
 * half written) and the copy page it took out: it seals the extent (no publish succeeds after), walks its records,
 * then renews it, which waits for readers pinning a record.
 *
 * <p><b>Progress.</b> The victim leaves empty. What it keeps is bounded to {@value #KEPT_QUARTERS} quarters of a page,
 * so such a round frees at least a quarter of a page for writers or the spare; only a probation page may keep more
 * (every record read in it moves to main), and only in a writer's first {@code MAX_ROUNDS / 2} rounds, so a writer
 * waiting out a probation log read through gets its page a few rounds after that. {@link #writeTarget} gives up
 * (returns null) after {@link #MAX_ROUNDS} rounds without memory.
 */
final class OffHeapTier {

    /** What becomes of each record of an extent being emptied. */
    interface Evacuation {
        /**
         * Called without locks for the record at {@code offset} of {@code from} (whose key hash is {@code hash}): if it
         * is live, copies it to the end of {@code target} (advancing its write offset) when {@code keep} allows and it
         * fits in {@code budget} bytes, else moves it down a tier or drops it. Does nothing for a dead record.
         *
         * @return the aligned bytes the record now takes in {@code target}, 0 if it was not kept, or {@link #NO_ROOM}
         *     if it is to be kept but {@code target} has no room for it (nothing changed: ask again with another)
         */
        int evacuate(Extent from, int offset, int hash, Keep keep, int budget, Extent target);

        /** {@link #evacuate}'s answer for a record to keep that does not fit in the target. */
        int NO_ROOM = -1;
    }

    /**
     * Which live records of an extent being emptied stay in this tier (up to three quarters of a page); the rest move
     * down.
     */
    enum Keep {
        /** None: the extent is freed or emptied whole (execution reclaim, chains, no spare). */
        NONE,
        /** Records read since they were written: second chance for the oldest page. */
        VISITED,
        /** Every live record: compaction of a mostly dead page. */
        ALL_LIVE
    }

    static final int MAX_ROUNDS = 64;
    /** {@link #append}'s answer when the target has no room left; no reservation packs to it (offsets are >= 0). */
    static final long NO_RESERVATION = -1;
    /** How many of the oldest pages of each log {@link #takeSparse} looks at for one that is mostly dead. */
    static final int CLEANING_WINDOW = 8;
    /** The probation log is recycled first while it holds more than one queued extent in this many. */
    static final int PROBATION_SHARE = 10;
    /** A tier holds a spare page for recycling only from this many pages on; a smaller one evicts whole pages. */
    static final int SPARE_MIN_PAGES = 4;
    /** Pages a writer refused a page asks other caches to free at once, when this tier holds less than its share. */
    static final int SHARE_PAGES = 4;
    /**
     * A tier holding fewer pages than this takes a page even while the record tables stop pages ({@link TableMemory}):
     * a cache opened after the others' tables reached the limit still holds a few pages of entries, not none.
     */
    static final int FLOOR_PAGES = 4;
    /**
     * How many quarters of a page of records a recycled page may keep (a probation page promoting every record read
     * excepted), so that each round frees at least the rest. Three, not two: a main page whose records were mostly
     * read keeps more of them, for up to three bytes copied per byte freed instead of one (the hit ratio this gains is
     * in docs/performance.md).
     */
    static final int KEPT_QUARTERS = 3;

    private final MemoryManager memory;
    private final PageAllocator allocator;
    private final long pageSize;
    private final ExtentTable extents;
    private final Evacuation evacuation;
    /** Guards the queues, the sparse list, the spare and the copy page; every critical section is a queue operation. */
    private final ReentrantLock lock = new SpinningLock();
    /**
     * The main log's full extents, oldest first; a set so that taking a sparse one from the middle costs no scan.
     */
    private final LinkedHashSet<Extent> mainQueue = new LinkedHashSet<>();
    /** The probation log's full extents, oldest first: records of keys not yet read in this tier. */
    private final LinkedHashSet<Extent> probationQueue = new LinkedHashSet<>();
    /**
     * Queued log pages that dropped to at most half live, in the order they did: compaction candidates beyond the
     * cleaning window. Entries may be stale (the page left the queue or was recycled); {@link #takeListed} skips
     * those. Guarded by {@link #lock}.
     */
    private final ArrayDeque<Extent> sparse = new ArrayDeque<>();
    /** An empty page kept for recycling into, or null. Written under {@link #lock}; read racily as a hint. */
    private volatile Extent spare;
    /**
     * The main-log page that recycling copies the records it keeps into, until it is full (then it is queued), or
     * null. A recycling thread takes it out under {@link #lock} and owns it until it puts it back.
     */
    private Extent copyPage;
    /** The main log's write pages, one per stripe of writer threads; not queued until full. */
    private final WritePages mainPages = new WritePages();
    /** The probation log's write pages. */
    private final WritePages probationPages = new WritePages();
    private final GhostHashes ghost = new GhostHashes();
    private final AtomicLong pages = new AtomicLong();
    /**
     * The cache's maximum off-heap size in pages: {@link #allocatePage} refuses a page past it. Replaced by
     * {@link #shrinkTo} when the maximum changes.
     */
    private volatile long maxPages;
    /** Frees off-heap memory in other caches for this one while it holds less than an equal share. */
    private final LongUnaryOperator fromOthers;
    /** The heap of the engine's record tables: past half its limit, {@link #allocatePage} refuses pages. */
    private final TableMemory tables;

    /**
     * Creates the tier of a cache.
     *
     * @param capacityBytes the most memory it can ever hold: its region's (a maximum may be raised up to it)
     * @param maxPages      the most pages it may hold at once: its cache's maximum off-heap size in whole pages, or
     *                      {@link Long#MAX_VALUE} when only the memory manager limits it
     * @param fromOthers    asked for bytes when the manager refuses a page: frees them from other caches holding more
     *                      than an equal share, and answers the bytes freed (0 when this tier holds its share)
     * @param tables        the engine's record tables' heap and its limit: no page is taken past half of it
     */
    OffHeapTier(MemoryManager memory, PageAllocator allocator, long capacityBytes, long maxPages,
                Evacuation evacuation, LongUnaryOperator fromOthers, TableMemory tables) {
        this.fromOthers = fromOthers;
        this.tables = tables;
        this.memory = memory;
        this.allocator = allocator;
        this.pageSize = allocator.pageSize();
        this.extents = new ExtentTable(pageSize, Math.max(1, capacityBytes / pageSize));
        this.maxPages = maxPages;
        this.evacuation = evacuation;
    }

    long pageSize() {
        return pageSize;
    }

    ExtentTable extents() {
        return extents;
    }

    /** {@return the pages this tier holds, the spare included} */
    long pages() {
        return pages.get();
    }

    /** {@return the hashes of keys lately evicted from probation without a read} */
    GhostHashes ghost() {
        return ghost;
    }

    // ---- writing ----

    /**
     * {@return the extent to {@link #append} a record of {@code recordBytes} (aligned) to, in the probation log if
     * {@code probation} else in the main log, or null if no memory could be had} For a record that fits a page: the
     * log's write page, after making it one with room if it had none (a new page, or a page of this tier recycled when
     * the manager refuses one). For a larger record: a new chain of its own, not yet in the queue, which the caller
     * must append to at once. The write page's room is checked without the lock, so
     * {@link #append} may still find it gone.
     */
    Extent writeTarget(int recordBytes, boolean probation) {
        if (recordBytes > pageSize) {
            return newChain(recordBytes, probation);
        }
        WritePages writePages = probation ? probationPages : mainPages;
        int stripe = writePages.stripe();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Extent target = writePages.page(stripe);
            if (target != null && pageSize - target.writeOffset >= recordBytes) {
                return target;
            }
            Extent fresh = newPage();
            if (fresh == null && roomFromOthers(SHARE_PAGES)) {
                fresh = newPage();                     // room taken from a cache holding more than its share
            }
            if (fresh != null && spare == null && offerSpare(fresh)) {
                continue;                              // set the spare aside while the manager still grants pages
            }
            if (fresh == null) {
                fresh = recycle(round < MAX_ROUNDS / 2);
            }
            if (fresh != null) {
                offer(writePages, stripe, fresh, probation);
            } else if (!hasEvictable()) {
                return null;
            }
        }
        return null;
    }

    /** Writes a record's key and value, whose header is written, into page memory. */
    interface Encoder {
        /**
         * Encodes {@code key} at {@code keyOffset} of {@code extent} and {@code value} right after its
         * {@code keyLength} bytes.
         */
        void encode(Object key, Object value, Extent extent, long keyOffset, int keyLength);
    }

    /**
     * Appends a record of {@code recordBytes} (aligned) to {@code target}, which {@link #writeTarget} returned: writes
     * its header and has {@code encoder} write key and value. The caller then publishes the record's slot (under its
     * stripe's monitor) only if {@code target.generation} still equals the reservation's {@link #generation}. A log
     * page's record is written under the page's monitor, a chain's before the chain is queued, so no evictor ever
     * walks a record half written. The reservation is a primitive so that a put allocates nothing.
     *
     * @return the reservation ({@link #offset} and {@link #generation} packed), or {@link #NO_RESERVATION} if
     *     {@code target} is no longer the write page or another writer took its room (ask {@link #writeTarget} again)
     */
    long append(Extent target, int recordBytes, int hash, int keyLength, int valueLength, Encoder encoder, Object key,
                Object value) {
        if (!target.isChain()) {
            WritePages writePages = target.probation ? probationPages : mainPages;
            return writePages.append(writePages.stripe(), target, recordBytes, pageSize, hash, keyLength, valueLength,
                    encoder, key, value);
        }
        RecordLayout.writeHeader(target.headerSegment(), 0, hash, keyLength, valueLength);
        target.writeOffset = recordBytes;
        try {
            encoder.encode(key, value, target, RecordLayout.keyOffset(0), keyLength);
        } catch (RuntimeException | Error e) {
            free(target);                              // never queued: nobody else knows it
            throw e;
        }
        lock.lock();
        try {
            enqueue(target);
            return (long) target.generation << 32;     // read under the lock: the chain is not being recycled
        } finally {
            lock.unlock();
        }
    }

    /** {@return the record's offset in its extent, from a {@link #append reservation}} */
    static int offset(long reservation) {
        return (int) reservation;
    }

    /** {@return the extent's generation when the record was appended, from a {@link #append reservation}} */
    static int generation(long reservation) {
        return (int) (reservation >>> 32);
    }

    /**
     * {@return a new chain extent of the given log for one record of {@code recordBytes}, or null if no memory could
     * be had}
     */
    private Extent newChain(int recordBytes, boolean probation) {
        int count = (int) ((recordBytes + pageSize - 1) / pageSize);
        List<Page> taken = new ArrayList<>(count);
        for (int round = 0; taken.size() < count; ) {
            Page page = allocatePage();
            if (page != null) {
                taken.add(page);
            } else if (round++ >= MAX_ROUNDS || !(roomFromOthers(count - taken.size()) || evictOldest())) {
                taken.forEach(this::freePage);
                return null;
            }
        }
        Extent chain = extents.create(taken.toArray(Page[]::new));
        chain.probation = probation;
        return chain;
    }

    /**
     * {@return whether other caches freed memory for {@code wantedPages} pages of this tier} They do while it holds
     * less than an equal share of the caches' off-heap memory ({@link #fromOthers}); never past this cache's maximum,
     * which only its own pages can make room under, nor while the record tables stop its pages
     * ({@link #tablesAllowPage}), which the memory freed would not change.
     */
    private boolean roomFromOthers(long wantedPages) {
        return pages.get() < maxPages && tablesAllowPage() && fromOthers.applyAsLong(wantedPages * pageSize) > 0;
    }

    /**
     * {@return whether the record tables let this tier take a page: while they take at most half their limit, or
     * while the tier holds fewer than {@value #FLOOR_PAGES} pages}
     */
    private boolean tablesAllowPage() {
        return !tables.stopsPages() || pages.get() < FLOOR_PAGES;
    }

    /**
     * Installs {@code fresh} as the write page of {@code stripe} in {@code writePages} (of the log {@code probation}
     * names) if it has more room than the one there, and queues whichever of the two is left over.
     */
    private void offer(WritePages writePages, int stripe, Extent fresh, boolean probation) {
        fresh.probation = probation;
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
            if (!mainQueue.isEmpty() || !probationQueue.isEmpty() || copyPage != null) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        return !probationPages.isEmpty() || !mainPages.isEmpty();
    }

    private Extent newPage() {
        Page page = allocatePage();
        return page == null ? null : extents.create(new Page[] {page});
    }

    /**
     * {@return a new page, or null if the record tables' heap limit (unless the tier holds fewer than
     * {@value #FLOOR_PAGES} pages), the cache's maximum, the manager or the allocator refuses one} The page is counted
     * before the manager is asked, so that racing writers never take the tier past {@link #maxPages}.
     */
    private Page allocatePage() {
        if (!tablesAllowPage() || !countPage()) {
            return null;
        }
        if (!memory.acquireStorageMemory(pageSize, MemoryMode.OFF_HEAP)) {
            pages.decrementAndGet();
            return null;
        }
        Page page = allocator.tryAllocate(this);
        if (page == null) {
            memory.releaseStorageMemory(pageSize, MemoryMode.OFF_HEAP);
            pages.decrementAndGet();
            return null;
        }
        return page;
    }

    /** {@return whether one more page was counted in {@link #pages}, staying within {@link #maxPages}} */
    private boolean countPage() {
        for (long held = pages.get(); held < maxPages; held = pages.get()) {
            if (pages.compareAndSet(held, held + 1)) {
                return true;
            }
        }
        return false;
    }

    private void freePage(Page page) {
        allocator.free(page);
        pages.decrementAndGet();
        memory.releaseStorageMemory(pageSize, MemoryMode.OFF_HEAP);
    }

    // ---- recycling ----

    /**
     * Recycles one extent of this tier: empties it (its kept records go to the copy page) and starts its new life. A
     * probation page promotes all its records read when {@code promoteAll}, else three quarters of a page of them.
     * {@return the emptied page, for the caller to write to, or null when the round freed memory to the manager or
     * set the page aside as the spare (ask again)}
     */
    private Extent recycle(boolean promoteAll) {
        Keep keep = Keep.ALL_LIVE;
        Extent victim = takeSparse();
        if (victim == null) {
            keep = Keep.VISITED;
            victim = takeOldest();
        }
        if (victim == null) {
            return null;
        }
        if (victim.isChain()) {
            empty(victim, Keep.NONE, null, 0);
            free(victim);
            return null;
        }
        Extent target = takeCopyTarget();
        if (target == null) {
            keep = Keep.NONE;                          // nowhere to copy to: the page goes whole
        }
        target = empty(victim, keep, target, keptBudget(victim, keep, promoteAll));
        victim.renew();
        if (target != null) {
            putBackCopyPage(target);
        }
        return offerSpare(victim) ? null : victim;
    }

    /**
     * {@return the bytes of records {@code victim} may keep} {@value #KEPT_QUARTERS} quarters of a page, so that the
     * round frees at least a quarter of a page; but a probation page promotes every record read in it (S3-FIFO moves
     * all of them to main) while {@code promoteAll}. A probation page read through frees nothing that way, and a
     * probation log read through (a tier filled with new keys and then read) would make a writer wait out the whole
     * log, so the writer allows it only for its first rounds.
     */
    private int keptBudget(Extent victim, Keep keep, boolean promoteAll) {
        if (keep == Keep.NONE) {
            return 0;
        }
        return keep == Keep.VISITED && victim.probation && promoteAll ? (int) pageSize
                : (int) (pageSize / 4 * KEPT_QUARTERS);
    }

    /** {@return the copy page, else the spare made the copy page, else null} Taken out: the caller owns it. */
    private Extent takeCopyTarget() {
        lock.lock();
        try {
            Extent target = copyPage;
            copyPage = null;
            return target != null ? target : spareAsCopyPage();
        } finally {
            lock.unlock();
        }
    }

    /** Makes {@code target}, the copy page a recycling thread owned, the copy page again, or queues it if it is full. */
    private void putBackCopyPage(Extent target) {
        lock.lock();
        try {
            if (copyPage == null && pageSize - target.writeOffset >= pageSize / 8) {  // else its next record switches
                copyPage = target;
            } else {
                enqueue(target);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues the full copy page {@code full} and takes the spare as the next one. {@return it, or null if none} */
    private Extent nextCopyPage(Extent full) {
        lock.lock();
        try {
            enqueue(full);
            return spareAsCopyPage();
        } finally {
            lock.unlock();
        }
    }

    /** {@return the spare, taken to be a copy page (so a main-log page), or null if there is none} Lock held. */
    private Extent spareAsCopyPage() {
        Extent taken = spare;
        spare = null;
        if (taken != null) {
            taken.probation = false;
        }
        return taken;
    }

    private Extent takeSpare() {
        lock.lock();
        try {
            Extent taken = spare;
            spare = null;
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the renewed, empty {@code extent} as the spare if the tier wants one and has none. */
    private boolean offerSpare(Extent extent) {
        if (pages.get() < SPARE_MIN_PAGES) {
            return false;
        }
        lock.lock();
        try {
            if (spare != null) {
                return false;
            }
            spare = extent;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest extent of the probation log while it holds more than its share of the queued extents, else of
     * the main log; if neither has one queued, a write page, then the copy page. {@return it, or null if there is
     * none}
     */
    private Extent takeOldest() {
        lock.lock();
        try {
            boolean probationFirst = (long) probationQueue.size() * PROBATION_SHARE
                    > probationQueue.size() + mainQueue.size();
            Extent oldest = probationFirst ? pollFirst(probationQueue) : pollFirst(mainQueue);
            if (oldest == null) {
                oldest = probationFirst ? pollFirst(mainQueue) : pollFirst(probationQueue);
            }
            if (oldest != null) {
                return oldest;
            }
        } finally {
            lock.unlock();
        }
        Extent writePage = probationPages.takeAny();
        if (writePage == null) {
            writePage = mainPages.takeAny();
        }
        return writePage != null ? writePage : takeCopyPage();
    }

    private Extent takeCopyPage() {
        lock.lock();
        try {
            Extent taken = copyPage;
            copyPage = null;
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the first extent of {@code queue}, taken off it, or null} Lock held. */
    private static Extent pollFirst(LinkedHashSet<Extent> queue) {
        if (queue.isEmpty()) {
            return null;
        }
        Extent first = queue.removeFirst();
        first.inQueue = false;
        return first;
    }

    /**
     * Takes off its queue a log page at most half live: recycling it keeps every live record and still frees at least
     * half a page. First the least live of the {@link #CLEANING_WINDOW} oldest of either log, else the page listed
     * first in {@link #sparse}. The live bytes come from each page's {@link Extent#liveBytes()}, so choosing reads no
     * page; they may be a moment old (each record is re-checked under its stripe's monitor, and what no longer fits in
     * three quarters of a page moves down). {@return the page, or null if none qualifies}
     */
    private Extent takeSparse() {
        lock.lock();
        try {
            Extent chosen = leastLive(leastLiveOfOldest(probationQueue), leastLiveOfOldest(mainQueue));
            if (chosen == null) {
                chosen = takeListed();
            }
            if (chosen != null) {
                queueOf(chosen).remove(chosen);
                chosen.inQueue = false;
            }
            return chosen;
        } finally {
            lock.unlock();
        }
    }

    private LinkedHashSet<Extent> queueOf(Extent extent) {
        return extent.probation ? probationQueue : mainQueue;
    }

    private static Extent leastLive(Extent a, Extent b) {
        return a == null ? b : b == null || a.liveBytes() <= b.liveBytes() ? a : b;
    }

    /**
     * {@return the least live log page among the oldest of {@code queue}, if at most half live; else null} Lock held.
     */
    private Extent leastLiveOfOldest(LinkedHashSet<Extent> queue) {
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
            long live = extent.liveBytes();
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
            if (candidate.inQueue && candidate.liveBytes() <= sparseLine()) {
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
        queueOf(extent).addLast(extent);
        extent.inQueue = true;
        listIfSparse(extent);
    }

    private void listIfSparse(Extent extent) {
        if (!extent.sparseListed && !extent.isChain() && extent.liveBytes() <= sparseLine()) {
            sparse.addLast(extent);
            extent.sparseListed = true;
        }
    }

    /**
     * Told by the cache that a record of {@code alignedBytes} left {@code extent} (overwritten, removed or moved), or
     * was never published: counts it dead, and lists a queued page that is now at most half live for compaction.
     * Takes the tier's lock only when the page crosses that line, never for the write page or a page being recycled.
     * Called under the leaving key's stripe monitor.
     */
    void recordLeft(Extent extent, int alignedBytes) {
        int liveAfter = extent.writeOffset - extent.deadBytes.addAndGet(alignedBytes);
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

    /** Recycles the oldest extent without second chance and frees it. {@return false if there was none} */
    boolean evictOldest() {
        Extent oldest = takeOldest();
        if (oldest == null) {
            return false;
        }
        empty(oldest, Keep.NONE, null, 0);
        free(oldest);
        return true;
    }

    /**
     * Sets the most pages the tier may hold ({@link Long#MAX_VALUE}: as many as the manager grants), then, past it,
     * frees the spare and the oldest whole extents, their records moved down (as {@link #evictBytes}), until it holds
     * no more or only pages being written to are left. {@return the bytes freed}
     */
    long shrinkTo(long maxPages) {
        this.maxPages = maxPages;
        long freed = 0;
        for (long over = pages.get() - maxPages; over > 0; over = pages.get() - maxPages) {
            long step = evictBytes(over * pageSize);
            if (step == 0) {
                break;
            }
            freed += step;
        }
        return freed;
    }

    /**
     * Frees at least {@code bytes} of off-heap storage memory, the spare first, then whole extents (no second chance):
     * the manager's reclaim for execution. {@return the bytes freed}
     */
    long evictBytes(long bytes) {
        long freed = 0;
        Extent unused = takeSpare();
        if (unused != null) {
            free(unused);
            freed += pageSize;
        }
        while (freed < bytes) {
            Extent oldest = takeOldest();
            if (oldest == null) {
                break;
            }
            empty(oldest, Keep.NONE, null, 0);
            freed += oldest.pageBytes(pageSize);
            free(oldest);
        }
        return freed;
    }

    /** Ends {@code extent}'s life and gives its pages back; its id is reused later. */
    private void free(Extent extent) {
        extent.renew();
        extents.release(extent);
        for (Page page : extent.pages) {
            freePage(page);
        }
    }

    /**
     * Walks every record of {@code extent}, which this thread owns, after sealing it, and hands each to the
     * {@link Evacuation} with what is left of {@code budget} bytes to keep ({@code keep} allowing). The headers are whole
     * (written at reservation). When a record to keep does not fit in {@code target}, the target is queued and the
     * spare becomes the next one (without a spare, the rest of the records are not kept). {@return the last target,
     * owned by this thread, or null}
     *
     * <p>The evacuation handles the failures it expects (a disk that fails or is full, a user codec's exception) by
     * moving or dropping one record. Anything else that escapes it (an {@link Error} thrown by a user codec, a bug)
     * reaches the caller, but not before {@code extent} and {@code target} are queued again: a record walked past is
     * gone from the extent or dead in it, the rest stay live and readable there, and a later walk of the same extent
     * finds what is left. So no page, and none of its storage memory, is held outside the tier.
     */
    private Extent empty(Extent extent, Keep keep, Extent target, int budget) {
        extent.seal();
        int keptBytes = 0;
        int records = 0;
        MemorySegment headers = extent.headerSegment();
        int end = extent.isChain() ? 1 : extent.writeOffset;
        try {
            for (int offset = 0; offset < end; ) {
                int hash = RecordLayout.hash(headers, offset);
                int aligned = RecordLayout.alignedBytes(RecordLayout.keyLength(headers, offset),
                        RecordLayout.valueLength(headers, offset));
                int kept = evacuation.evacuate(extent, offset, hash, keep, budget - keptBytes, target);
                if (kept == Evacuation.NO_ROOM) {
                    target = nextCopyPage(target);
                    if (target == null) {
                        keep = Keep.NONE;
                    }
                    continue;                          // the same record again
                }
                keptBytes += kept;
                records++;
                offset += aligned;
            }
        } catch (RuntimeException | Error e) {
            requeue(extent, target);
            throw e;
        }
        if (extent.probation && keep == Keep.VISITED) {
            ghost.fit(pages.get() * records);          // about the records the tier holds: remember as many keys
        }
        return target;
    }

    /** Queues again extents taken out of the tier for an evacuation that failed ({@code target} may be null). */
    private void requeue(Extent extent, Extent target) {
        lock.lock();
        try {
            enqueue(extent);
            if (target != null) {
                enqueue(target);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Frees every page; the cache's slots must all be gone. */
    void close() {
        List<Extent> all = new ArrayList<>(probationPages.takeAll());
        all.addAll(mainPages.takeAll());
        lock.lock();
        try {
            for (LinkedHashSet<Extent> queue : List.of(probationQueue, mainQueue)) {
                all.addAll(queue);
                for (Extent extent : queue) {
                    extent.inQueue = false;
                }
                queue.clear();
            }
            sparse.clear();
            if (spare != null) {
                all.add(spare);
                spare = null;
            }
            if (copyPage != null) {
                all.add(copyPage);
                copyPage = null;
            }
        } finally {
            lock.unlock();
        }
        all.forEach(this::free);
    }
}
