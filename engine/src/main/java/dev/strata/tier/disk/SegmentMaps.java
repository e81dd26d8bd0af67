package dev.strata.tier.disk;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When segment files are memory-mapped: after how many point reads a sealed segment is mapped, and how many may be
 * mapped at once. Every mapping is one entry in the process's memory map, and the operating system caps those
 * (Linux: {@code vm.max_map_count}, 65,530 by default, shared with the JVM's own heap, stacks, code and every arena),
 * so a store with very many sealed segments maps only the first {@link #limit()} and reads the rest with positional
 * reads.
 *
 * <p>Thread-safe (lock-free).
 */
final class SegmentMaps {

    /** The process-wide default: an eighth of Linux's default {@code vm.max_map_count}. */
    static final int DEFAULT_LIMIT = 8192;
    /**
     * Point reads a sealed segment serves positionally before it is mapped, by default. Mapping (a system call, then
     * a page fault per 64 KiB touched) and unmapping (a handshake with every thread, to close the mapping's shared
     * arena) cost tens of microseconds, where a mapped read saves about one; a segment that a compaction or an
     * eviction retires soon after sealing would pay more than it gains.
     */
    static final int DEFAULT_READS_BEFORE_MAPPING = 64;
    /** The policy and budget every store's segments use unless a test gives them another. */
    static final SegmentMaps SHARED = new SegmentMaps(DEFAULT_LIMIT, DEFAULT_READS_BEFORE_MAPPING);

    private final int limit;
    private final int readsBeforeMapping;
    private final AtomicInteger inUse = new AtomicInteger();
    private final AtomicLong reservations = new AtomicLong();

    /**
     * A budget of {@code limit} mappings, each made once a segment served {@code readsBeforeMapping} point reads.
     *
     * @throws IllegalArgumentException if {@code limit} is negative or {@code readsBeforeMapping} below 1
     */
    SegmentMaps(int limit, int readsBeforeMapping) {
        if (limit < 0) {
            throw new IllegalArgumentException("mapping limit " + limit + ": must not be negative");
        }
        if (readsBeforeMapping < 1) {
            throw new IllegalArgumentException("reads before mapping " + readsBeforeMapping + ": must be at least 1");
        }
        this.limit = limit;
        this.readsBeforeMapping = readsBeforeMapping;
    }

    /** {@return the point reads a sealed segment serves positionally; the one after them maps it} */
    int readsBeforeMapping() {
        return readsBeforeMapping;
    }

    /** {@return whether a mapping may be made; if so, it counts until {@link #release()}} */
    boolean tryReserve() {
        for (int now = inUse.get(); now < limit; now = inUse.get()) {
            if (inUse.compareAndSet(now, now + 1)) {
                reservations.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    /** Gives back a mapping taken by {@link #tryReserve()}. */
    void release() {
        inUse.decrementAndGet();
    }

    /** {@return the mappings held now} */
    int inUse() {
        return inUse.get();
    }

    /** {@return how many mappings were ever reserved} */
    long reservations() {
        return reservations.get();
    }

    /** {@return the most mappings held at once} */
    int limit() {
        return limit;
    }
}
