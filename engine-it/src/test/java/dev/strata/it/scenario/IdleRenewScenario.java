package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.cache.Cache;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Writes every key of a persistent cache with a time to idle, then reads every even key once its deadline is due for
 * renewal, and waits to be killed (run by {@code KillAndRecoverIT}, which kills it with {@code SIGKILL} as soon as it
 * prints {@code ack N}, N the key count: every put and read has returned). The clock is a {@link StepClock}: the puts
 * run at {@code CLOCK_START}, the reads {@value #READ_AFTER_MILLIS} ms later, past a sixteenth of the time to idle,
 * so each read renews its key's deadline to {@code CLOCK_START + READ_AFTER_MILLIS + TTL_MILLIS} where the key lies:
 * on disk by writing its record again, off the heap in place (lost with the process). Nothing is closed: the kill
 * leaves the files as a crash would.
 *
 * <p>It reports nothing (the kill comes first); what it did shows in what the restart finds. {@code args}: disk
 * directory, tiers, key count.
 */
public final class IdleRenewScenario {

    /** When the even keys are read, after their puts. */
    public static final long READ_AFTER_MILLIS = 4_000;

    private IdleRenewScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args disk directory, tiers, key count
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            long keys = Long.parseLong(args[2]);
            StepClock clock = new StepClock(DurableCaches.CLOCK_START);
            Engine engine = DurableCaches.engine(Path.of(args[0]), DataSize.ofGibibytes(1));
            Cache<Long, byte[]> cache = DurableCaches.idleCache(engine, clock, DurableCaches.tiers(args[1]));
            for (long key = 0; key < keys; key++) {
                cache.put(key, DurableCaches.value(key, keys));
            }
            clock.set(DurableCaches.CLOCK_START + READ_AFTER_MILLIS);
            for (long key = 0; key < keys; key += 2) {
                cache.get(key);                        // a hit renews; a miss here shows as a renewed key missing
            }
            System.out.println("ack " + keys);
            System.out.flush();
            new CountDownLatch(1).await();             // until killed: no close, no snapshot
        });
    }
}
