package dev.strata.tier;

import java.io.Serial;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ReentrantLock} for critical sections of a few list or queue operations: {@link #lock()} tries a few times
 * before it queues. A thread that queues parks, and its release costs the holder an unpark: two system calls and
 * microseconds, for a section that takes well under one. Queuing also allocates the waiter's node, so a contended put
 * would allocate; {@code tryLock} allocates nothing.
 *
 * <p>Thread-safe.
 */
final class SpinningLock extends ReentrantLock {

    @Serial
    private static final long serialVersionUID = 1L;
    private static final int TRIES = 64;

    /** Takes the lock, spinning on {@code tryLock} up to {@value #TRIES} times before queuing for it. */
    @Override
    public void lock() {
        for (int tries = 0; tries < TRIES; tries++) {
            if (tryLock()) {
                return;
            }
            Thread.onSpinWait();
        }
        super.lock();
    }
}
