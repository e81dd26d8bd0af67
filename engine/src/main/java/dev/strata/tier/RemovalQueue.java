package dev.strata.tier;

import dev.strata.cache.RemovalCause;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * The engine's removals waiting to be handed to their caches' listeners ({@link Removals}): an entry leaving a cache
 * is queued here by the thread that removed it, wherever it was (under a stripe's monitor, a disk store's locks), and
 * handed over by {@link #deliver} once that thread holds no lock of a cache: at the end of a cache operation, of an
 * expiry sweep, of a disk eviction on the compactor, of execution's reclaim. One queue for the engine, because an
 * operation on one cache may evict another's entries (its share of memory), and that other cache may see no operation
 * for a while.
 *
 * <p>Thread-safe and lock-free: any thread queues and delivers; a removal is handed over once, by whichever thread
 * polls it. {@link #deliver} is one read of a volatile flag while nothing was queued since the last delivery (always,
 * without listeners), small enough to inline into every cache operation: the queue's own emptiness check is a loop
 * the JIT would not inline there.
 */
final class RemovalQueue {

    private static final System.Logger LOG = System.getLogger(RemovalQueue.class.getName());

    private final ConcurrentLinkedQueue<Removal> pending = new ConcurrentLinkedQueue<>();
    /**
     * Set after each removal is queued, cleared before a delivery polls: a removal queued is either polled by a
     * delivery running then or leaves the flag set for the next one.
     */
    private volatile boolean queued;

    /** One entry that left a cache, for its listener. */
    record Removal(Removals<?, ?> removals, Object key, Object value, RemovalCause cause) implements Runnable {
        @Override
        public void run() {
            removals.tell(key, value, cause);
        }
    }

    /** Queues {@code removal}, to be handed over by the next {@link #deliver}. */
    void add(Removal removal) {
        pending.add(removal);
        queued = true;
    }

    /** Hands every queued removal to its listener's executor, in the order they were queued. No lock may be held. */
    void deliver() {
        if (queued) {
            deliverQueued();
        }
    }

    private void deliverQueued() {
        queued = false;
        Removal removal;
        while ((removal = pending.poll()) != null) {
            try {
                removal.removals().executor().execute(removal);
            } catch (RejectedExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "cache '" + removal.removals().cacheName() + "': its removal "
                        + "listener's executor refused a removal (" + removal.cause() + "); not reported", e);
            }
        }
    }

    /** {@return whether no removal waits} For tests. */
    boolean isEmpty() {
        return pending.isEmpty();
    }
}
