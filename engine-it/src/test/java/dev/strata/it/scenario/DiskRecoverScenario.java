package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import java.nio.file.Path;

/**
 * Reopens the persistent cache a killed {@link DiskWriterScenario} left behind and reads every key (run by
 * {@code KillAndRecoverIT}). For each key the value must be intact and one that was written for that key
 * ({@link CheckedValue}); its sequence must be one of that key's writes, and, when {@code mustKeepAcknowledged}, no
 * older than the key's last write acknowledged before the kill. Then the recovered store must keep working: new
 * writes to every 10th key read back.
 *
 * <p>Facts: {@code recover.diskEntries}, {@code recover.found}, {@code recover.missing}, {@code recover.corrupt}
 * (values not intact or not of that key), {@code recover.foreign} (sequence not a write of that key),
 * {@code recover.olderThanAcked}, {@code recover.newerThanAcked}, {@code recover.rewriteMismatches},
 * {@code recover.logSnapshotRefused} (log messages of an index snapshot the open did not use).
 *
 * <p>{@code args}: disk directory, tiers, key count, writes acknowledged, {@code true} if acknowledged writes must
 * all survive.
 */
public final class DiskRecoverScenario {

    private DiskRecoverScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args disk directory, tiers, key count, writes acknowledged, whether acknowledged writes must survive
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            long keys = Long.parseLong(args[2]);
            long acked = Long.parseLong(args[3]);
            boolean mustKeepAcknowledged = Boolean.parseBoolean(args[4]);
            LogCounter refused = LogCounter.attach("not using the index snapshot");
            try (Engine engine = DurableCaches.engine(Path.of(args[0]), DataSize.ofGibibytes(1));
                 Cache<Long, byte[]> cache = DurableCaches.cache(engine, DurableCaches.tiers(args[1]))) {
                report.put("recover.diskEntries", cache.size(Tier.DISK));
                report.put("recover.logSnapshotRefused", refused.count());
                long[] counts = new long[6];   // found, missing, corrupt, foreign, older, newer
                for (long key = 0; key < keys; key++) {
                    classify(key, keys, acked, cache.get(key), counts);
                }
                String[] names = {"found", "missing", "corrupt", "foreign", "olderThanAcked", "newerThanAcked"};
                for (int i = 0; i < names.length; i++) {
                    report.put("recover." + names[i], counts[i]);
                }
                report.check("recover.noCorruptValue", counts[2] == 0 && counts[3] == 0);
                report.check("recover.foundValues", counts[0] > 0);
                if (mustKeepAcknowledged) {
                    report.check("recover.keptEveryAcknowledgedWrite", counts[1] == 0 && counts[4] == 0);
                }
                long mismatches = rewrite(cache, keys);
                report.put("recover.rewriteMismatches", mismatches);
                report.check("recover.storeKeepsWorking", mismatches == 0);
            }
        });
    }

    private static void classify(long key, long keys, long acked, byte[] value, long[] counts) {
        if (value == null) {
            counts[1]++;
            return;
        }
        counts[0]++;
        long sequence = CheckedValue.sequenceOf(key, value);
        if (sequence == CheckedValue.INVALID) {
            counts[2]++;
        } else if (sequence % keys != key || value.length != DurableCaches.valueSize(sequence)) {
            counts[3]++;
        } else {
            long lastAcked = DurableCaches.lastWrite(key, keys, acked);
            if (sequence < lastAcked) {
                counts[4]++;
            } else if (sequence > lastAcked) {
                counts[5]++;
            }
        }
    }

    /** Writes fresh values to every 10th key; {@return how many did not read back} */
    private static long rewrite(Cache<Long, byte[]> cache, long keys) {
        long mismatches = 0;
        for (long key = 0; key < keys; key += 10) {
            byte[] value = CheckedValue.of(key, (1L << 40) + key, 512);
            cache.put(key, value);
            if (!java.util.Arrays.equals(value, cache.get(key))) {
                mismatches++;
            }
        }
        return mismatches;
    }
}
