package dev.strata.tier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * One cache's hit, miss and put counts per tier, counted without an atomic instruction: a platform thread that uses
 * the cache claims a slot of its own, whose cells only it writes (opaque stores, plain moves on x86), and a snapshot
 * sums them. A locked instruction per operation would cost more than the count: it drains the store buffer and holds
 * back the loads of the next lookup, which an out-of-order core would otherwise overlap with this one's misses.
 *
 * <pre>
 *   owners (slot by thread id):  [ A | null | B | ... ]                 probe up to 4 from thread id &amp; (slots - 1)
 *   cells:   [ (padding) | slot 0 | slot 1 | slot 2 | ... | (padding) ]   128 bytes apart: no shared line, nor pair
 *   a slot:  [ hits: tier 0 | 1 | 2 ][ misses: tier 0 | 1 | 2 ][ puts: tier 0 | 1 | 2 ][ 128 bytes of padding ]
 *   + shared adders (virtual threads, and threads that found no slot)  + retired (owners that ended)
 * </pre>
 *
 * <p>Finding a thread's cells is a register read ({@code Thread.currentThread()}), its id, and a reference compare
 * in one array: no {@code ThreadLocal} map and no object per slot, so the count's store waits on fewer loads
 * (against an object per slot holding its thread's cells, one-thread off-heap gets of 100 bytes ran 2-10% faster). A
 * slot is claimed by compare-and-set, once per thread. When a thread finds no free slot near its own, slots of
 * owners that ended are reclaimed (their counts folded into {@link #retired}; their writes are visible once the
 * owner is seen dead) and, failing that, it counts in shared {@link LongAdder}s, as virtual threads always do. Counts
 * are exact; a snapshot taken while other threads count is a moment old. Thread-safe.
 */
final class AccessCounters {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(Thread[].class);
    /** {@link #base}'s answer for a thread without a slot: it counts in {@link #shared}. */
    private static final int NO_SLOT = -1;
    /** Hits, misses and puts: the kinds of count, each with a cell per tier. */
    private static final int KINDS = 3;
    private static final int PROBES = 4;
    private static final int SLOTS_PER_PROCESSOR = 4;
    private static final int MIN_SLOTS = 16;
    /**
     * 128 bytes between two slots' cells, wherever the array starts: two threads' cells never share a cache line, nor
     * the pair of lines the prefetcher fetches together.
     */
    private static final int LINE_PAIR_LONGS = 16;

    private final int tiers;
    /** Longs from one slot's cells to the next: a slot's cells and a line pair of padding. */
    private final int stride;
    /** Each slot's thread, or null. Claimed by compare-and-set; released under this object's monitor. */
    private final Thread[] owners;
    /** Slot {@code i}'s cells start at {@code (i + 1) * stride}: padding before the first and after the last. */
    private final long[] cells;
    private final LongAdder[] shared;
    /** Counts of owners that ended. Guarded by this. */
    private final long[] retired;

    /** @param tiers the number of tiers the cache has */
    AccessCounters(int tiers) {
        this.tiers = tiers;
        int wanted = Math.max(MIN_SLOTS, SLOTS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
        this.owners = new Thread[Integer.highestOneBit(wanted - 1) << 1];
        this.stride = KINDS * tiers + LINE_PAIR_LONGS;
        this.cells = new long[(owners.length + 1) * stride];
        this.retired = new long[KINDS * tiers];
        this.shared = new LongAdder[KINDS * tiers];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = new LongAdder();
        }
    }

    /** Counts a hit in the tier at {@code position} (in the cache's tier order) and a miss in each tier above it. */
    void hit(int position) {
        int base = base();
        for (int i = 0; i < position; i++) {
            add(base, tiers + i);
        }
        add(base, position);
    }

    /** Counts a miss in every tier. */
    void miss() {
        int base = base();
        for (int i = 0; i < tiers; i++) {
            add(base, tiers + i);
        }
    }

    /** Counts a put that landed in the tier at {@code position}. */
    void put(int position) {
        add(base(), 2 * tiers + position);
    }

    /** Adds one to count {@code index} in the cells at {@code base}, or in the shared adders for {@link #NO_SLOT}. */
    private void add(int base, int index) {
        if (base == NO_SLOT) {
            shared[index].increment();
        } else {
            CELL.setOpaque(cells, base + index, (long) CELL.getOpaque(cells, base + index) + 1);
        }
    }

    /**
     * {@return where the calling thread's cells start in {@link #cells}, or {@link #NO_SLOT}} A plain read of an owner
     * suffices: a thread sees its own claim, and a slot changes hands only once its owner has ended.
     */
    private int base() {
        Thread thread = Thread.currentThread();
        int start = (int) thread.threadId();
        int mask = owners.length - 1;
        for (int probe = 0; probe < PROBES; probe++) {
            int slot = (start + probe) & mask;
            if (owners[slot] == thread) {
                return (slot + 1) * stride;
            }
        }
        return thread.isVirtual() ? NO_SLOT : claim(thread, start);
    }

    /** Claims a free slot near {@code start} for {@code thread}, reclaiming ended owners' if need be. */
    private int claim(Thread thread, int start) {
        int mask = owners.length - 1;
        for (int round = 0; round < 2; round++) {
            for (int probe = 0; probe < PROBES; probe++) {
                int slot = (start + probe) & mask;
                if (owners[slot] == null && OWNER.compareAndSet(owners, slot, null, thread)) {
                    return (slot + 1) * stride;
                }
            }
            reclaimEnded();
        }
        return NO_SLOT;
    }

    /** Folds the cells of slots whose owner ended into {@link #retired} and frees the slots. */
    private synchronized void reclaimEnded() {
        for (int slot = 0; slot < owners.length; slot++) {
            Thread owner = (Thread) OWNER.getVolatile(owners, slot);
            if (owner != null && !owner.isAlive()) {     // seen dead: its last writes are visible
                int base = (slot + 1) * stride;
                for (int i = 0; i < retired.length; i++) {
                    retired[i] += cells[base + i];
                    cells[base + i] = 0;
                }
                OWNER.setRelease(owners, slot, null);  // a claimer's compare-and-set then sees the zeroed cells
            }
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

    /** {@return the puts counted in the tier at {@code position}} */
    long puts(int position) {
        return sum(2 * tiers + position);
    }

    /** {@return the hits counted in all tiers: how often the cache's entries were read, for {@link IdleCaches}} */
    synchronized long allHits() {
        long sum = 0;
        for (int index = 0; index < tiers; index++) {  // a slot's cells start with its hits, one per tier
            sum += retired[index] + shared[index].sum();
        }
        for (int slot = 0; slot < owners.length; slot++) {
            int base = (slot + 1) * stride;
            for (int index = 0; index < tiers; index++) {
                sum += (long) CELL.getOpaque(cells, base + index);
            }
        }
        return sum;
    }

    private synchronized long sum(int index) {
        long sum = retired[index] + shared[index].sum();
        for (int slot = 0; slot < owners.length; slot++) {
            sum += (long) CELL.getOpaque(cells, (slot + 1) * stride + index);
        }
        return sum;
    }
}
