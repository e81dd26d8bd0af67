package dev.strata.tier.disk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Runs one piece of work on several platform threads at once and returns when all of them ended: the store's way to
 * spread a scan over the processors (recovery's segment files, the keys of an index's stripes). The work itself takes
 * its parts from a shared queue or counter.
 *
 * <p>Threads are daemons named {@code <name>-N}. An interrupt of the waiting thread does not cut the work short; it is
 * kept for the caller. The first failure of any thread is rethrown once every thread ended (a thread that fails stops,
 * the others go on with the remaining parts).
 */
final class ParallelWork {

    /** Work that may fail with an I/O error. */
    @FunctionalInterface
    interface Work {
        /** Does this thread's share of the work. @throws IOException if an I/O operation failed */
        void run() throws IOException;
    }

    private ParallelWork() {
    }

    /**
     * Runs {@code work} on {@code threads} new threads and waits for them.
     *
     * @throws IOException the first I/O failure of any thread, after all ended
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    static void run(String name, int threads, Work work) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: at least 1)");
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(Thread.ofPlatform().name(name + "-" + i).daemon().start(() -> {
                try {
                    work.run();
                } catch (IOException | RuntimeException | Error e) {
                    failures.add(e);
                }
            }));
        }
        joinAll(workers);
        Throwable failure = failures.peek();
        switch (failure) {
            case null -> { }
            case IOException io -> throw io;
            case RuntimeException runtime -> throw runtime;
            case Error error -> throw error;
            default -> throw new IllegalStateException(name + " failed", failure);
        }
    }

    private static void joinAll(List<Thread> workers) {
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
