package dev.strata.tier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One cache's hit and miss counts per tier, counted without an atomic instruction on the read path: every platform
 * thread that reads the cache gets cells of its own, which only it writes (opaque stores, plain moves on x86), and a
 * snapshot sums them. A locked instruction per read would cost more than the count: it drains the store buffer and
 * holds back the loads of the next lookup, which an out-of-order core would otherwise overlap with this one's misses.
 *
 * <pre>
 *   cells of one thread:  [ hits: tier 0 | tier 1 | tier 2 ][ misses: tier 0 | tier 1 | tier 2 ]
 *   registered:           thread A's cells, thread B's cells, ...   + retired: the sums of threads that ended
 * </pre>
 *
 * <p>Virtual threads, which may come and go by the million, share {@link LongAdder}s instead of holding cells. Cells of
 * platform threads that ended are folded into {@link #retired} (their writes are visible once the thread is seen
 * dead) whenever the registered list has doubled since the last sweep, so short-lived threads do not pile up.
 *
 * <p>Counts are exact; a snapshot taken while other threads read is a moment old. Thread-safe.
 */
final class HitCounters {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    /** The cells of a virtual thread: none, it counts in {@link #shared}. */
    private static final long[] SHARED = new long[0];
    private static final int MIN_SWEEP = 16;

    private final int tiers;
    private final ThreadLocal<long[]> local = ThreadLocal.withInitial(this::cellsOfThisThread);
    private final LongAdder[] shared;
    /** Guarded by this. */
    private final List<Registered> registered = new ArrayList<>();
    /** Counts of threads that ended. Guarded by this. */
    private final long[] retired;
    /** Sweep when {@link #registered} grows to this. Guarded by this. */
    private int sweepAt = MIN_SWEEP;

    /** One platform thread's cells and the thread, weakly. */
    private record Registered(WeakReference<Thread> thread, long[] cells) {
    }

    /** @param tiers the number of tiers the cache has */
    HitCounters(int tiers) {
        this.tiers = tiers;
        this.retired = new long[2 * tiers];
        this.shared = new LongAdder[2 * tiers];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = new LongAdder();
        }
    }

    /** Counts a hit in the tier at {@code position} (in the cache's tier order) and a miss in each tier above it. */
    void hit(int position) {
        long[] cells = local.get();
        for (int i = 0; i < position; i++) {
            add(cells, tiers + i);
        }
        add(cells, position);
    }

    /** Counts a miss in every tier. */
    void miss() {
        long[] cells = local.get();
        for (int i = 0; i < tiers; i++) {
            add(cells, tiers + i);
        }
    }

    private void add(long[] cells, int index) {
        if (cells == SHARED) {
            shared[index].increment();
        } else {
            CELL.setOpaque(cells, index, (long) CELL.getOpaque(cells, index) + 1);
        }
    }

    /** {@return the hits counted in the tier at {@code position}} */
    long hits(int position) {
        return sum(position);
    }

    /** {@return the misses counted in the tier at {@code position}} */
    long misses(int position) {
        return sum(tiers + position);
    }

    private synchronized long sum(int index) {
        long sum = retired[index] + shared[index].sum();
        for (Registered cells : registered) {
            sum += (long) CELL.getOpaque(cells.cells(), index);
        }
        return sum;
    }

    private long[] cellsOfThisThread() {
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            return SHARED;
        }
        long[] cells = new long[2 * tiers];
        synchronized (this) {
            if (registered.size() >= sweepAt) {
                sweep();
            }
            registered.add(new Registered(new WeakReference<>(thread), cells));
        }
        return cells;
    }

    /** Folds the cells of threads that ended into {@link #retired}. Lock held. */
    private void sweep() {
        for (Iterator<Registered> it = registered.iterator(); it.hasNext(); ) {
            Registered cells = it.next();
            Thread thread = cells.thread().get();
            if (thread == null || !thread.isAlive()) {      // seen dead: its last writes are visible
                for (int i = 0; i < retired.length; i++) {
                    retired[i] += cells.cells()[i];
                }
                it.remove();
            }
        }
        sweepAt = Math.max(MIN_SWEEP, 2 * registered.size());
    }
}
