package dev.strata.tier.disk;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bound on how many segment files are memory-mapped at once. Every mapping is one entry in the process's memory
 * map, and the operating system caps those (Linux: {@code vm.max_map_count}, 65,530 by default, shared with the
 * JVM's own heap, stacks, code and every arena), so a store with very many sealed segments maps only the first
 * {@link #limit()} and reads the rest with positional reads.
 *
 * <p>Thread-safe (lock-free).
 */
final class SegmentMaps {

    /** The process-wide default: an eighth of Linux's default {@code vm.max_map_count}. */
    static final int DEFAULT_LIMIT = 8192;
    /** The budget every segment draws from unless a test gives it another. */
    static final SegmentMaps SHARED = new SegmentMaps(DEFAULT_LIMIT);

    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();

    /**
     * A budget of {@code limit} mappings.
     *
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    SegmentMaps(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("mapping limit " + limit + ": must not be negative");
        }
        this.limit = limit;
    }

    /** {@return whether a mapping may be made; if so, it counts until {@link #release()}} */
    boolean tryReserve() {
        for (int now = inUse.get(); now < limit; now = inUse.get()) {
            if (inUse.compareAndSet(now, now + 1)) {
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

    /** {@return the most mappings held at once} */
    int limit() {
        return limit;
    }
}
