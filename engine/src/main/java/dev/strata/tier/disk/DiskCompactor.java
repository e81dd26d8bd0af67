package dev.strata.tier.disk;

import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The thread that compacts an engine's disk stores, so that no {@code put} or {@code remove} pays for a compaction
 * its write made due. One daemon thread, started when the first compaction is handed over and ended after
 * {@value #IDLE_SECONDS} seconds without one; the stores of all caches of an engine share it and it runs their
 * compactions one after another. A store under quota pressure still compacts in the writing thread (see
 * {@link DiskStore}); that is the back-pressure when writes outrun this thread.
 *
 * <p>Thread-safe.
 */
public final class DiskCompactor implements Executor, AutoCloseable {

    /** How long the thread waits for work before it ends (a new one starts with the next compaction). */
    static final long IDLE_SECONDS = 60;
    private static final long CLOSE_WAIT_SECONDS = 10;
    private static final System.Logger LOG = System.getLogger(DiskCompactor.class.getName());

    private final ThreadPoolExecutor executor;

    /**
     * Creates the compactor; its thread starts with the first compaction.
     *
     * @param threadName the name its thread gets (seen in thread dumps and profiles)
     * @throws NullPointerException if {@code threadName} is null
     */
    public DiskCompactor(String threadName) {
        executor = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name(Objects.requireNonNull(threadName, "threadName")).daemon().factory());
        executor.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@code task} on the compactor's thread, after the tasks handed over before it.
     *
     * @param task the work
     * @throws NullPointerException if {@code task} is null
     * @throws java.util.concurrent.RejectedExecutionException if the compactor is closed
     */
    @Override
    public void execute(Runnable task) {
        executor.execute(Objects.requireNonNull(task, "task"));
    }

    /**
     * Stops taking work and waits (up to {@value #CLOSE_WAIT_SECONDS} seconds) for the task running now. Close the
     * stores first: a closed store's compaction stops at its next record. An interrupt does not cut the wait short
     * (the task would outlive the close that its engine's caller relies on); the caller's interrupt status is kept.
     * Idempotent.
     */
    @Override
    public void close() {
        executor.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        boolean interrupted = false;
        while (true) {
            try {
                if (!executor.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    LOG.log(Level.WARNING, "the disk compactor did not stop within " + CLOSE_WAIT_SECONDS + " s");
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "DiskCompactor[" + (executor.isShutdown() ? "closed" : "queued=" + executor.getQueue().size()) + "]";
    }
}
