package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import java.nio.file.Path;

/**
 * Puts and removes on a persistent disk-only cache whose disk quota is far smaller than its data, until it is killed
 * (run by {@code EvictAndKillIT}, which kills it with {@code SIGKILL}): the disk tier evicts its oldest segment again
 * and again while keys are written and removed. Operation {@code i} works on key {@code i % keys}: a remove when
 * {@link #isRemove} says so, else a put of write {@code i} (see {@link DurableCaches}); every other operation then
 * reads the key before, so the disk tier's evictions find records read in its probation segments, which move to its
 * main log with new sequences, and records read in its main log, which are copied forward. After every
 * {@value DiskWriterScenario#ACK_EVERY} operations it prints {@code ack N E}: operations {@code 0..N-1} have
 * returned, and the disk tier has evicted {@code E} entries so far.
 *
 * <p>{@code args}: disk directory, key count, disk quota in MiB.
 */
public final class EvictingWriterScenario {

    private EvictingWriterScenario() {
    }

    /** {@return whether operation {@code op} on a key space of {@code keys} is a remove: every third round of keys} */
    static boolean isRemove(long op, long keys) {
        return (op / keys) % 3 == 2;
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args disk directory, key count, quota in MiB
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            long keys = Long.parseLong(args[1]);
            DataSize quota = DataSize.ofMebibytes(Long.parseLong(args[2]));
            try (Engine engine = DurableCaches.engine(Path.of(args[0]), quota);
                 Cache<Long, byte[]> cache = DurableCaches.cache(engine, Tier.DISK)) {
                for (long op = 0; op < DiskWriterScenario.MAX_WRITES; op++) {
                    long key = op % keys;
                    if (isRemove(op, keys)) {
                        cache.remove(key);
                    } else {
                        cache.put(key, DurableCaches.value(op, keys));
                    }
                    if (op % 2 == 1) {
                        cache.get((op - 1) % keys);    // read: moves out of probation when its segment goes
                    }
                    if ((op + 1) % DiskWriterScenario.ACK_EVERY == 0) {
                        System.out.println("ack " + (op + 1) + " " + cache.stats().tier(Tier.DISK).evictions());
                        System.out.flush();
                    }
                }
            }
            System.out.println("done");
        });
    }
}
