package dev.strata.it.scenario;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Bounds a scenario from the inside: if it is not {@linkplain #close() closed} within its limit, it writes every
 * thread's stack (with the locks each holds and waits for, from {@link java.lang.management.ThreadMXBean}) to standard
 * error and to the report as {@code watchdog.threads}, then halts the JVM with {@link #FIRED}. A deadlock thus ends in
 * a report that shows it instead of a hang.
 *
 * <p>The watchdog waits on a latch, not a sleep: closing it releases its thread at once. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {

    /** Exit code when the watchdog fired. */
    public static final int FIRED = 3;

    private final CountDownLatch done = new CountDownLatch(1);

    private Watchdog() {
    }

    /**
     * Starts a watchdog.
     *
     * @param report where to write the thread dump if it fires
     * @param limit how long the scenario may take
     * @return the watchdog; close it when the guarded work is done
     */
    public static Watchdog start(ScenarioReport report, Duration limit) {
        Watchdog watchdog = new Watchdog();
        Thread.ofPlatform().daemon().name("watchdog").start(() -> watchdog.watch(report, limit));
        return watchdog;
    }

    private void watch(ScenarioReport report, Duration limit) {
        try {
            if (done.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            return;
        }
        String threads = threadDump();
        System.err.println("watchdog: the scenario outlived " + limit + "\n" + threads);
        report.put("watchdog.fired", limit);
        report.put("watchdog.threads", threads);
        Runtime.getRuntime().halt(FIRED);
    }

    /** {@return every live thread's stack with its locks, as text} */
    public static String threadDump() {
        StringBuilder text = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            text.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            if (info.getLockName() != null) {
                text.append(" on ").append(info.getLockName());
            }
            if (info.getLockOwnerName() != null) {
                text.append(" owned by \"").append(info.getLockOwnerName()).append('"');
            }
            text.append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                text.append("    at ").append(frame).append('\n');
            }
        }
        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        text.append("deadlocked threads: ").append(deadlocked == null ? 0 : deadlocked.length).append('\n');
        return text.toString();
    }

    /** Stops the watchdog: the guarded work finished in time. */
    @Override
    public void close() {
        done.countDown();
    }
}
