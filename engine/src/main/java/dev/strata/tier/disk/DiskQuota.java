package dev.strata.tier.disk;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte budget for disk files, shared by every {@link DiskStore} of one engine.
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
 * <p>Thread-safe and lock-free.
 */
public final class DiskQuota {

    private final long limitBytes;
    private final AtomicLong usedBytes = new AtomicLong();

    /**
     * Creates a quota of {@code limitBytes}.
     *
     * @param limitBytes the most bytes the stores sharing this quota may keep in segment files, at least 1
     * @throws IllegalArgumentException if {@code limitBytes} is below 1
     */
    public DiskQuota(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: >= 1)");
        }
        this.limitBytes = limitBytes;
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

    @Override
    public String toString() {
        return "DiskQuota[used=" + usedBytes.get() + ", limit=" + limitBytes + "]";
    }

    private static void checkNotNegative(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
    }
}
