package dev.strata.memory;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryMode;
import dev.strata.memory.arena.ArenaSlabSource;
import dev.strata.memory.direct.DirectBufferSlabSource;
import dev.strata.memory.heap.HeapSlabSource;
import dev.strata.memory.hugepage.HugePageSlabSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.ObjectName;

/**
 * Hands out fixed-size pages carved from large slabs, within a byte budget.
 *
 * <h2>Design</h2>
 *
 * <p><b>Structure.</b> Slabs come from one {@link SlabSource} ({@code DIRECT_BUFFER}, {@code ARENA} or {@code HEAP}).
 * Slab {@code k} holds {@code pageCount(k)} pages; all slabs are {@code slabSize} bytes except the last, which is cut
 * to what is left of the budget. Page {@code i} of slab {@code k} has page number {@code k << slabShift | i}, where
 * {@code 2^slabShift} is the pages per slab rounded up to a power of two, so finding a page's slab is one shift and no
 * division. A {@link PageAddress} packs a page number (37 bits) and an offset (27 bits) into a {@code long}.
 *
 * <p><b>Invariants</b> (at any quiescent point):
 * <ol>
 *   <li>Each page of a held slab is either on one free-page stripe or has exactly one live, unfreed {@link Page} handle in
 *       {@code slabs[k].live[i]}, never both, never neither.
 *   <li>{@code pagesUsed + pagesFree == pagesTotal}; {@code bytesReserved == pagesTotal * pageSize <= budgetBytes}.
 *   <li>Slabs are taken in order, only when every stripe is empty, and never beyond the budget; they are released
 *       only at {@link #close()}.
 *   <li>A freed handle never becomes live again; the next allocation of its page is a new handle.
 * </ol>
 *
 * <p><b>Concurrency.</b> The hot path takes no lock. {@link #allocate} pops a page number from lock-free Treiber
 * stacks ({@link FreePageStacks}: one versioned CAS word per stripe, links in per-slab {@code int[]} arrays; a thread
 * uses its home stripe and takes from the others only when its own is empty, so threads rarely CAS the same word),
 * creates the handle and publishes it in the slab's {@code live} array (release store). {@link #free} CASes the handle
 * from live to freed (exactly one of two racing frees wins, the other gets {@link IllegalStateException}), clears the
 * {@code live} entry and pushes the page onto the freeing thread's home stripe. Only the slow path, when every stripe
 * is empty, takes {@code growLock}: it re-checks the stripes, takes the next slab, publishes its {@link SlabPages} in
 * the slab table, and pushes all its pages onto its home stripe with one CAS.
 * Counters of slabs and reserved bytes change only under that lock; {@code pagesUsed} is a {@link LongAdder}.
 * {@link #close()} must not race with other calls: a racing call gets {@link IllegalStateException} or a page whose
 * memory is no longer alive, never a JVM crash.
 *
 * <p><b>Failure.</b> When no stripe has a page and the budget is used up, or the JDK refuses a slab
 * ({@link OutOfMemoryError} from the source, caught here), {@link #allocate} throws
 * {@link MemoryBudgetExceededException} and {@link #tryAllocate} returns null. No {@code OutOfMemoryError} escapes.
 *
 * <p>Instances are thread-safe.
 */
public final class PageAllocator implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PageAllocator.class.getName());
    private static final VarHandle SLAB_TABLE = MethodHandles.arrayElementVarHandle(SlabPages[].class);
    /** Pre-touch stride: the operating system's base page. */
    private static final long OS_PAGE = 4096;
    private static final int MAX_OWNERS_REPORTED = 10;
    /** Scans of the stripes before refusing while the counters still show a free page (see {@link #popOrGrow}). */
    private static final int MAX_RESCANS = 64;
    /** The most free-page stripes: enough to spread 32 cores. */
    private static final int MAX_STRIPES = 64;

    private final PageAllocatorConfig config;
    private final SlabSource source;
    private final long pageSize;
    private final int slabShift;
    private final int pageInSlabMask;
    /** Bytes of every slab but possibly the last. */
    private final long fullSlabBytes;
    /** The slab table: entry {@code k} is set (release) under {@link #growLock} when slab {@code k} is taken. */
    private final SlabPages[] slabs;
    private final FreePageStacks freePages;
    private final LongAdder pagesUsed = new LongAdder();
    private final ReentrantLock growLock = new ReentrantLock();

    private volatile int slabCount;
    private volatile long pagesTotal;
    private volatile long bytesReserved;
    private volatile boolean closed;
    private volatile ObjectName mxBeanName;

    private PageAllocator(PageAllocatorConfig config, SlabSource source) {
        this.config = config;
        this.source = source;
        this.pageSize = config.pageSize();
        this.fullSlabBytes = Math.min(config.slabSize(), Math.max(config.budgetBytes(), pageSize));
        int pagesPerSlab = (int) (fullSlabBytes / pageSize);
        this.slabShift = 32 - Integer.numberOfLeadingZeros(pagesPerSlab - 1);
        this.pageInSlabMask = (1 << slabShift) - 1;
        this.slabs = new SlabPages[(int) ((config.budgetBytes() + fullSlabBytes - 1) / fullSlabBytes)];
        this.freePages = new FreePageStacks(slabs, slabShift, stripes(Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Creates an allocator (no slab is taken yet) and registers its {@link dev.strata.management.PageAllocatorMXBean}.
     *
     * @param config the configuration, not null
     * @return the new allocator
     * @throws NullPointerException if {@code config} is null
     * @throws UnsupportedOperationException if this JVM cannot provide the configured source's memory
     *     ({@code HUGE_PAGES} without native access, off Linux, or with transparent huge pages turned off)
     */
    public static PageAllocator create(PageAllocatorConfig config) {
        Objects.requireNonNull(config, "config");
        SlabSource source = switch (config.source()) {
            case DIRECT_BUFFER -> new DirectBufferSlabSource();
            case ARENA -> new ArenaSlabSource();
            case HUGE_PAGES -> new HugePageSlabSource();
            case HEAP -> new HeapSlabSource();
        };
        PageAllocator allocator = new PageAllocator(config, source);
        allocator.mxBeanName = PlatformMXBeans.register("PageAllocator", config.name(), new PageAllocatorBean(allocator));
        LOG.log(System.Logger.Level.DEBUG, () -> "page allocator created: " + config);
        return allocator;
    }

    /**
     * Allocates one page for {@code owner}.
     *
     * @param owner who holds the page (named in leak reports), not null
     * @return a new handle on a page no one else holds
     * @throws MemoryBudgetExceededException if no page is free and the budget is used up, or the JDK refused a slab
     * @throws IllegalStateException if the allocator is closed
     * @throws NullPointerException if {@code owner} is null
     */
    public Page allocate(Object owner) {
        return take(owner, true);
    }

    /**
     * Allocates one page for {@code owner}, or returns null where {@link #allocate} would throw
     * {@link MemoryBudgetExceededException}.
     *
     * @param owner who holds the page (named in leak reports), not null
     * @return a new handle on a page no one else holds, or null if no page can be had
     * @throws IllegalStateException if the allocator is closed
     * @throws NullPointerException if {@code owner} is null
     */
    public Page tryAllocate(Object owner) {
        return take(owner, false);
    }

    /**
     * Frees a page: its handle becomes freed and the page may be handed out again.
     *
     * @param page a live handle from this allocator, not null
     * @throws IllegalStateException if the handle was already freed, belongs to another allocator, or this allocator
     *     is closed
     * @throws NullPointerException if {@code page} is null
     */
    public void free(Page page) {
        Objects.requireNonNull(page, "page");
        if (page.allocator() != this) {
            throw new IllegalStateException("page " + page.pageNumber() + " belongs to allocator '" + page.allocator().name()
                    + "', not '" + name() + "'");
        }
        checkOpen();
        if (!page.markFreed()) {
            throw new IllegalStateException("double free of page " + page.pageNumber() + " of allocator '" + name()
                    + "' (owner: " + page.owner() + ")");
        }
        SlabPages slab = page.slab();
        slab.live.setRelease(page.pageNumber() & pageInSlabMask, null);
        pagesUsed.decrement();
        freePages.push(freePages.homeStripe(), slab, page.pageNumber());
    }

    /**
     * {@return the whole segment of the allocated page that {@code address} points into} The offset part of the address
     * is not checked here; the segment checks offsets when used. Valid only while that page is allocated.
     *
     * @param address a page address from {@link Page#address()} or {@link PageAddress#encode}
     * @throws IllegalStateException if no allocated page has that page number, or the allocator is closed
     */
    public MemorySegment segment(long address) {
        checkOpen();
        int pageNumber = PageAddress.pageNumber(address);
        int k = pageNumber >>> slabShift;
        int i = pageNumber & pageInSlabMask;
        SlabPages slab = address < 0 || k >= slabs.length ? null : (SlabPages) SLAB_TABLE.getAcquire(slabs, k);
        Page page = slab == null || i >= slab.pageCount ? null : slab.live.getAcquire(i);
        if (page == null) {
            throw new IllegalStateException("no allocated page at address " + address + " (" + PageAddress.toString(address)
                    + ") in allocator '" + name() + "'");
        }
        return page.segment();
    }

    /** {@return bytes per page} */
    public long pageSize() {
        return pageSize;
    }

    /** {@return the allocator's name} */
    public String name() {
        return config.name();
    }

    /** {@return the configuration it was created with} */
    public PageAllocatorConfig config() {
        return config;
    }

    /** {@return where pages live: {@code OFF_HEAP} for {@code DIRECT_BUFFER} and {@code ARENA}, else {@code ON_HEAP}} */
    public MemoryMode mode() {
        return config.source().mode();
    }

    /**
     * {@return the bytes of this allocator's slabs that the kernel backs with huge pages now} Only the
     * {@code HUGE_PAGES} source asks for them (others answer 0), and where the kernel had no free 2 MiB page at a first
     * touch it backed that range with 4 KiB pages: this is how much of the slabs is on huge pages. Read from
     * {@code /proc/self/smaps}, which lists every mapping of the process: a call takes milliseconds, so it is not part
     * of {@link #stats()}. 0 once closed. Thread-safe.
     *
     * @throws java.io.UncheckedIOException if the kernel's accounts could not be read
     */
    public long hugePageBytes() {
        List<MemorySegment> held = new ArrayList<>();
        growLock.lock();
        try {
            if (closed) {
                return 0;
            }
            for (int k = 0; k < slabCount; k++) {
                held.add(slabs[k].slab.segment());
            }
        } finally {
            growLock.unlock();
        }
        return source.hugePageBytes(held);             // bounds only: a slab released meanwhile reads as 0
    }

    /** {@return a snapshot of the numbers} Works after close too (then everything is zero but the budget). */
    public PageAllocatorStats stats() {
        long total = pagesTotal;
        long used = closed ? 0 : pagesUsed.sum();
        return new PageAllocatorStats(name(), config.source().name(), slabCount, total, used, total - used,
                bytesReserved, config.budgetBytes(), pageSize);
    }

    /**
     * Releases every slab ({@code ARENA}: closes their arenas, so the memory returns to the operating system at once and
     * every segment of those slabs stops being alive; {@code DIRECT_BUFFER}, {@code HEAP}: drops the references) and
     * unregisters the MXBean. Handles still outstanding become freed. Closing again does nothing. Must not race with
     * other calls on this allocator.
     *
     * @throws IllegalStateException in strict mode, if pages were still allocated (after releasing everything); the
     *     message names their count, bytes and owners. In non-strict mode this is logged as a warning instead.
     */
    @Override
    public void close() {
        String leaks;
        RuntimeException releaseFailure;
        growLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            freePages.clear();
            leaks = freeOutstandingPages();
            releaseFailure = releaseSlabs();
        } finally {
            growLock.unlock();
        }
        PlatformMXBeans.unregister(mxBeanName);
        if (releaseFailure != null) {
            throw releaseFailure;
        }
        if (leaks != null) {
            if (config.strict()) {
                throw new IllegalStateException(leaks);
            }
            LOG.log(System.Logger.Level.WARNING, leaks);
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "page allocator closed: " + name());
    }

    @Override
    public String toString() {
        return "PageAllocator" + stats();
    }

    /** {@return the pages on the free-page stripes, counted by walking them} Exact only while no other thread uses this. */
    int freeStackSizeWhenQuiescent() {
        return freePages.sizeWhenQuiescent();
    }

    private Page take(Object owner, boolean throwIfNone) {
        Objects.requireNonNull(owner, "owner");
        checkOpen();
        int stripe = freePages.homeStripe();
        int pageNumber = freePages.pop(stripe);
        if (pageNumber == FreePageStacks.EMPTY) {
            pageNumber = popOrGrow(stripe, throwIfNone);
            if (pageNumber == FreePageStacks.EMPTY) {
                return null;
            }
        }
        SlabPages slab = slabs[pageNumber >>> slabShift];
        int i = pageNumber & pageInSlabMask;
        Page page = new Page(this, slab, pageNumber, slab.segment.asSlice(i * pageSize, pageSize), owner);
        slab.live.setRelease(i, page);
        pagesUsed.increment();
        return page;
    }

    /**
     * The slow path: under the lock, pop again or take the next slab, until a page is had or none can be. With the
     * budget used up, a scan of the stripes can miss a page that another thread is moving between stripes (freed to
     * its own stripe after being taken from one already scanned), so refuse only when the counters also say no page is
     * free, or after {@link #MAX_RESCANS} scans (then frees are racing with this call and may be ordered after it).
     */
    private int popOrGrow(int stripe, boolean throwIfNone) {
        growLock.lock();
        try {
            for (int rescans = 0; ; rescans++) {
                checkOpen();
                int pageNumber = freePages.pop(stripe);
                if (pageNumber != FreePageStacks.EMPTY) {
                    return pageNumber;
                }
                String refusal;
                if (slabCount < slabs.length) {
                    refusal = takeSlab(stripe);
                } else if (pagesTotal - pagesUsed.sum() > 0 && rescans < MAX_RESCANS) {
                    Thread.yield();   // a page is on its way back to a stripe: look again
                    continue;
                } else {
                    refusal = budgetUsedUp();
                }
                if (refusal != null) {
                    if (throwIfNone) {
                        throw new MemoryBudgetExceededException(refusal, pageSize, availableBytes());
                    }
                    return FreePageStacks.EMPTY;
                }
            }
        } finally {
            growLock.unlock();
        }
    }

    /** Takes slab {@code slabCount}; returns null on success or the reason it could not. Caller holds the lock. */
    private String takeSlab(int stripe) {
        int k = slabCount;
        long bytes = Math.min(fullSlabBytes, config.budgetBytes() - k * fullSlabBytes);
        SlabSource.Slab slab;
        try {
            slab = source.take(bytes);
        } catch (OutOfMemoryError e) {
            String reason = "page allocator '" + name() + "': the JDK refused a slab of " + bytes + " bytes from "
                    + config.source() + " (" + e.getMessage() + "); budget " + config.budgetBytes() + " bytes, " + bytesReserved
                    + " reserved";
            LOG.log(System.Logger.Level.WARNING, reason);
            return reason;
        }
        MemorySegment segment = slab.segment();
        if (config.preTouch()) {
            for (long offset = 0; offset < bytes; offset += OS_PAGE) {
                segment.set(ValueLayout.JAVA_BYTE, offset, (byte) 0);
            }
        }
        SlabPages pages = new SlabPages(slab, segment, (int) (bytes / pageSize), k << slabShift);
        SLAB_TABLE.setRelease(slabs, k, pages);
        bytesReserved += bytes;
        pagesTotal += pages.pageCount;
        slabCount = k + 1;
        freePages.pushAll(stripe, pages);
        LOG.log(System.Logger.Level.DEBUG, () -> "page allocator '" + name() + "' took slab " + k + " of " + bytes
                + " bytes; reserved " + bytesReserved + " of " + config.budgetBytes());
        return null;
    }

    private String budgetUsedUp() {
        return "page allocator '" + name() + "': no free page of " + pageSize + " bytes and the budget of "
                + config.budgetBytes() + " bytes is used up (" + slabCount + " slabs, " + pagesUsed.sum() + " pages used)";
    }

    /**
     * The bytes of free pages, racy (for the exception only): on refusal the budget is used up or the JDK refused the
     * rest of it, so free pages are all that could still be had.
     */
    private long availableBytes() {
        return Math.max(0, pagesTotal - pagesUsed.sum()) * pageSize;
    }

    /** Frees every outstanding handle; returns the leak report, or null if there was none. Caller holds the lock. */
    private String freeOutstandingPages() {
        LeakReport report = new LeakReport(MAX_OWNERS_REPORTED);
        for (int k = 0; k < slabCount; k++) {
            SlabPages slab = slabs[k];
            for (int i = 0; i < slab.pageCount; i++) {
                Page page = slab.live.getAndSet(i, null);
                if (page != null && page.markFreed()) {
                    report.add(page.owner());
                }
            }
        }
        pagesUsed.reset();
        return report.isEmpty() ? null : report.describe("page allocator '" + name() + "' closed with", pageSize);
    }

    /** Releases every slab, even if one release fails; returns the first failure or null. Caller holds the lock. */
    private RuntimeException releaseSlabs() {
        RuntimeException failure = null;
        for (int k = 0; k < slabCount; k++) {
            try {
                slabs[k].slab.release();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            SLAB_TABLE.setRelease(slabs, k, (SlabPages) null);
        }
        slabCount = 0;
        pagesTotal = 0;
        bytesReserved = 0;
        return failure;
    }

    /** {@return free-page stripes for {@code cores} cores: the next power of two of twice the cores, at most 64} */
    static int stripes(int cores) {
        return Math.min(MAX_STRIPES, Integer.highestOneBit(Math.max(1, 2 * cores - 1)) << 1);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("page allocator '" + name() + "' is closed");
        }
    }
}
