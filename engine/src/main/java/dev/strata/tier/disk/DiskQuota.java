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
 * own or another store's ({@link #dropSpare()}), before it gives up.
 *
 * <p>Thread-safe; reservations are lock-free.
 */
public final class DiskQuota {

    private final long limitBytes;
    private final long indexLimitBytes;
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
    }

    /** Reserves {@code bytes} even above the limit; used for bytes that already exist on disk or are freed at once. */
    void forceReserve(long bytes) {
        checkNotNegative(bytes);
        usedBytes.addAndGet(bytes);
    }

    /**
     * {@return the bytes currently reserved by all stores sharing this quota}
     */
    public long usedBytes() {
        return usedBytes.get();
    }

    /**
     * {@return the limit given at construction}
     */
    public long limitBytes() {
        return limitBytes;
    }

    /** Registers a store's spare files, which {@link #dropSpare()} may delete until {@link #forget}. */
    void register(SpareFiles files) {
        spares.add(files);
    }

    /** Stops offering {@code files} to {@link #dropSpare()}: their store closed. */
    void forget(SpareFiles files) {
        spares.remove(files);
    }

    /** Deletes one spare file of any registered store, releasing its bytes. {@return whether there was one} */
    boolean dropSpare() {
        for (SpareFiles files : spares) {
            if (files.dropOne()) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@return whether a new key charged {@code bytes} fits under the index limit now} A check, not a reservation: the
     * index charges the key when it takes it.
     */
    boolean indexAdmits(long bytes) {
        return bytes <= indexLimitBytes - indexBytes.get();
    }

    /**
     * {@return whether less than {@code headroomBytes} of the file limit is free, spare files counted as free (a
     * reservation deletes them when it needs their bytes), or less than the same share of the index limit} For a store
     * that evicts ahead ({@link DiskStore#evictAhead}).
     */
    boolean nearlyFull(long headroomBytes) {
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
        long after = indexBytes.addAndGet(delta);
        if (after < 0) {
            indexBytes.addAndGet(-delta);
            throw new IllegalStateException("index charge " + delta + " bytes (expected: at least -" + (after - delta)
                    + ", the bytes charged)");
        }
    }

    /** {@return the bytes the keys of all stores sharing this quota are charged in their indexes} */
    public long indexBytes() {
        return indexBytes.get();
    }

    /** {@return the index limit given at construction ({@link Long#MAX_VALUE} for none)} */
    public long indexLimitBytes() {
        return indexLimitBytes;
    }

    @Override
    public String toString() {
        return "DiskQuota[used=" + usedBytes.get() + ", limit=" + limitBytes + ", index=" + indexBytes.get()
                + ", indexLimit=" + indexLimitBytes + "]";
    }

    private static void checkNotNegative(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
    }
}
