package dev.strata.tier;

import dev.strata.cache.RemovalCause;
import dev.strata.cache.RemovalListener;
import dev.strata.tier.disk.DiskStore;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executor;

/**
 * One cache's side of its {@link RemovalListener}: turns an entry leaving the cache, wherever it was, into a removal
 * with its key and value as objects, queued on the engine's {@link RemovalQueue}. A heap entry's objects are handed
 * over as they are; an off-heap record's or a disk record's bytes are decoded here, by the removing thread while they
 * are still stable (under the key's stripe monitor, or the disk store's locks). A value with a deadline
 * ({@link Expiring}) is unwrapped, and one whose deadline has passed is reported {@link RemovalCause#EXPIRED} whatever
 * removed it. A decode that throws is logged and counted in the cache's errors, and its removal not reported.
 *
 * <p>Thread-safe: every method may be called by any thread; it holds no state of its own but what it was built with.
 *
 * @param <K> the key type
 * @param <V> the value type the tiers hold ({@link Expiring} ones with a time to live)
 */
final class Removals<K, V> {

    private static final System.Logger LOG = System.getLogger(Removals.class.getName());

    /**
     * What a cache's builder was given.
     *
     * @param listener told of each removal
     * @param executor runs the listener
     */
    record Listening(RemovalListener<?, ?> listener, Executor executor) {
    }

    /**
     * A test's hook, run by {@link #diskValue} after it read the value (the key's stripe monitor held): a test evicts
     * the record there, as the disk store's own eviction may; null otherwise.
     */
    volatile Runnable afterDiskValueRead;

    private final Tiers<K, V> tiers;
    private final RemovalListener<Object, Object> listener;
    private final Executor executor;
    private final RemovalQueue queue;

    /** A cache's removals, queued on {@code queue}, the engine's. */
    @SuppressWarnings("unchecked")
    Removals(Tiers<K, V> tiers, Listening listening, RemovalQueue queue) {
        this.tiers = tiers;
        this.listener = (RemovalListener<Object, Object>) listening.listener();
        this.executor = listening.executor();
        this.queue = queue;
    }

    String cacheName() {
        return tiers.cacheName;
    }

    Executor executor() {
        return executor;
    }

    /** Queues the removal of {@code key}'s {@code value} (objects: a heap entry's, or a put's). */
    void removed(K key, V value, RemovalCause cause) {
        Object plain = value;
        RemovalCause why = cause;
        if (value instanceof Expiring<?> stamped) {
            plain = stamped.value();
            if (tiers.expiry.expired(stamped)) {
                why = RemovalCause.EXPIRED;
            }
        }
        queue.add(new RemovalQueue.Removal(this, key, plain, why));
    }

    /**
     * Queues the removal of the off-heap record at {@code offset} of {@code extent}, decoding its value, and its key
     * unless given. The record must be stable: its stripe's monitor held.
     *
     * @param key the record's key, or null to decode it from the record
     */
    void removedRecord(K key, Extent extent, int offset, RemovalCause cause) {
        K decodedKey;
        V value;
        try {
            decodedKey = key != null ? key : decodeKey(extent.bytes(RecordLayout.keyOffset(offset),
                    RecordLayout.keyLength(extent.headerSegment(), offset)));
            value = tiers.reads.decode(extent, offset);
        } catch (RuntimeException e) {
            decodeFailed(cause, e);
            return;
        }
        removed(decodedKey, value, cause);
    }

    /**
     * {@return the value of the off-heap record at {@code offset} of {@code extent}, decoded, or null if the decode
     * threw (counted and logged)} For a removal queued only once the record is sure to go. The record must be stable.
     */
    V recordValue(Extent extent, int offset) {
        try {
            return tiers.reads.decode(extent, offset);
        } catch (RuntimeException e) {
            decodeFailed(RemovalCause.REPLACED, e);
            return null;
        }
    }

    /** Queues the removal of the off-heap record the slot word {@code slot} names; see {@link #removedRecord}. */
    void removedSlot(K key, long slot, RemovalCause cause) {
        long location = Slots.location(slot);
        ExtentTable extents = tiers.offHeap.extents();
        removedRecord(key, extents.extentAt(location), extents.offsetAt(location), cause);
    }

    /** Queues the removal of a disk record's {@code value} bytes under {@code key}'s bytes, both decoded here. */
    void removedEncoded(MemorySegment key, MemorySegment value, RemovalCause cause) {
        K decodedKey;
        V decodedValue;
        try {
            decodedKey = decodeKey(key);
            decodedValue = tiers.decodeValue(value);
        } catch (RuntimeException e) {
            decodeFailed(cause, e);
            return;
        }
        removed(decodedKey, decodedValue, cause);
    }

    /**
     * {@return the value of {@code encodedKey}'s disk record, decoded, or null if it has none or it cannot be read or
     * decoded (counted and logged, as a removal for {@code cause})} For a put or a remove that is about to replace or
     * remove it: read under the key's stripe monitor, so that only the disk store's own evictions and clears can drop
     * the record before the caller does, which {@link DiskStore.Stored} and {@link DiskStore#remove}'s answer tell.
     */
    V diskValue(DiskStore disk, MemorySegment encodedKey, RemovalCause cause) {
        try {
            V value = disk.read(encodedKey, false, (bytes, stamp, visited) -> tiers.decodeValue(bytes));
            Runnable hook = afterDiskValueRead;
            if (hook != null) {
                hook.run();
            }
            return value;
        } catch (UncheckedIOException e) {
            tiers.errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + tiers.cacheName + "': could not read a disk value to "
                    + "report its removal", e);
            return null;
        } catch (RuntimeException e) {
            decodeFailed(cause, e);
            return null;
        }
    }

    private K decodeKey(MemorySegment key) {
        return tiers.keyCodec.decode(key, 0, (int) key.byteSize());
    }

    private void decodeFailed(RemovalCause cause, RuntimeException e) {
        tiers.errors.increment();
        LOG.log(System.Logger.Level.WARNING, "cache '" + tiers.cacheName + "': could not decode an entry leaving ("
                + cause + ") for the removal listener; not reported", e);
    }

    /** Runs the listener (on its executor). An exception it throws is logged, not passed on. */
    void tell(Object key, Object value, RemovalCause cause) {
        try {
            listener.onRemoval(key, value, cause);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cache '" + tiers.cacheName + "': the removal listener threw for a "
                    + cause + " removal", e);
        }
    }
}
