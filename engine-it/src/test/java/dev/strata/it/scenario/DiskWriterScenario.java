package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.cache.Cache;
import java.nio.file.Path;

/**
 * Writes to a persistent cache until it is killed (run by {@code KillAndRecoverIT}, which kills it with
 * {@code SIGKILL} once enough writes are acknowledged). Write {@code i} puts key {@code i % keys} with sequence
 * {@code i} (see {@link DurableCaches}); after every {@value #ACK_EVERY} writes it prints {@code ack N}: writes
 * {@code 0..N-1} have returned. The loop is bounded ({@value #MAX_WRITES} writes, far more than the test waits for);
 * a writer that gets there prints {@code done} and exits, which the test treats as a failure to kill it mid-write.
 *
 * <p>{@code args}: disk directory, tiers (e.g. {@code DISK} or {@code OFF_HEAP,DISK}), key count, and optionally
 * {@code expiring}: then the cache has a time to live and a {@link StepClock} that reads
 * {@code CLOCK_START + i} during write {@code i}.
 */
public final class DiskWriterScenario {

    /** Writes between two acknowledgement lines. */
    public static final int ACK_EVERY = 100;
    static final long MAX_WRITES = 5_000_000;

    private DiskWriterScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args disk directory, tiers, key count, optionally {@code expiring}
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            long keys = Long.parseLong(args[2]);
            boolean expiring = args.length > 3 && args[3].equals("expiring");
            StepClock clock = new StepClock(DurableCaches.CLOCK_START);
            try (Engine engine = DurableCaches.engine(Path.of(args[0]), DataSize.ofGibibytes(1));
                 Cache<Long, byte[]> cache = expiring
                         ? DurableCaches.expiringCache(engine, clock, DurableCaches.tiers(args[1]))
                         : DurableCaches.cache(engine, DurableCaches.tiers(args[1]))) {
                report.put("writer.started", true);
                for (long write = 0; write < MAX_WRITES; write++) {
                    clock.set(DurableCaches.CLOCK_START + write);
                    cache.put(write % keys, DurableCaches.value(write, keys));
                    if ((write + 1) % ACK_EVERY == 0) {
                        System.out.println("ack " + (write + 1));
                        System.out.flush();
                    }
                }
            }
            System.out.println("done");
        });
    }
}
