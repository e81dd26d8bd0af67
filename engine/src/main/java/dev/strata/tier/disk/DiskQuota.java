package dev.strata.tier.disk;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The budget of the disk tiers of one engine, shared by every {@link DiskStore}: the bytes of their files, and the
 * heap their in-memory indexes may take.
 *
 * <p>A store reserves the bytes of a record (and of a new segment file's header) before it writes them and releases
 * the bytes of a segment file when the file is deleted or the store is closed, so {@link #usedBytes()} is the size of
 * the segment files of all open stores. Reservation is all-or-nothing: {@link #tryReserve(long)} either takes the
 * whole amount or changes nothing.
 *
 * <p>Two internal paths may overshoot the limit, both documented on {@link DiskStore}: recovery charges the files
 * found on disk even when they exceed the limit, and compaction charges the live records it copies (at most the live
 * bytes of one segment, returned when the old segment file is deleted moments later).
 *
 * <p><b>Index memory.</b> Every key a store holds costs heap in its {@link DiskIndex}. The index charges each key
 * {@link IndexTable#keyCharge(long)} bytes (its slot at a table's average fill, its key bytes and their length) here
 * while the key is in it. A put of a new key is refused while the charges of all stores have reached
 * {@link #indexLimitBytes()}; the cache then evicts a segment ({@link DiskStore#evictOldest()}), as when the file bytes
 * run out. Each concurrent writer may pass the check with one key before another's charge lands, so the charges can
 * exceed the limit by one key per concurrent writer; recovery charges every key it finds, whatever the limit.
 *
 * <p><b>Spare files.</b> Transient stores keep a few files of compacted segments to write new segments into
 * ({@link SpareFiles}); their bytes count here, as files of the store. A store the quota refuses deletes spares, its
 * own or another store's ({@link #dropSpare}), before it gives up.
 *
 * <p><b>A cache's own limit.</b> A cache with a maximum disk size opens its store on a {@link #limitedTo child} of
 * the engine's quota: the child counts that store's files against the cache's limit, and every reservation, release
 * and index charge passes on to the engine's quota, so a child's file bytes count in both and a reservation either
 * fits both or changes neither.
 *
 * <p>Thread-safe; reservations are lock-free.
 */
public final class DiskQuota {

    /** Fixed for the engine's quota; a child's follows its cache's maximum ({@link #setLimitBytes}). */
    private volatile long limitBytes;
    private final long indexLimitBytes;
    /** The engine's quota, for a {@link #limitedTo child}; null for the engine's own. */
    private final DiskQuota parent;
    private final AtomicLong usedBytes = new AtomicLong();
    private final AtomicLong indexBytes = new AtomicLong();
    private final Set<SpareFiles> spares = ConcurrentHashMap.newKeySet();

    /**
     * Creates a quota of {@code limitBytes} in files, with no limit on index memory.
     *
     * @param limitBytes the most bytes the stores sharing this quota may keep in segment files, at least 1
     * @throws IllegalArgumentException if {@code limitBytes} is below 1
     */
    public DiskQuota(long limitBytes) {
        this(limitBytes, Long.MAX_VALUE);
    }

    /**
     * Creates a quota of {@code limitBytes} in files and {@code indexLimitBytes} of index memory.
     *
     * @param limitBytes      the most bytes the stores sharing this quota may keep in segment files, at least 1
     * @param indexLimitBytes the most bytes their indexes' keys may be charged (see the class comment), at least 1
     * @throws IllegalArgumentException if either limit is below 1
     */
    public DiskQuota(long limitBytes, long indexLimitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: >= 1)");
        }
        if (indexLimitBytes < 1) {
            throw new IllegalArgumentException("indexLimitBytes: " + indexLimitBytes + " (expected: >= 1)");
        }
        this.limitBytes = limitBytes;
        this.indexLimitBytes = indexLimitBytes;
        this.parent = null;
    }

    private DiskQuota(DiskQuota parent, long limitBytes) {
        this.limitBytes = limitBytes;
        this.indexLimitBytes = parent.indexLimitBytes;
        this.parent = parent;
    }

    /**
     * {@return a quota for one store that keeps its files under {@code limitBytes} as well as under this quota} Its
     * reservations are reserved here too, its index charges are this quota's, and {@link #dropSpare} on it deletes
     * its own spare files first, then, if the engine's quota is what is short, any store's.
     *
     * @param limitBytes the most bytes the store may keep in segment files, at least 1
     * @throws IllegalArgumentException if {@code limitBytes} is below 1
     * @throws IllegalStateException if this quota is itself a child
     */
    public DiskQuota limitedTo(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: >= 1)");
        }
        if (parent != null) {
            throw new IllegalStateException("limitedTo: a child quota (expected: the engine's quota)");
        }
        return new DiskQuota(this, limitBytes);
    }

    /**
     * Reserves {@code bytes} if they fit under the limit, else reserves nothing.
     *
     * @param bytes the number of bytes to reserve, not negative
     * @return {@code true} if reserved, {@code false} if the limit would be exceeded (nothing changed)
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public boolean tryReserve(long bytes) {
        checkNotNegative(bytes);
        long used;
        do {
            used = usedBytes.get();
            if (bytes > limitBytes - used) {
                return false;
            }
        } while (!usedBytes.compareAndSet(used, used + bytes));
        if (parent != null && !parent.tryReserve(bytes)) {
            usedBytes.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /**
     * Returns {@code bytes} reserved earlier.
     *
     * @param bytes the number of bytes to release, not negative and at most {@link #usedBytes()}
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException if more bytes are released than are reserved (an accounting bug)
     */
    public void release(long bytes) {
        checkNotNegative(bytes);
        long after = usedBytes.addAndGet(-bytes);
        if (after < 0) {
            usedBytes.addAndGet(bytes);
            throw new IllegalStateException("release: " + bytes + " bytes (expected: <= reserved " + (after + bytes) + ")");
        }
        if (parent != null) {
            parent.release(bytes);
        }
    }

    /** Reserves {@code bytes} even above the limit; used for bytes that already exist on disk or are freed at once. */
    void forceReserve(long bytes) {
        checkNotNegative(bytes);
        usedBytes.addAndGet(bytes);
        if (parent != null) {
            parent.forceReserve(bytes);
        }
    }

    /**
     * {@return the bytes currently reserved by all stores sharing this quota}
     */
    public long usedBytes() {
        return usedBytes.get();
    }

    /** {@return the limit: given at construction, or by {@link #setLimitBytes} on a child} */
    public long limitBytes() {
        return limitBytes;
    }

    /**
     * Sets a child's limit, when its cache's maximum disk size changes. Below what the child holds, its reservations
     * are refused, and its store evicts ahead of its writers, until it holds no more.
     *
     * @param limitBytes the most bytes the store may keep in segment files, at least 1
     * @throws IllegalArgumentException if {@code limitBytes} is below 1
     * @throws IllegalStateException if this is the engine's quota (its limit is fixed)
     */
    public void setLimitBytes(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: >= 1)");
        }
        if (parent == null) {
            throw new IllegalStateException("setLimitBytes: the engine's quota (expected: a child quota)");
        }
        this.limitBytes = limitBytes;
    }

    /** Registers a store's spare files, which {@link #dropSpare} may delete until {@link #forget}. */
    void register(SpareFiles files) {
        spares.add(files);
        if (parent != null) {
            parent.register(files);
        }
    }

    /** Stops offering {@code files} to {@link #dropSpare}: their store closed. */
    void forget(SpareFiles files) {
        spares.remove(files);
        if (parent != null) {
            parent.forget(files);
        }
    }

    /**
     * Deletes one spare file that may help a reservation of {@code wantedBytes}, releasing its bytes: any registered
     * store's; on a child, its own store's first, and another store's (through the engine's quota) only while the
     * child's own limit has room for {@code wantedBytes}, so that only the engine's quota can be short: another store's
     * file would make no room under the child's limit. {@return whether one was deleted}
     */
    boolean dropSpare(long wantedBytes) {
        for (SpareFiles files : spares) {
            if (files.dropOne()) {
                return true;
            }
        }
        return parent != null && wantedBytes <= limitBytes - usedBytes.get() && parent.dropSpare(wantedBytes);
    }

    /** {@return whether more bytes are reserved here than this quota's own limit allows} */
    boolean overOwnLimit() {
        return usedBytes.get() > limitBytes;
    }

    /**
     * {@return whether more bytes are reserved than the limit allows, here or in the engine's quota} Compaction charges
     * its copies above the limit; the file it empties is then deleted rather than kept as a spare.
     */
    boolean overLimit() {
        return usedBytes.get() > limitBytes || (parent != null && parent.overLimit());
    }

    /**
     * {@return whether a new key charged {@code bytes} fits under the index limit now} A check, not a reservation: the
     * index charges the key when it takes it.
     */
    boolean indexAdmits(long bytes) {
        if (parent != null) {
            return parent.indexAdmits(bytes);
        }
        return bytes <= indexLimitBytes - indexBytes.get();
    }

    /**
     * {@return whether less than {@code headroomBytes} of the file limit is free, spare files counted as free (a
     * reservation deletes them when it needs their bytes), or less than the same share of the index limit} For a store
     * that evicts ahead ({@link DiskStore#evictAhead}).
     */
    boolean nearlyFull(long headroomBytes) {
        if (parent != null) {
            return !ownRoomFor(headroomBytes) || parent.nearlyFull(headroomBytes);
        }
        if (!hasRoomFor(headroomBytes)) {
            return true;
        }
        if (indexLimitBytes == Long.MAX_VALUE) {
            return false;                                  // no index limit: only the files count
        }
        double freeIndexShare = (double) (indexLimitBytes - indexBytes.get()) / indexLimitBytes;
        return freeIndexShare < (double) headroomBytes / limitBytes;
    }

    /**
     * {@return whether {@code bytes} fit under the file limit now, spare files counted as free (a reservation deletes
     * them when it needs their bytes)} A check, not a reservation.
     */
    boolean hasRoomFor(long bytes) {
        return ownRoomFor(bytes) && (parent == null || parent.hasRoomFor(bytes));
    }

    /**
     * {@return whether this is a child whose own limit has less than {@code headroomBytes} free, spare files counted as
     * free} False for the engine's quota: a store on it that finds it nearly full may have other stores evict.
     */
    boolean ownLimitNearlyFull(long headroomBytes) {
        return parent != null && !ownRoomFor(headroomBytes);
    }

    private boolean ownRoomFor(long bytes) {
        long free = limitBytes - usedBytes.get();
        return free >= bytes || free + spareBytes() >= bytes;
    }

    private long spareBytes() {
        long bytes = 0;
        for (SpareFiles files : spares) {
            bytes += files.bytes();
        }
        return bytes;
    }

    /** Adds {@code delta} (negative when keys leave) to the charges of the indexes. */
    void chargeIndex(long delta) {
        if (parent != null) {
            parent.chargeIndex(delta);
            return;
        }
        long after = indexBytes.addAndGet(delta);
        if (after < 0) {
            indexBytes.addAndGet(-delta);
            throw new IllegalStateException("index charge " + delta + " bytes (expected: at least -" + (after - delta)
                    + ", the bytes charged)");
        }
    }

    /** {@return the bytes the keys of all stores sharing this quota are charged in their indexes} */
    public long indexBytes() {
        return parent != null ? parent.indexBytes() : indexBytes.get();
    }

    /** {@return the index limit given at construction ({@link Long#MAX_VALUE} for none)} */
    public long indexLimitBytes() {
        return indexLimitBytes;
    }

    @Override
    public String toString() {
        return "DiskQuota[used=" + usedBytes.get() + ", limit=" + limitBytes + ", index=" + indexBytes()
                + ", indexLimit=" + indexLimitBytes + (parent == null ? "" : ", of " + parent) + "]";
    }

    private static void checkNotNegative(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
    }
}
