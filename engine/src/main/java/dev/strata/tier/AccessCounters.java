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
 *   slots (by thread id):  [ owner A | cells ][ free ][ owner B | cells ] ...     probe up to 4 from the thread's slot
 *   cells:                 [ hits: tier 0 | 1 | 2 ][ misses: tier 0 | 1 | 2 ][ puts: tier 0 | 1 | 2 ]
 *   + shared adders (virtual threads, and threads that found no slot)  + retired (owners that ended)
 * </pre>
 *
 * <p>Finding a thread's slot is a register read ({@code Thread.currentThread()}), its id, and a reference compare: no
 * {@code ThreadLocal} map. A slot is claimed by compare-and-set, once per thread. When a thread finds no free slot
 * near its own, slots of owners that ended are reclaimed (their counts folded into {@link #retired}; their writes
 * are visible once the owner is seen dead) and, failing that, it counts in shared {@link LongAdder}s, as virtual
 * threads always do. Counts are exact; a snapshot taken while other threads read is a moment old. Thread-safe.
 */
final class AccessCounters {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OWNER;
    /** The cells of a thread without a slot: it counts in {@link #shared}. */
    private static final long[] SHARED = new long[0];
    /** Hits, misses and puts: the kinds of count, each with a cell per tier. */
    private static final int KINDS = 3;
    private static final int PROBES = 4;
    private static final int SLOTS_PER_PROCESSOR = 4;
    private static final int MIN_SLOTS = 16;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Slot.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One platform thread's cells. */
    private static final class Slot {
        /** The thread counting here, or null. Claimed by compare-and-set; released under the counters' lock. */
        volatile Thread owner;
        final long[] cells;

        Slot(int cells) {
            this.cells = new long[cells];
        }
    }

    private final int tiers;
    private final Slot[] slots;
    private final LongAdder[] shared;
    /** Counts of owners that ended. Guarded by this. */
    private final long[] retired;

    /** @param tiers the number of tiers the cache has */
    AccessCounters(int tiers) {
        this.tiers = tiers;
        int wanted = Math.max(MIN_SLOTS, SLOTS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
        this.slots = new Slot[Integer.highestOneBit(wanted - 1) << 1];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(KINDS * tiers);
        }
        this.retired = new long[KINDS * tiers];
        this.shared = new LongAdder[KINDS * tiers];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = new LongAdder();
        }
    }

    /** Counts a hit in the tier at {@code position} (in the cache's tier order) and a miss in each tier above it. */
    void hit(int position) {
        long[] cells = cells();
        for (int i = 0; i < position; i++) {
            add(cells, tiers + i);
        }
        add(cells, position);
    }

    /** Counts a miss in every tier. */
    void miss() {
        long[] cells = cells();
        for (int i = 0; i < tiers; i++) {
            add(cells, tiers + i);
        }
    }

    /** Counts a put that landed in the tier at {@code position}. */
    void put(int position) {
        add(cells(), 2 * tiers + position);
    }

    private void add(long[] cells, int index) {
        if (cells == SHARED) {
            shared[index].increment();
        } else {
            CELL.setOpaque(cells, index, (long) CELL.getOpaque(cells, index) + 1);
        }
    }

    /** {@return the cells of the calling thread: its slot's, or {@link #SHARED}} */
    private long[] cells() {
        Thread thread = Thread.currentThread();
        int start = home(thread);
        int mask = slots.length - 1;
        for (int probe = 0; probe < PROBES; probe++) {
            Slot slot = slots[(start + probe) & mask];
            if (slot.owner == thread) {
                return slot.cells;
            }
        }
        return thread.isVirtual() ? SHARED : claim(thread, start);
    }

    private int home(Thread thread) {
        return (int) ((thread.threadId() * 0x9E37_79B9_7F4A_7C15L) >>> 40) & (slots.length - 1);
    }

    /** Claims a free slot near {@code start} for {@code thread}, reclaiming ended owners' if need be. */
    private long[] claim(Thread thread, int start) {
        int mask = slots.length - 1;
        for (int round = 0; round < 2; round++) {
            for (int probe = 0; probe < PROBES; probe++) {
                Slot slot = slots[(start + probe) & mask];
                if (slot.owner == null && OWNER.compareAndSet(slot, null, thread)) {
                    return slot.cells;
                }
            }
            reclaimEnded();
        }
        return SHARED;
    }

    /** Folds the cells of slots whose owner ended into {@link #retired} and frees the slots. */
    private synchronized void reclaimEnded() {
        for (Slot slot : slots) {
            Thread owner = slot.owner;
            if (owner != null && !owner.isAlive()) {     // seen dead: its last writes are visible
                for (int i = 0; i < retired.length; i++) {
                    retired[i] += slot.cells[i];
                    slot.cells[i] = 0;
                }
                slot.owner = null;
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

    private synchronized long sum(int index) {
        long sum = retired[index] + shared[index].sum();
        for (Slot slot : slots) {
            sum += (long) CELL.getOpaque(slot.cells, index);
        }
        return sum;
    }
}
