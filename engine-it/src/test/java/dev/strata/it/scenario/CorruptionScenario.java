package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Damaged segment files (run by {@code CorruptSegmentsIT}) in two steps, each in its own child:
 * <ol>
 *   <li>{@code write}: writes {@value #KEYS} keys once each (values of 100 B to 12 KiB) to a persistent disk-only
 *       cache and closes it cleanly. The test then flips bytes and truncates segment files.
 *   <li>{@code verify}: reopens the cache (a file cut short makes the open scan every record instead of using the
 *       index snapshot the close wrote), reads every key, then flips {@value #FLIPS_WHILE_OPEN} more bytes in the
 *       segment files while the cache is open and reads every key again (now the CRC check on read must catch them).
 *       No read may return a value other than the one written for the key.
 *   <li>{@code verify-snapshot}: reopens the cache from its index snapshot (files damaged in place, none cut short:
 *       the open reads no record) and reads every key; the reads must catch the damage, and return no wrong value.
 * </ol>
 * Facts of {@code verify}: {@code open.found}, {@code open.wrong}, {@code open.logCorrupt} (log messages about corrupt
 * records at recovery), {@code open.logTruncated}, {@code open.logSnapshotRefused}, {@code live.found},
 * {@code live.wrong}, {@code live.errors} (the cache's error counter after the live flips), {@code diskEntries}; of
 * {@code verify-snapshot}: {@code diskEntries}, {@code open.logSnapshotRefused}, {@code open.found},
 * {@code open.wrong}, {@code open.errors}.
 *
 * <p>{@code args}: mode, disk directory. The segment size is small ({@value #QUOTA_MIB} MiB quota, so 1 MiB segments)
 * so the keys span many files.
 */
public final class CorruptionScenario {

    static final long KEYS = 1_000;
    static final int FLIPS_WHILE_OPEN = 200;
    static final long QUOTA_MIB = 16;
    /** What the store logs when it scans instead of using the index snapshot a clean close wrote. */
    private static final String SNAPSHOT_REFUSED = "not using the index snapshot";

    private CorruptionScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args mode ({@code write} or {@code verify}), disk directory
     */
    public static void main(String[] args) {
        Path disk = Path.of(args[1]);
        ScenarioReport.run(report -> {
            switch (args[0]) {
                case "write" -> write(report, disk);
                case "verify" -> verify(report, disk);
                case "verify-snapshot" -> verifySnapshot(report, disk);
                default -> throw new IllegalArgumentException("mode: " + args[0]
                        + " (expected: write, verify or verify-snapshot)");
            }
        });
    }

    private static Engine engine(Path disk) {
        return DurableCaches.engine(disk, DataSize.ofMebibytes(QUOTA_MIB));
    }

    private static void write(ScenarioReport report, Path disk) {
        try (Engine engine = engine(disk); Cache<Long, byte[]> cache = DurableCaches.cache(engine, Tier.DISK)) {
            for (long key = 0; key < KEYS; key++) {
                cache.put(key, DurableCaches.value(key, KEYS));
            }
            report.put("write.diskEntries", cache.size(Tier.DISK));
        }
    }

    private static void verify(ScenarioReport report, Path disk) throws IOException {
        LogCounter corrupt = LogCounter.attach("corrupt");
        LogCounter truncated = LogCounter.attach("torn tail");
        LogCounter unreadable = LogCounter.attach("unreadable");
        LogCounter refused = LogCounter.attach(SNAPSHOT_REFUSED);
        try (Engine engine = engine(disk); Cache<Long, byte[]> cache = DurableCaches.cache(engine, Tier.DISK)) {
            report.put("diskEntries", cache.size(Tier.DISK));
            report.put("open.logSnapshotRefused", refused.count());
            readAll(report, "open", cache);
            report.put("open.logCorrupt", corrupt.count());
            report.put("open.logTruncated", truncated.count() + unreadable.count());
            long errorsBefore = cache.stats().errors();
            flipWhileOpen(cache.name(), disk);
            readAll(report, "live", cache);
            report.put("live.errors", cache.stats().errors() - errorsBefore);
            report.check("live.errorsCounted", cache.stats().errors() > errorsBefore);
            report.check("open.damageDetected", corrupt.count() + truncated.count() + unreadable.count() > 0);
        }
    }

    /**
     * Reopens from the index snapshot the clean close wrote (the files were damaged in place, none cut short), so the
     * open reads no record, then reads every key: the damaged records must be caught by those reads.
     */
    private static void verifySnapshot(ScenarioReport report, Path disk) {
        LogCounter refused = LogCounter.attach(SNAPSHOT_REFUSED);
        try (Engine engine = engine(disk); Cache<Long, byte[]> cache = DurableCaches.cache(engine, Tier.DISK)) {
            report.put("diskEntries", cache.size(Tier.DISK));
            report.put("open.logSnapshotRefused", refused.count());
            report.check("open.fromSnapshot", refused.count() == 0 && cache.size(Tier.DISK) == KEYS);
            readAll(report, "open", cache);
            report.put("open.errors", cache.stats().errors());
            report.check("open.damageCaughtOnRead", cache.stats().errors() > 0);
        }
    }

    private static void readAll(ScenarioReport report, String prefix, Cache<Long, byte[]> cache) {
        long found = 0;
        long wrong = 0;
        for (long key = 0; key < KEYS; key++) {
            byte[] value = cache.get(key);
            if (value != null) {
                found++;
                if (CheckedValue.sequenceOf(key, value) != key || value.length != DurableCaches.valueSize(key)) {
                    wrong++;
                }
            }
        }
        report.put(prefix + ".found", found);
        report.put(prefix + ".wrong", wrong);
        report.check(prefix + ".noWrongValue", wrong == 0);
        report.check(prefix + ".someSurvived", found > 0);
    }

    /** Flips bytes past each file's 16-byte header, with a fixed seed; RandomAccessFile, not NIO (no direct buffers). */
    private static void flipWhileOpen(String cacheName, Path disk) throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.list(disk.resolve(cacheName))) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".data")).sorted().toList();
        }
        Random random = new Random(7);
        for (int flip = 0; flip < FLIPS_WHILE_OPEN; flip++) {
            Path segment = segments.get(random.nextInt(segments.size()));
            try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
                if (file.length() > 32) {
                    long position = 16 + (long) (random.nextDouble() * (file.length() - 16));
                    file.seek(position);
                    int old = file.read();
                    file.seek(position);
                    file.write(old ^ (1 + random.nextInt(255)));
                }
            }
        }
    }
}
