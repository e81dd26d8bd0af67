package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * A persistent disk-only cache of {@value #KEYS} entries, written in one child and reopened in another whose heap
 * limit leaves no room for a heavier index (run by {@code LargeDiskIndexIT}):
 * <ol>
 *   <li>{@code write}: puts every key once (a {@value #VALUE_BYTES}-byte checked value) and closes the cache.
 *   <li>{@code reopen}: reopens it (the store's recovery: the cache keeps no object per disk entry), reads every
 *       {@value #SAMPLE_STRIDE}th key, and measures the heap the open cache holds: used heap after a full GC, minus
 *       the same before the engine was built, per entry.
 * </ol>
 * Facts of {@code reopen}: {@code diskEntries}, {@code diskIndexBytes} (what the keys are charged in the index),
 * {@code diskIndexLimitBytes}, {@code sampled}, {@code found}, {@code wrong}, {@code heapPerEntry} (bytes),
 * {@code openMillis} (informational, not checked).
 *
 * <p>{@code args}: mode, disk directory.
 */
public final class LargeDiskIndexScenario {

    static final long KEYS = 1_000_000;
    static final int VALUE_BYTES = CheckedValue.MIN_SIZE;
    static final int SAMPLE_STRIDE = 997;
    static final long QUOTA_MIB = 256;

    private LargeDiskIndexScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args mode ({@code write} or {@code reopen}), disk directory
     */
    public static void main(String[] args) {
        Path disk = Path.of(args[1]);
        ScenarioReport.run(report -> {
            switch (args[0]) {
                case "write" -> write(report, disk);
                case "reopen" -> reopen(report, disk);
                default -> throw new IllegalArgumentException("mode: " + args[0] + " (expected: write or reopen)");
            }
        });
    }

    private static Engine engine(Path disk) {
        return DurableCaches.engine(disk, DataSize.ofMebibytes(QUOTA_MIB));
    }

    private static void write(ScenarioReport report, Path disk) {
        try (Engine engine = engine(disk); Cache<Long, byte[]> cache = DurableCaches.cache(engine, Tier.DISK)) {
            for (long key = 0; key < KEYS; key++) {
                cache.put(key, CheckedValue.of(key, key, VALUE_BYTES));
            }
            report.check("write.allOnDisk", cache.size(Tier.DISK) == KEYS);
        }
    }

    private static void reopen(ScenarioReport report, Path disk) {
        long before = usedHeapAfterGc();
        long started = System.nanoTime();
        try (Engine engine = engine(disk); Cache<Long, byte[]> cache = DurableCaches.cache(engine, Tier.DISK)) {
            report.put("openMillis", (System.nanoTime() - started) / 1_000_000);
            report.put("diskEntries", cache.size(Tier.DISK));
            report.put("diskIndexBytes", engine.stats().diskIndexBytes());
            report.put("diskIndexLimitBytes", engine.stats().diskIndexLimitBytes());
            long sampled = 0;
            long found = 0;
            long wrong = 0;
            for (long key = 0; key < KEYS; key += SAMPLE_STRIDE) {
                sampled++;
                byte[] value = cache.get(key);
                if (value != null) {
                    found++;
                    wrong += CheckedValue.sequenceOf(key, value) == key ? 0 : 1;
                }
            }
            report.put("sampled", sampled);
            report.put("found", found);
            report.put("wrong", wrong);
            report.put("heapPerEntry", (usedHeapAfterGc() - before) / KEYS);
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
