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
 * </pre>
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

    private final MemoryManager memory;
    private final MemoryMode mode;
    private final long chunk;
    private final AtomicLong credit = new AtomicLong();

    StorageCredit(MemoryManager memory, MemoryMode mode) {
        this.memory = memory;
        this.mode = mode;
        this.chunk = Math.min(MAX_CHUNK, memory.state(mode).regionBytes() / REGION_SHARE);
    }

    /** {@return true if {@code bytes} were charged, from the credit or the manager} */
    boolean acquire(long bytes) {
        for (long available = credit.get(); available >= bytes; available = credit.get()) {
            if (credit.compareAndSet(available, available - bytes)) {
                return true;
            }
        }
        if (chunk > 0 && memory.acquireStorageMemory(bytes + chunk, mode)) {
            credit.addAndGet(chunk);
            return true;
        }
        return memory.acquireStorageMemory(bytes, mode);
    }

    /** Gives back {@code bytes} charged by {@link #acquire}; returns surplus credit to the manager. */
    void release(long bytes) {
        long now = credit.addAndGet(bytes);
        if (now > 2 * chunk) {
            long surplus = now - chunk;
            if (credit.compareAndSet(now, chunk)) {
                memory.releaseStorageMemory(surplus, mode);
            }
        }
    }

    /** Returns the whole credit to the manager. {@return the bytes returned} */
    long drain() {
        long taken = credit.getAndSet(0);
        if (taken > 0) {
            memory.releaseStorageMemory(taken, mode);
        }
        return taken;
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
