package dev.strata.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waiting on a latch in a test: with a bound far above any wait a working build needs, so that a bug which leaves a
 * latch shut fails the test with a message instead of hanging the build. The bound is a guard against hangs, not a
 * timing the test asserts.
 */
public final class Latches {

    /** How long {@link #await} waits before it fails the test. */
    public static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private Latches() {
    }

    /**
     * Waits until {@code latch} is open.
     *
     * @param latch the latch
     * @param what  what the latch waits for, for the failure message
     * @throws AssertionError if it stays shut for {@link #HANG_GUARD}, or the thread is interrupted (its interrupt
     *                        flag is set again)
     */
    public static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError(what + ": not after " + HANG_GUARD.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
    }
}
