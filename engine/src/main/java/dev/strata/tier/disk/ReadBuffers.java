package dev.strata.tier.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Native buffers that positional reads land in, so the JDK never copies through its per-thread temporary direct
 * buffers (which grow to the largest read ever seen; Ehcache #2868).
 *
 * <p>Records up to {@link #POOLED_BYTES} use pooled 64 KiB buffers from one shared arena that the store owns: at most
 * {@link #MAX_POOLED} are ever allocated there, each kept in a slot of the pool while not lent out. A read that finds
 * the pool empty once all of them exist (more reads in flight than pooled buffers), and a record larger than
 * {@link #POOLED_BYTES}, gets a confined arena of its own, freed when the lease is closed; a view of such a buffer
 * fails with {@code IllegalStateException} after the read call returns. So the native memory held is bounded whatever the
 * number of readers. Neither kind counts against {@code -XX:MaxDirectMemorySize} (an automatic arena would, and a disk
 * read of an engine whose {@code DIRECT_BUFFER} region fills that limit would then fail with an
 * {@link OutOfMemoryError}; engine-it found it).
 *
 * <p>The pool takes no lock: a borrower empties a slot by compare-and-set, a returner fills an empty one, each
 * starting at a slot picked by its thread's id so that two threads rarely meet on one slot, and slots lie a cache line
 * apart. Leases out are counted in a {@link LongAdder}. (A lock here, an {@code ArrayBlockingQueue}, took 24-28% of a
 * two-thread disk get, parking and waking threads; slots side by side in one line, 11%.)
 *
 * <p>{@link #close()} waits for leases still out (reads are short), then closes the shared arena; a borrow after
 * close throws {@link IllegalStateException}. Thread-safe; each {@link Lease} belongs to one thread.
 */
final class ReadBuffers implements AutoCloseable {

    static final int POOLED_BYTES = 64 * 1024;
    static final int MAX_POOLED = 16;
    /** References between two slots of the pool: 64 bytes with compressed references. */
    private static final int SLOT_STRIDE = 16;

    private final Arena pooledArena = Arena.ofShared();
    /** Slot {@code i} at index {@code i * SLOT_STRIDE}: each on a cache line of its own. */
    private final AtomicReferenceArray<MemorySegment> pool = new AtomicReferenceArray<>(MAX_POOLED * SLOT_STRIDE);
    /** Pooled buffers allocated so far, never above {@link #MAX_POOLED}. */
    private final AtomicInteger pooledAllocated = new AtomicInteger();
    /** Leases out now, plus one for every borrow between its check of {@link #closed} and its lease. */
    private final LongAdder leasesOut = new LongAdder();
    private volatile boolean closed;

    /**
     * {@return a buffer of exactly {@code bytes} bytes, to be closed by the caller's thread}
     *
     * @throws IllegalStateException if the buffers are closed
     */
    Lease borrow(int bytes) {
        leasesOut.increment();
        if (closed) {
            leasesOut.decrement();
            throw new IllegalStateException("the disk store's read buffers are closed");
        }
        try {
            MemorySegment pooled = bytes <= POOLED_BYTES ? takePooled() : null;
            if (pooled != null) {
                return new Lease(pooled, pooled.asSlice(0, bytes), null);
            }
            Arena arena = Arena.ofConfined();
            return new Lease(null, arena.allocate(bytes, 8), arena);
        } catch (RuntimeException | Error e) {
            leasesOut.decrement();
            throw e;
        }
    }

    /** {@return how many pooled buffers were allocated (at most {@link #MAX_POOLED})} For tests. */
    int pooledAllocated() {
        return pooledAllocated.get();
    }

    /** Waits for every lease to come back, then frees the pooled buffers. A second close does nothing. */
    @Override
    public void close() {
        closed = true;
        while (leasesOut.sum() > 0) {
            Thread.onSpinWait();
        }
        if (pooledArena.scope().isAlive()) {
            for (int i = 0; i < MAX_POOLED; i++) {
                pool.set(i * SLOT_STRIDE, null);
            }
            pooledArena.close();
        }
    }

    /** {@return a pooled buffer from a slot, a newly allocated one while fewer than the maximum exist, or null} */
    private MemorySegment takePooled() {
        int start = firstSlot();
        for (int i = 0; i < MAX_POOLED; i++) {
            int slot = ((start + i) & (MAX_POOLED - 1)) * SLOT_STRIDE;
            MemorySegment buffer = pool.get(slot);
            if (buffer != null && pool.compareAndSet(slot, buffer, null)) {
                return buffer;
            }
        }
        for (int allocated = pooledAllocated.get(); allocated < MAX_POOLED; allocated = pooledAllocated.get()) {
            if (pooledAllocated.compareAndSet(allocated, allocated + 1)) {
                return pooledArena.allocate(POOLED_BYTES, 8);
            }
        }
        return null;
    }

    /**
     * Puts a pooled buffer back in an empty slot. One exists (every pooled buffer lent out leaves a slot empty), but
     * other threads' returns may take the empty slots this one tries; after two rounds the buffer is left unused
     * rather than spinning on (its memory stays with the shared arena, so the bound above still holds).
     */
    private void givePooled(MemorySegment buffer) {
        int start = firstSlot();
        for (int i = 0; i < 2 * MAX_POOLED; i++) {
            int slot = ((start + i) & (MAX_POOLED - 1)) * SLOT_STRIDE;
            if (pool.get(slot) == null && pool.compareAndSet(slot, null, buffer)) {
                return;
            }
        }
    }

    private static int firstSlot() {
        return (int) Thread.currentThread().threadId() & (MAX_POOLED - 1);
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
                    givePooled(pooled);
                }
            } finally {
                leasesOut.decrement();
            }
        }
    }
}
