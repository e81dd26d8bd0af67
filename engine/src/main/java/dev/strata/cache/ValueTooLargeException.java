package dev.strata.cache;

import java.io.Serial;

/**
 * Thrown by a put when an entry is larger than every tier of the cache could ever hold, so storing it would need
 * more memory or disk than the engine has. Nothing is stored and nothing already stored is lost.
 *
 * <p>The limits: the heap tier holds an entry of at most its on-heap region (estimated weight, see
 * {@link Cache}); the off-heap tier at most its off-heap region; the disk tier at most the disk quota.
 */
public final class ValueTooLargeException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The entry's size in bytes. */
    private final long entryBytes;
    /** The largest entry the cache's tiers can hold, in bytes. */
    private final long maxEntryBytes;

    /**
     * Creates the exception.
     *
     * @param cacheName the cache the put was made on
     * @param entryBytes the entry's encoded size (key and value) in bytes
     * @param maxEntryBytes the largest entry any of the cache's tiers can hold
     * @param limits a description of each tier's limit, e.g. {@code "HEAP 64 MiB, OFF_HEAP 256 MiB"}
     */
    public ValueTooLargeException(String cacheName, long entryBytes, long maxEntryBytes, String limits) {
        super("cache '" + cacheName + "': entry of " + entryBytes + " bytes (expected: at most " + maxEntryBytes
                + " bytes, the most any of its tiers can hold: " + limits + ")");
        this.entryBytes = entryBytes;
        this.maxEntryBytes = maxEntryBytes;
    }

    /** {@return the entry's encoded size (key and value) in bytes} */
    public long entryBytes() {
        return entryBytes;
    }

    /** {@return the largest entry any of the cache's tiers can hold, in bytes} */
    public long maxEntryBytes() {
        return maxEntryBytes;
    }
}
