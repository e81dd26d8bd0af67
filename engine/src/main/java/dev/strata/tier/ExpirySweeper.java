package dev.strata.tier;

import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Removes expired entries that nothing meets: once a period, every open cache with a time to live or to idle sweeps the
 * next {@code 1/}{@value #SLICES} of its stripes ({@link TieredCache#sweepExpired}), so each stripe's heap and off-heap
 * entries are looked at every {@value #SLICES} periods and an expired one leaves within about that long of its
 * deadline, its memory back in the pools and {@code size()} down. Without it an expired entry kept its space until a
 * read, a put-if-absent or an eviction met it. On disk each sweep hands to the store's compaction, which drops the
 * expired records, the segments whose records have all expired (by their latest deadline) and those where the expired
 * ones make up the compaction threshold (by their bytes by deadline): no record is read for it. A disk record in a
 * segment mostly live waits for a read, compaction or eviction to meet it.
 *
 * <p>One daemon thread per engine ({@value #THREAD_NAME}), started when the first cache with expiry opens and stopped
 * when the engine closes; a sweep holds one stripe's monitor at a time, as long as it takes to look at that stripe's
 * entries (a few thousand in a cache of a million, with the stripes of a 2-processor machine). A sweep that throws is
 * logged and the next period runs again.
 *
 * <p>Thread-safe.
 */
final class ExpirySweeper implements AutoCloseable {

    /** The sweeping thread's name, seen in thread dumps and profiles. */
    static final String THREAD_NAME = "strata-expiry-sweeper";
    /** How often a sweep runs, in milliseconds. */
    static final long PERIOD_MILLIS = 1_000;
    /** Each sweep of a cache looks at this share of its stripes. */
    static final int SLICES = 16;
    private static final long CLOSE_WAIT_SECONDS = 10;
    private static final System.Logger LOG = System.getLogger(ExpirySweeper.class.getName());

    private final Supplier<Collection<TieredCache<?, ?>>> caches;
    private final long periodMillis;
    /** Null until the first cache with expiry opens. Guarded by this. */
    private ScheduledThreadPoolExecutor executor;
    private boolean closed;

    /**
     * Creates a sweeper of the caches {@code caches} returns, sweeping every {@code periodMillis}; its thread starts
     * with {@link #start}.
     */
    ExpirySweeper(Supplier<Collection<TieredCache<?, ?>>> caches, long periodMillis) {
        this.caches = Objects.requireNonNull(caches, "caches");
        if (periodMillis <= 0) {
            throw new IllegalArgumentException("periodMillis: " + periodMillis + " (expected: > 0)");
        }
        this.periodMillis = periodMillis;
    }

    /** Starts sweeping, if it has not started yet and is not closed. Idempotent. */
    synchronized void start() {
        if (executor != null || closed) {
            return;
        }
        executor = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name(THREAD_NAME).daemon().factory());
        executor.scheduleWithFixedDelay(this::sweepAll, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** {@return whether the sweeping thread has been started and not closed} */
    synchronized boolean isRunning() {
        return executor != null && !executor.isShutdown();
    }

    /** One period's sweep: the next slice of every open cache that has expiry. */
    private void sweepAll() {
        for (TieredCache<?, ?> cache : caches.get()) {
            try {
                cache.sweepExpired(SLICES);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "expiry sweep of cache '" + cache.name() + "' failed", e);
            }
        }
    }

    /** Stops the thread, waiting for a sweep in progress to end. Idempotent. */
    @Override
    public void close() {
        ScheduledThreadPoolExecutor running;
        synchronized (this) {
            closed = true;
            running = executor;
        }
        if (running == null) {
            return;
        }
        running.shutdown();                            // a sweep in progress ends its slice; no other starts
        try {
            if (!running.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, THREAD_NAME + " did not stop within " + CLOSE_WAIT_SECONDS
                        + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
