package dev.strata.tier.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Native buffers that positional reads land in, so the JDK never copies through its per-thread temporary direct
 * buffers (which grow to the largest read ever seen; Ehcache #2868).
 *
 * <p>Records up to {@link #POOLED_BYTES} use pooled 64 KiB buffers (at most {@link #MAX_POOLED} are kept; they are
 * GC-released with the store, via an automatic arena, so a close racing a read can never free memory under it).
 * Larger records get a confined arena of their own, freed when the lease is closed, so a view of them fails with
 * {@code IllegalStateException} after the read call returns. Thread-safe; each {@link Lease} belongs to one thread.
 */
final class ReadBuffers {

    static final int POOLED_BYTES = 64 * 1024;
    static final int MAX_POOLED = 16;

    private final Arena pooledArena = Arena.ofAuto();
    private final ArrayBlockingQueue<MemorySegment> pool = new ArrayBlockingQueue<>(MAX_POOLED);

    /** {@return a buffer of exactly {@code bytes} bytes, to be closed by the caller's thread} */
    Lease borrow(int bytes) {
        if (bytes <= POOLED_BYTES) {
            MemorySegment pooled = pool.poll();
            if (pooled == null) {
                pooled = pooledArena.allocate(POOLED_BYTES, 8);
            }
            return new Lease(pooled, pooled.asSlice(0, bytes), null);
        }
        Arena arena = Arena.ofConfined();
        return new Lease(null, arena.allocate(bytes, 8), arena);
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
            if (arena != null) {
                arena.close();
            } else {
                pool.offer(pooled);
            }
        }
    }
}
