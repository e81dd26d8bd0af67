package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.cache.Cache;
import java.nio.file.Path;

/**
 * Reopens the persistent cache with a time to live that a killed {@link DiskWriterScenario} (run {@code expiring})
 * left behind, with the clock set {@code liveWrites} ms before the deadline of the last acknowledged write, and reads
 * every key (run by {@code KillAndRecoverIT}). Write {@code i} was stamped {@code CLOCK_START + i + TTL}, so the
 * keys whose last acknowledged write is among the {@code liveWrites} latest are live and the others have expired,
 * unless a later write the kill cut off survived. No value whose deadline has passed may come back, whatever survived;
 * with the disk as the only tier no live acknowledged write may be missing either.
 *
 * <p>Facts: {@code expiry.found}, {@code expiry.expiredAbsent} (a key whose last acknowledged write expired reads
 * nothing), {@code expiry.liveMissing} (one whose last acknowledged write is live reads nothing), {@code
 * expiry.expiredReturned} (a value past its deadline came back), {@code expiry.olderThanAcked}, {@code
 * expiry.corrupt}, {@code expiry.foreign}.
 *
 * <p>{@code args}: disk directory, tiers, key count, writes acknowledged, live writes (below the key count), {@code
 * true} if live acknowledged writes must all survive.
 */
public final class ExpiringRecoverScenario {

    private ExpiringRecoverScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args disk directory, tiers, key count, writes acknowledged, live writes, whether live acknowledged writes
     *             must survive
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            long keys = Long.parseLong(args[2]);
            long acked = Long.parseLong(args[3]);
            long liveWrites = Long.parseLong(args[4]);
            boolean mustKeepAcknowledged = Boolean.parseBoolean(args[5]);
            long liveAfter = acked - liveWrites;           // a write is live at the check iff its number is above this
            StepClock clock = new StepClock(DurableCaches.CLOCK_START + liveAfter + DurableCaches.TTL_MILLIS);
            try (Engine engine = DurableCaches.engine(Path.of(args[0]), DataSize.ofGibibytes(1));
                 Cache<Long, byte[]> cache = DurableCaches.expiringCache(engine, clock,
                         DurableCaches.tiers(args[1]))) {
                long[] counts = new long[7];
                for (long key = 0; key < keys; key++) {
                    classify(key, keys, acked, liveAfter, cache.get(key), counts);
                }
                String[] names = {"found", "expiredAbsent", "liveMissing", "expiredReturned", "olderThanAcked",
                    "corrupt", "foreign"};
                for (int i = 0; i < names.length; i++) {
                    report.put("expiry." + names[i], counts[i]);
                }
                report.check("expiry.noExpiredValue", counts[3] == 0);
                report.check("expiry.noCorruptValue", counts[5] == 0 && counts[6] == 0);
                report.check("expiry.bothKinds", counts[0] > 0 && counts[1] > 0);
                if (mustKeepAcknowledged) {
                    report.check("expiry.keptEveryLiveAcknowledgedWrite", counts[2] == 0 && counts[4] == 0);
                }
            }
        });
    }

    private static void classify(long key, long keys, long acked, long liveAfter, byte[] value, long[] counts) {
        long lastAcked = DurableCaches.lastWrite(key, keys, acked);
        if (value == null) {
            counts[lastAcked > liveAfter ? 2 : 1]++;
            return;
        }
        counts[0]++;
        long sequence = CheckedValue.sequenceOf(key, value);
        if (sequence == CheckedValue.INVALID) {
            counts[5]++;
        } else if (sequence % keys != key || value.length != DurableCaches.valueSize(sequence)) {
            counts[6]++;
        } else if (sequence <= liveAfter) {
            counts[3]++;
        } else if (sequence < lastAcked) {
            counts[4]++;
        }
    }
}
