package dev.strata.tier.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Native buffers that positional reads land in, so the JDK never copies through its per-thread temporary direct
 * buffers (which grow to the largest read ever seen; Ehcache #2868).
 *
 * <p>Records up to {@link #POOLED_BYTES} use pooled 64 KiB buffers (at most {@link #MAX_POOLED} are kept) from one
 * shared arena that the store owns. Larger records get a confined arena of their own, freed when the lease is closed,
 * so a view of them fails with {@code IllegalStateException} after the read call returns. Neither kind counts against
 * {@code -XX:MaxDirectMemorySize} (an automatic arena would, and a disk read of an engine whose {@code DIRECT_BUFFER}
 * region fills that limit would then fail with an {@link OutOfMemoryError}; engine-it found it).
 *
 * <p>{@link #close()} waits for leases still out (reads are short), then closes the shared arena; a borrow after
 * close throws {@link IllegalStateException}. Thread-safe; each {@link Lease} belongs to one thread.
 */
final class ReadBuffers implements AutoCloseable {

    static final int POOLED_BYTES = 64 * 1024;
    static final int MAX_POOLED = 16;

    private final Arena pooledArena = Arena.ofShared();
    private final ArrayBlockingQueue<MemorySegment> pool = new ArrayBlockingQueue<>(MAX_POOLED);
    /** Leases out now, plus one for every borrow between its check of {@link #closed} and its lease. */
    private final AtomicInteger leasesOut = new AtomicInteger();
    private volatile boolean closed;

    /**
     * {@return a buffer of exactly {@code bytes} bytes, to be closed by the caller's thread}
     *
     * @throws IllegalStateException if the buffers are closed
     */
    Lease borrow(int bytes) {
        leasesOut.incrementAndGet();
        if (closed) {
            leasesOut.decrementAndGet();
            throw new IllegalStateException("the disk store's read buffers are closed");
        }
        try {
            if (bytes <= POOLED_BYTES) {
                MemorySegment pooled = pool.poll();
                if (pooled == null) {
                    pooled = pooledArena.allocate(POOLED_BYTES, 8);
                }
                return new Lease(pooled, pooled.asSlice(0, bytes), null);
            }
            Arena arena = Arena.ofConfined();
            return new Lease(null, arena.allocate(bytes, 8), arena);
        } catch (RuntimeException | Error e) {
            leasesOut.decrementAndGet();
            throw e;
        }
    }

    /** Waits for every lease to come back, then frees the pooled buffers. A second close does nothing. */
    @Override
    public void close() {
        closed = true;
        while (leasesOut.get() > 0) {
            Thread.onSpinWait();
        }
        if (pooledArena.scope().isAlive()) {
            pool.clear();
            pooledArena.close();
        }
    }

    /** One borrowed buffer; closing it returns it to the pool or frees it. */
    final class Lease implements AutoCloseable {

        private final MemorySegment pooled;
        private final MemorySegment segment;
        private final Arena arena;

        private Lease(MemorySegment pooled, MemorySegment segment, Arena arena) {
            this.pooled = pooled;
            this.segment = segment;
            this.arena = arena;
        }

        MemorySegment segment() {
            return segment;
        }

        @Override
        public void close() {
            try {
                if (arena != null) {
                    arena.close();
                } else {
                    pool.offer(pooled);
                }
            } finally {
                leasesOut.decrementAndGet();
            }
        }
    }
}
