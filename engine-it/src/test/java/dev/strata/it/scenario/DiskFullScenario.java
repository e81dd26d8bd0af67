package dev.strata.it.scenario;

import static dev.strata.it.scenario.Caught.thrownBy;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.file.Path;

/**
 * A disk that fills up under a heap + off-heap + disk cache (run by {@code DiskFullIT}), in one of two ways:
 * <ul>
 *   <li>{@code quota}: the engine's disk quota is 1 MiB, far below what is written; the quota refuses, the disk tier
 *       drops its oldest entries (counted as evictions) and never holds more than the quota;
 *   <li>{@code fsize}: the quota is 1 GiB but the child runs under {@code prlimit --fsize} (no file may grow past
 *       1 MiB, a real {@code EFBIG} from the kernel, as from a full disk): writes to the disk fail with
 *       {@code IOException}, which the cache counts as errors and logs;
 *   <li>{@code fsize-disk}: the same limit under a cache with a disk tier alone, whose newest records wait in memory
 *       until a 64 KiB run of them is written: a write that fails loses its run, as evictions would.
 * </ul>
 * Either way the engine keeps serving from memory: no operation throws, the {@value #RECENT} most recently written
 * keys (which fit in memory) read back exactly, and every value returned is the one written for its key. The disk-only
 * cache keeps serving from disk: no operation throws, no value is wrong, the keys it returns are exactly the entries
 * it counts, and some were lost. Facts: {@code write.thrown}, {@code read.thrown}, {@code recent.missing},
 * {@code all.found}, {@code wrong}, {@code errors}, {@code diskEvictions}, {@code diskEntries}, {@code diskUsed},
 * {@code diskQuota}, {@code memoryHits}.
 *
 * <p>{@code args}: mode, disk directory.
 */
public final class DiskFullScenario {

    static final int VALUE_SIZE = 4 * 1024;
    static final long ENTRIES = 16_384;
    static final long RECENT = 1_000;

    private DiskFullScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args mode ({@code quota}, {@code fsize} or {@code fsize-disk}), disk directory
     */
    public static void main(String[] args) {
        DataSize quota = args[0].equals("quota") ? DataSize.ofMebibytes(1) : DataSize.ofGibibytes(1);
        boolean diskOnly = args[0].equals("fsize-disk");
        ScenarioReport.run(report -> run(report, Path.of(args[1]), quota, diskOnly));
    }

    private static void run(ScenarioReport report, Path disk, DataSize quota, boolean diskOnly) {
        Tier[] tiers = diskOnly ? new Tier[] {Tier.DISK} : new Tier[] {Tier.HEAP, Tier.OFF_HEAP, Tier.DISK};
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA).disk(disk, quota).build();
             Cache<Long, byte[]> cache = engine.newCache("disk-full", Codecs.int64(), Codecs.bytes())
                     .tiers(tiers).build()) {
            Throwable onWrite = thrownBy(() -> {
                for (long key = 0; key < ENTRIES; key++) {
                    cache.put(key, CheckedValue.of(key, key, VALUE_SIZE));
                }
            });
            long[] recentMissingFoundWrong = new long[3];
            Throwable onRead = thrownBy(() -> {
                for (long key = ENTRIES - 1; key >= 0; key--) {
                    byte[] value = cache.get(key);
                    if (value == null) {
                        recentMissingFoundWrong[0] += key >= ENTRIES - RECENT ? 1 : 0;
                    } else {
                        recentMissingFoundWrong[1]++;
                        recentMissingFoundWrong[2] += CheckedValue.sequenceOf(key, value) == key ? 0 : 1;
                    }
                }
            });
            CacheStats stats = cache.stats();
            long memoryHits = diskOnly ? 0 : stats.tier(Tier.HEAP).hits() + stats.tier(Tier.OFF_HEAP).hits();
            long diskUsed = engine.stats().diskUsedBytes();
            report.putThrown("write", onWrite);
            report.putThrown("read", onRead);
            report.put("recent.missing", recentMissingFoundWrong[0]);
            report.put("all.found", recentMissingFoundWrong[1]);
            report.put("wrong", recentMissingFoundWrong[2]);
            report.put("errors", stats.errors());
            report.put("diskEvictions", stats.tier(Tier.DISK).evictions());
            report.put("diskEntries", stats.tier(Tier.DISK).entries());
            report.put("diskUsed", diskUsed);
            report.put("diskQuota", quota.bytes());
            report.put("memoryHits", memoryHits);
            report.check("noThrow", onWrite == null && onRead == null);
            report.check("noWrongValue", recentMissingFoundWrong[2] == 0);
            report.check("diskWithinQuota", diskUsed <= quota.bytes());
            if (diskOnly) {
                long found = recentMissingFoundWrong[1];
                report.check("foundAreTheEntries", found == stats.tier(Tier.DISK).entries());
                report.check("someLostSomeKept", found > 0 && found < ENTRIES);
            } else {
                report.check("recentServedFromMemory", recentMissingFoundWrong[0] == 0 && memoryHits >= RECENT);
            }
        }
    }
}
