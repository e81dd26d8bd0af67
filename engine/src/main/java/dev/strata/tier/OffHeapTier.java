package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One cache's off-heap tier: a log of pages from the engine's {@link PageAllocator}, recycled a page at a time. Records
 * ({@link RecordLayout}) describe themselves and are found through slots ({@link RecordTable}); this class owns the
 * pages, picks which to recycle, and walks them. What happens to each record is the cache's decision
 * ({@link Evacuation}).
 *
 * <pre>
 *   queue (oldest first)                                      write pages, one per stripe of writer threads
 *   [E0 full] [E1 full] [E2 chain, 3 pages] [E3 full]   ...   [E4: rec rec rec .... free]   [E5: rec .... free]
 *      ^ recycled first                                          ^ appends bump writeOffset under E4's monitor
 *
 *   recycling E0 into the spare S (E0 and S swap roles):
 *   E0 [K1][x][x][K2][x][K3]...   ──►   S  [K1][K2][K3].......free.......    S becomes a write page
 *       K = kept (copied, its slot now names S), x = dead or moved down a tier;  E0 starts a new life as the spare
 * </pre>
 *
 * <p><b>Memory.</b> Each page costs {@code pageSize} of {@link MemoryMode#OFF_HEAP} storage memory, acquired from the
 * {@link MemoryManager} before {@link PageAllocator#tryAllocate} and released after {@link PageAllocator#free}. Dead
 * bytes (overwritten or removed records) are reclaimed when a page is recycled, by copying its live records into the
 * tier's <em>spare</em> page (an empty page held back for this, set aside while the manager still grants pages, once
 * the tier has {@value #SPARE_MIN_PAGES} pages or more; a tier that could not get one evicts its first victim whole
 * and keeps it as the spare). The tier looks first among its {@value #CLEANING_WINDOW} oldest pages for one at most half live and takes the
 * least live: old pages have had the longest to die, so they cost the fewest copies. When those are all more than half
 * live, it takes the page that went sparse first anywhere in the queue: pages are listed as their live bytes cross half
 * ({@link #recordLeft}). Then every live record is kept. Only when no queued page is at most half live does it recycle
 * the oldest page, keeping the records read since they were written (second chance, up to half a page) and moving the
 * rest down a tier. So overwrites and removes cost space, not entries: while any full page is at most half live, no
 * live entry is evicted. Records larger than a page get a chain extent of their own, freed when it is recycled.
 *
 * <p><b>Readers never wait for recycling.</b> Recycling copies records out of the victim and leaves its bytes alone;
 * only when every live record has left does the victim start a new life ({@link Extent#renew}), after which lock-free
 * readers holding an old slot see the life change and look again. Compare compaction in place, where readers of the
 * page's records would have to wait for the whole page.
 *
 * <p><b>Concurrency.</b> Writers append to the write page of their thread's stripe ({@link WritePages}): the bump of
 * its write offset and the record's bytes are written under that page's monitor, so writers of different stripes share
 * no lock on the put path. {@link #lock} guards only the queue, the sparse list and the spare: it is taken when a page
 * joins or leaves them, never during encoding, eviction or I/O. It is a leaf but for write-page monitors, which are
 * leaves: {@link #recordLeft} takes it inside a stripe's monitor, and nothing takes a stripe while holding it. A writer
 * appends a record ({@link #append}: header, key and value, under the write page's monitor), then publishes its slot
 * under its stripe's monitor if the extent's generation is still the one it appended in. The recycling thread owns the
 * extent it took (through the page's monitor, so no record is half written): it seals it (no publish succeeds after),
 * walks its records, then renews it, which waits for readers pinning a record.
 *
 * <p><b>Progress.</b> Second chance is bounded to half a page, so every recycling frees at least half a page for
 * writers; {@link #writeTarget} gives up (returns null) after {@link #MAX_ROUNDS} rounds without memory.
 */
final class OffHeapTier {

    /** What becomes of each record of an extent being emptied. */
    interface Evacuation {
        /**
         * Called without locks for the record at {@code offset} of {@code from} (whose key hash is {@code hash}): if it
         * is live, copies it to the end of {@code target} (advancing its write offset) when {@code keep} allows and it
         * fits in {@code budget} bytes, else moves it down a tier or drops it. Does nothing for a dead record.
         *
         * @return the aligned bytes the record now takes in {@code target}, 0 if it was not kept
         */
        int evacuate(Extent from, int offset, int hash, Keep keep, int budget, Extent target);
    }

    /** Which live records of an extent being emptied stay in this tier (up to half a page); the rest move down. */
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
    /** How many of the oldest pages {@link #takeSparse} looks at for one that is mostly dead. */
    static final int CLEANING_WINDOW = 8;
    /** A tier holds a spare page for recycling only from this many pages on; a smaller one evicts whole pages. */
    static final int SPARE_MIN_PAGES = 4;

    private final MemoryManager memory;
    private final PageAllocator allocator;
    private final long pageSize;
    private final ExtentTable extents;
    private final Evacuation evacuation;
    /** Guards the queue, the sparse list and the spare; every critical section is a queue operation. */
    private final ReentrantLock lock = new SpinningLock();
    /** Full extents, oldest first; a set so that taking a sparse one from the middle costs no scan. */
    private final LinkedHashSet<Extent> queue = new LinkedHashSet<>();
    /**
     * Queued log pages that dropped to at most half live, in the order they did: compaction candidates beyond the
     * cleaning window. Entries may be stale (the page left the queue or was recycled); {@link #takeListed} skips
     * those. Guarded by {@link #lock}.
     */
    private final ArrayDeque<Extent> sparse = new ArrayDeque<>();
    /** An empty page kept for recycling into, or null. Written under {@link #lock}; read racily as a hint. */
    private volatile Extent spare;
    /** The write pages, one per stripe of writer threads; not in {@link #queue} until full. */
    private final WritePages writePages = new WritePages();
    private final AtomicLong pages = new AtomicLong();

    OffHeapTier(MemoryManager memory, PageAllocator allocator, long capacityBytes, Evacuation evacuation) {
        this.memory = memory;
        this.allocator = allocator;
        this.pageSize = allocator.pageSize();
        this.extents = new ExtentTable(pageSize, Math.max(1, capacityBytes / pageSize));
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

    // ---- writing ----

    /**
     * {@return the extent to {@link #append} a record of {@code recordBytes} (aligned) to, or null if no memory could
     * be had} For a record that fits a page: the write page, after making it one with room if it had none (a new page,
     * or a page of this tier recycled when the manager refuses one). For a larger record: a new chain of its own, not
     * yet in the queue, which the caller must append to at once. The write page's room is checked without the lock, so
     * {@link #append} may still find it gone.
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
            if (fresh != null && spare == null && offerSpare(fresh)) {
                continue;                              // set the spare aside while the manager still grants pages
            }
            if (fresh == null) {
                fresh = recycle();
            }
            if (fresh != null) {
                offer(stripe, fresh);
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
        return extents.create(taken.toArray(Page[]::new));
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
        return page == null ? null : extents.create(new Page[] {page});
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

    // ---- recycling ----

    /**
     * Recycles one extent of this tier. {@return an extent emptied for writing (holding any records kept), or null
     * when the round freed memory to the manager or only set a spare aside (ask again)}
     */
    private Extent recycle() {
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
            empty(victim, Keep.NONE, null);
            free(victim);
            return null;
        }
        Extent target = takeSpare();
        if (target == null) {
            empty(victim, Keep.NONE, null);
            victim.renew();
            return offerSpare(victim) ? null : victim;
        }
        empty(victim, keep, target);
        victim.renew();
        if (!offerSpare(victim)) {
            free(victim);
        }
        return target;
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
     * Takes off the queue a log page at most half live: recycling it keeps every live record and still frees at least
     * half a page. First the least live of the {@link #CLEANING_WINDOW} oldest, else the page listed first in {@link
     * #sparse}. The live bytes come from each page's {@link Extent#liveBytes()}, so choosing reads no page; they
     * may be a moment old (each record is re-checked under its stripe's monitor, and what no longer fits in half a
     * page moves down). {@return the page, or null if none qualifies}
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
        queue.addLast(extent);
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
        empty(oldest, Keep.NONE, null);
        free(oldest);
        return true;
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
            empty(oldest, Keep.NONE, null);
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
     * {@link Evacuation} with what is left of the budget of half a page ({@code keep} allowing). The headers are whole
     * (written at reservation). {@return the bytes kept in {@code target}}
     *
     * <p>The evacuation handles the failures it expects (a disk that fails or is full, a user codec's exception) by
     * moving or dropping one record. Anything else that escapes it (an {@link Error} thrown by a user codec, a bug)
     * reaches the caller, but not before {@code extent} and {@code target} are queued again: a record walked past is
     * gone from the extent or dead in it, the rest stay live and readable there, and a later walk of the same extent
     * finds what is left. So no page, and none of its storage memory, is held outside the tier.
     */
    private int empty(Extent extent, Keep keep, Extent target) {
        extent.seal();
        int budget = keep == Keep.NONE ? 0 : (int) (pageSize / 2);
        int keptBytes = 0;
        MemorySegment headers = extent.headerSegment();
        int end = extent.isChain() ? 1 : extent.writeOffset;
        try {
            for (int offset = 0; offset < end; ) {
                int hash = RecordLayout.hash(headers, offset);
                int aligned = RecordLayout.alignedBytes(RecordLayout.keyLength(headers, offset),
                        RecordLayout.valueLength(headers, offset));
                keptBytes += evacuation.evacuate(extent, offset, hash, keep, budget - keptBytes, target);
                offset += aligned;
            }
        } catch (RuntimeException | Error e) {
            requeue(extent, target);
            throw e;
        }
        return keptBytes;
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
        List<Extent> all = new ArrayList<>(writePages.takeAll());
        lock.lock();
        try {
            all.addAll(queue);
            for (Extent extent : queue) {
                extent.inQueue = false;
            }
            queue.clear();
            sparse.clear();
            if (spare != null) {
                all.add(spare);
                spare = null;
            }
        } finally {
            lock.unlock();
        }
        all.forEach(this::free);
    }
}
