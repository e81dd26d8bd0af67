package dev.strata.it.scenario;

import static dev.strata.it.scenario.Caught.thrownBy;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;

/**
 * The workload of the limit scenarios: writes {@code bytesToWrite} (ten times the engine's memory budget) through a
 * cache as {@link CheckedValue}s under keys {@code 0..n-1}, then reads every key back. A probe runs every
 * {@value #PROBE_EVERY} operations so a scenario can sample the memory it guards while the run goes on.
 *
 * <p>Facts, prefixed {@code work.}: {@code entries}, {@code valueSize}, {@code bytesWritten}, {@code write.thrown},
 * {@code read.thrown}, {@code missing} (keys that read null), {@code wrong} (values not written for their key), and
 * per tier {@code TIER.entries}, {@code TIER.demotions}, {@code TIER.evictions}. Checks: {@code work.noThrowOnWrite},
 * {@code work.noThrowOnRead}, {@code work.everyValueReadBack}, {@code work.spilledDown}. Single-threaded.
 */
final class TenfoldWorkload {

    static final int PROBE_EVERY = 16;

    private TenfoldWorkload() {
    }

    static void run(ScenarioReport report, Cache<Long, byte[]> cache, long bytesToWrite, int valueSize, Runnable probe) {
        long entries = bytesToWrite / valueSize;
        report.put("work.entries", entries);
        report.put("work.valueSize", valueSize);
        report.put("work.bytesWritten", entries * valueSize);
        Throwable onWrite = thrownBy(() -> {
            for (long key = 0; key < entries; key++) {
                cache.put(key, CheckedValue.of(key, key, valueSize));
                if (key % PROBE_EVERY == 0) {
                    probe.run();
                }
            }
        });
        report.putThrown("work.write", onWrite);
        long[] missingAndWrong = new long[2];
        Throwable onRead = thrownBy(() -> {
            for (long key = 0; key < entries; key++) {
                byte[] value = cache.get(key);
                if (value == null) {
                    missingAndWrong[0]++;
                } else if (CheckedValue.sequenceOf(key, value) != key) {
                    missingAndWrong[1]++;
                }
                if (key % PROBE_EVERY == 0) {
                    probe.run();
                }
            }
        });
        probe.run();
        report.putThrown("work.read", onRead);
        for (Throwable thrown : new Throwable[] {onWrite, onRead}) {
            if (thrown != null) {
                thrown.printStackTrace();
            }
        }
        report.put("work.missing", missingAndWrong[0]);
        report.put("work.wrong", missingAndWrong[1]);
        CacheStats stats = cache.stats();
        for (CacheStats.TierStats tier : stats.tiers()) {
            report.put("work." + tier.tier() + ".entries", tier.entries());
            report.put("work." + tier.tier() + ".demotions", tier.demotions());
            report.put("work." + tier.tier() + ".evictions", tier.evictions());
        }
        report.put("work.errors", stats.errors());
        report.check("work.noThrowOnWrite", onWrite == null);
        report.check("work.noThrowOnRead", onRead == null);
        report.check("work.everyValueReadBack", missingAndWrong[0] == 0 && missingAndWrong[1] == 0);
        Tier top = cache.tiers().getFirst();
        report.check("work.spilledDown", stats.tier(top).demotions() > 0);
    }
}
