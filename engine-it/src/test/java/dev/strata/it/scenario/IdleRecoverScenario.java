package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.cache.Cache;
import java.nio.file.Path;

/**
 * Reopens the persistent cache with a time to idle that a killed {@link IdleRenewScenario} left behind, with the clock
 * past the deadlines of its puts but before those its reads renewed ({@code CLOCK_START + TTL_MILLIS +
 * READ_AFTER_MILLIS / 2}), and reads every key (run by {@code KillAndRecoverIT}). An odd key was never read, so it
 * must be absent: no record from before a renewal may pass for a live one. An even key was read and renewed; with the
 * disk as the only tier its renewed record must have survived the kill, intact and of its key.
 *
 * <p>Facts: {@code idle.renewedFound}, {@code idle.renewedMissing}, {@code idle.unreadAbsent},
 * {@code idle.unreadReturned} (an odd key past its deadline came back), {@code idle.corrupt}, {@code idle.foreign}.
 *
 * <p>{@code args}: disk directory, tiers, key count, {@code true} if every renewed key must survive.
 */
public final class IdleRecoverScenario {

    private IdleRecoverScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args disk directory, tiers, key count, whether every renewed key must survive
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            long keys = Long.parseLong(args[2]);
            boolean mustKeepRenewed = Boolean.parseBoolean(args[3]);
            StepClock clock = new StepClock(DurableCaches.CLOCK_START + DurableCaches.TTL_MILLIS
                    + IdleRenewScenario.READ_AFTER_MILLIS / 2);
            try (Engine engine = DurableCaches.engine(Path.of(args[0]), DataSize.ofGibibytes(1));
                 Cache<Long, byte[]> cache = DurableCaches.idleCache(engine, clock, DurableCaches.tiers(args[1]))) {
                long[] counts = new long[6];   // in the order of the names below
                for (long key = 0; key < keys; key++) {
                    classify(key, keys, cache.get(key), counts);
                }
                String[] names = {"renewedFound", "renewedMissing", "unreadAbsent", "unreadReturned", "corrupt",
                    "foreign"};
                for (int i = 0; i < names.length; i++) {
                    report.put("idle." + names[i], counts[i]);
                }
                report.check("idle.noExpiredValue", counts[3] == 0);
                report.check("idle.noCorruptValue", counts[4] == 0 && counts[5] == 0);
                report.check("idle.renewedFound", counts[0] > 0);
                if (mustKeepRenewed) {
                    report.check("idle.keptEveryRenewal", counts[1] == 0);
                }
            }
        });
    }

    private static void classify(long key, long keys, byte[] value, long[] counts) {
        boolean renewed = key % 2 == 0;
        if (value == null) {
            counts[renewed ? 1 : 2]++;
            return;
        }
        long sequence = CheckedValue.sequenceOf(key, value);
        if (sequence == CheckedValue.INVALID) {
            counts[4]++;
        } else if (sequence != key || value.length != DurableCaches.valueSize(sequence)) {
            counts[5]++;
        } else {
            counts[renewed ? 0 : 3]++;
        }
    }
}
