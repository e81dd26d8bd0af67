package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One cache's local float of heap storage memory: bytes already granted by the {@link MemoryManager} but not yet
 * charged to an entry, so most heap puts and removals settle with one CAS here instead of the manager's lock.
 *
 * <pre>
 *   manager storage used  =  Σ heap entry weights  +  credit        (0 ≤ credit ≤ 2 × chunk after every call)
 *   acquire(w): credit ≥ w ? credit -= w : manager.acquire(w + chunk), credit += chunk   (else manager.acquire(w))
 *   release(w): credit += w; above 2 × chunk, all but one chunk goes back to the manager
 *   granted     =  Σ heap entry weights  +  credit  ≤  limit          (the cache's maximum heap size, if it has one)
 * </pre>
 *
 * <p><b>Limit.</b> A cache with a maximum heap size ({@code Cache.Builder.maximumSize}) gets a credit with a limit:
 * a trip to the manager that would take {@link #granted()} past it is refused before the manager is asked
 * ({@link #wouldPassLimit}), so the cache's heap entries never weigh more than the limit. Its chunk is at most 1/16 of
 * the limit, so the credit's float takes little of it.
 *
 * <p><b>Accounting stays honest:</b> the credit is reserved storage memory as far as the manager, the memory plan and
 * other caches are concerned; it is at most two chunks per cache ({@code chunk} is 1/256 of the heap region, at most
 * 1 MiB), returned by {@link #drain()} on any reclaim (execution or another cache asking for room) and at close.
 *
 * <p>Thread-safe (lock-free).
 */
final class StorageCredit {

    private static final long MAX_CHUNK = 1 << 20;
    private static final int REGION_SHARE = 256;
    /** Limited credits: a chunk is at most this share of the limit. */
    private static final int LIMIT_SHARE = 16;

    private final MemoryManager memory;
    private final MemoryMode mode;
    /** Replaced with {@link #limit} by {@link #setLimit}. */
    private volatile long chunk;
    /** Replaced by {@link #setLimit}, when the cache's maximum heap size changes. */
    private volatile long limit;
    private final AtomicLong credit = new AtomicLong();
    /** Bytes taken from the manager and not given back: the entries' weights plus the credit. */
    private final AtomicLong granted = new AtomicLong();

    /** A credit with no limit but the manager's. */
    StorageCredit(MemoryManager memory, MemoryMode mode) {
        this(memory, mode, Long.MAX_VALUE);
    }

    /** A credit that never holds more than {@code limit} bytes taken from the manager ({@link Long#MAX_VALUE}: none). */
    StorageCredit(MemoryManager memory, MemoryMode mode, long limit) {
        this.memory = memory;
        this.mode = mode;
        setLimit(limit);
    }

    /**
     * Sets a new limit ({@link Long#MAX_VALUE}: none), and the chunk with it. A limit below {@link #granted()} refuses
     * every trip to the manager until the cache's entries have been moved down below it; the surplus credit goes back
     * at the next {@link #drain}.
     */
    void setLimit(long limit) {
        this.chunk = Math.min(Math.min(MAX_CHUNK, memory.state(mode).regionBytes() / REGION_SHARE),
                limit / LIMIT_SHARE);
        this.limit = limit;
    }

    /** {@return true if {@code bytes} were charged, from the credit or the manager} */
    boolean acquire(long bytes) {
        for (long available = credit.get(); available >= bytes; available = credit.get()) {
            if (credit.compareAndSet(available, available - bytes)) {
                return true;
            }
        }
        long chunkNow = chunk;                         // one read: the credit gets what was taken
        if (chunkNow > 0 && take(bytes + chunkNow)) {
            credit.addAndGet(chunkNow);
            return true;
        }
        return take(bytes);
    }

    /** {@return whether {@code bytes} were taken from the manager, within the limit} */
    private boolean take(long bytes) {
        long before;
        do {
            before = granted.get();
            if (bytes > limit - before) {
                return false;
            }
        } while (!granted.compareAndSet(before, before + bytes));
        if (memory.acquireStorageMemory(bytes, mode)) {
            return true;
        }
        granted.addAndGet(-bytes);
        return false;
    }

    /**
     * Gives {@code bytes} of credit back to the manager, and only then stops counting them: the other order would let
     * a racing {@link #take} get them from the manager before they are back, and the manager count the cache past its
     * limit for a moment (a racing test saw 33,333 bytes under a 32 KiB limit).
     */
    private void giveBack(long bytes) {
        memory.releaseStorageMemory(bytes, mode);
        granted.addAndGet(-bytes);
    }

    /** Gives back {@code bytes} charged by {@link #acquire}; returns surplus credit to the manager. */
    void release(long bytes) {
        long now = credit.addAndGet(bytes);
        long chunkNow = chunk;
        if (now > 2 * chunkNow) {
            long surplus = now - chunkNow;
            if (credit.compareAndSet(now, chunkNow)) {
                giveBack(surplus);
            }
        }
    }

    /** Returns the whole credit to the manager. {@return the bytes returned} */
    long drain() {
        long taken = credit.getAndSet(0);
        if (taken > 0) {
            giveBack(taken);
        }
        return taken;
    }

    /**
     * {@return whether taking {@code bytes} from the manager would pass the limit} Then the cache must free its own heap
     * entries: memory the manager or other caches free does not help. False without a limit.
     */
    boolean wouldPassLimit(long bytes) {
        return limit != Long.MAX_VALUE && bytes > limit - granted.get();
    }

    /** {@return the bytes taken from the manager and not given back: the charged entries' weights plus the credit} */
    long granted() {
        return granted.get();
    }

    /** {@return the limit on {@link #granted()}, {@link Long#MAX_VALUE} for none} */
    long limit() {
        return limit;
    }

    /** {@return the bytes one trip to the manager adds to the credit} */
    long chunk() {
        return chunk;
    }

    /** {@return the bytes held as credit now} */
    long bytes() {
        return credit.get();
    }
}
