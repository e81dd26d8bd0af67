package dev.strata.tier;

import java.util.Arrays;

/**
 * One stripe of a cache's {@link KeyIndex}: the keys whose hash falls in it, in two tables, and the lock their writers
 * share. A key is in at most one table: {@link #nodes} while its value is on the heap, {@link #records} while it is
 * off-heap; in neither while it is on disk, where the cache's disk store indexes it.
 *
 * <p><b>The key lock.</b> This object's monitor guards every change of where its keys' values are: puts, removes,
 * moves between tiers, a record's move within the off-heap tier, and both tables' structure. A thread holds at most
 * one stripe's monitor at a time and never evicts, waits for memory or takes another stripe while holding it, so
 * stripes cannot deadlock; the locks taken inside it are leaves (queue locks, the off-heap tier's lock, the disk
 * store's locks, the memory manager's lock). The one wait inside it is for a spill mark (below), and it releases the
 * monitor.
 *
 * <p><b>Spills to disk</b> write a record's bytes to the disk store with the monitor released: the spilling thread
 * marks the key ({@link #beginSpill}, by its hash), and every put, remove or move of a key with that hash waits for the
 * mark to go ({@link #awaitSpillOf}, which releases the monitor while it waits) and then looks the key up afresh. Work
 * that starts from a heap node need not wait: a spilling key has none. So a spill
 * waits for no other key's writer and holds up none: only writers of the spilling key itself (and of keys sharing its
 * hash) and a whole-stripe clear wait for the disk write; other spills from the same stripe run beside it. Readers
 * never wait: the record stays readable until the spill, its disk record written, removes the slot. A thread that holds a mark takes
 * no other mark and waits for none, so marks cannot deadlock either.
 *
 * <p><b>Moves between the tiers</b> insert the key's new place before removing the old one, inside one hold of the
 * monitor (a spill: its mark). A move into one of the tables also bumps {@link #version} (odd during, even after): a
 * reader that probes heap, off-heap and disk in that order finds the key in one of them, unless it passed the new
 * place before the insert and reached the old one after the removal; then the version moved, and it looks again
 * ({@link #stable}). A move to disk needs no bump: the disk comes last in that order, and it carries the same value.
 * A put whose new value goes below the key's current place (to disk, or off-heap, over a heap value) bumps it too: a
 * reader that finds a value below the top tier returns it only if the version stayed still since its probe began, so
 * that it cannot return the new value and then, on its next read, the older one still above.
 */
final class Stripe {

    private static final int[] NO_SPILLS = new int[0];

    /** The heap keys' nodes, or null if the cache has no heap tier. */
    final NodeTable nodes;
    /** The off-heap keys' records, or null if the cache has no off-heap tier. */
    final RecordTable records;
    /** Odd while a key moves between the tables; every move adds two. Written under this monitor. */
    volatile int version;
    /**
     * How many times a key of this stripe crossed between the memory tables and the disk (a move or a put in either
     * direction, a spill): an iteration over the cache ({@link EntryWalk}) that took a snapshot of the disk's keys
     * knows from it whether the snapshot still holds for this stripe. Written under this monitor; read by the
     * iteration without it too.
     */
    volatile int diskCrossings;
    /** The spread hashes of the keys being spilled, in the first {@link #spills} places. Guarded by this monitor. */
    private int[] spillHashes = NO_SPILLS;
    /** How many keys of this stripe are being spilled. Guarded by this monitor. */
    private int spills;

    /** Creates a stripe; its record table, if the cache has an off-heap tier ({@code extents}), charges tables. */
    Stripe(boolean hasNodes, ExtentTable extents, TableMemory tables) {
        this.nodes = hasNodes ? new NodeTable() : null;
        this.records = extents != null ? new RecordTable(extents, tables) : null;
    }

    /**
     * Marks the key with spread hash {@code hash} as being spilled (monitor held). Until {@link #endSpill}, writers of
     * that key wait in {@link #awaitSpillOf}.
     */
    void beginSpill(int hash) {
        if (spills == spillHashes.length) {
            spillHashes = Arrays.copyOf(spillHashes, Math.max(2, 2 * spills));
        }
        spillHashes[spills++] = hash;
    }

    /** Ends one spill {@link #beginSpill} marked for {@code hash} and wakes the threads waiting (monitor held). */
    void endSpill(int hash) {
        for (int i = 0; i < spills; i++) {
            if (spillHashes[i] == hash) {
                spillHashes[i] = spillHashes[--spills];
                break;
            }
        }
        notifyAll();
    }

    /**
     * Waits until no key with spread hash {@code hash} is being spilled (monitor held; released while waiting). A
     * caller that waited must not rely on anything it read under the monitor before the call.
     */
    void awaitSpillOf(int hash) {
        if (spills != 0 && isSpilling(hash)) {
            awaitSpills(false, hash);
        }
    }

    /** Waits until no key of this stripe is being spilled (monitor held; released while waiting). */
    void awaitNoSpill() {
        if (spills != 0) {
            awaitSpills(true, 0);
        }
    }

    private boolean isSpilling(int hash) {
        for (int i = 0; i < spills; i++) {
            if (spillHashes[i] == hash) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits on this monitor while a spill ({@code any}, or of {@code hash}) is marked. An interrupt does not end the
     * wait (a spill is one disk write) and is kept for the caller: the flag is set again only after the last
     * {@code wait}, since a wait with the flag set would return at once without releasing the monitor.
     */
    private void awaitSpills(boolean any, int hash) {
        boolean interrupted = false;
        while (any ? spills != 0 : isSpilling(hash)) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts a move between the tables (monitor held). */
    void beginMove() {
        version++;
    }

    /** Ends a move between the tables (monitor held). */
    void endMove() {
        version++;
    }

    /** {@return whether no move began or ended since {@code seen} was read, and none was running then} */
    boolean stable(int seen) {
        return (seen & 1) == 0 && version == seen;
    }
}
