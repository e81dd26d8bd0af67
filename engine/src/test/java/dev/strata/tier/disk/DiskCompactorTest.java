package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link DiskCompactor#close()}: it waits for the task running now even when the closing thread's interrupt status is
 * set (a close from a cancelled task's thread), and keeps that status. The task is let go only once the closing
 * thread is seen waiting, so the test needs no timing.
 */
class DiskCompactorTest {

    private static final long HANG = TimeUnit.MINUTES.toMillis(1);

    @Test
    void anInterruptedCloseStillWaitsForTheRunningTask() throws Exception {
        DiskCompactor compactor = new DiskCompactor("test-compactor");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        compactor.execute(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        });
        assertTrue(started.await(HANG, TimeUnit.MILLISECONDS));
        Thread closer = Thread.currentThread();
        Thread releaser = Thread.ofPlatform().start(() -> {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANG);
            while (closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            release.countDown();
        });
        try {
            closer.interrupt();
            compactor.close();
            assertTrue(finished.get(), "close returned before the running task ended");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept for the caller");
        } finally {
            Thread.interrupted();
            release.countDown();
            releaser.join(HANG);
        }
        assertFalse(releaser.isAlive());
        assertThrows(RejectedExecutionException.class, () -> compactor.execute(() -> { }), "closed");
    }
}
