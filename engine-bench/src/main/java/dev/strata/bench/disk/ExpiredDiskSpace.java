package dev.strata.bench.disk;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.Options;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * How soon a disk-only cache whose time to live differs per entry gives back the disk space of the entries that
 * expire, when nothing reads them: only the engine's expiry sweeper and compactor act (not a JMH benchmark: it watches
 * one cache on the wall clock); and, under a quota, how many of the entries that live on it keeps.
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.disk.ExpiredDiskSpace [--entries N] [--value BYTES]
 *     [--short-ttl MS] [--long-every N] [--rate PUTS] [--watch S] [--quota MIB]
 * </pre>
 *
 * <p>Puts {@code --entries} {@code int} keys (default 150,000) with values of {@code --value} bytes (default 1,024)
 * into a cache built with {@code expireAfterWrite((key, value) -> ...)}: every {@code --long-every}th key (default 3)
 * lives an hour, the others {@code --short-ttl} milliseconds (default 3,000), interleaved, as a cache of sessions or
 * tokens of mixed lifetimes would hold them; {@code --rate} puts a second (default 0: as fast as it can). Every half
 * second, while it writes and then for {@code --watch} seconds (default 20), it prints the entries the disk tier
 * holds, its expirations, its evictions, and the bytes of the files under the cache's directory (segments, spare files
 * and the rest, by their sizes, as {@code du --apparent-size} counts them); at the end, how many of the keys that live
 * an hour it still holds. {@code --quota} is the engine's disk quota in MiB (default 256: 16 MiB segments). The files
 * are under {@code target/bench-disk} and deleted afterwards.
 */
public final class ExpiredDiskSpace {

    private static final Duration LONG_TTL = Duration.ofHours(1);
    private static final long HALF_SECOND = 500_000_000L;

    private ExpiredDiskSpace() {
    }

    /**
     * Runs the measurement and prints what it saw.
     *
     * @param args see the class comment
     * @throws IOException if the files could not be listed
     * @throws InterruptedException if interrupted while it waits
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = Options.parse(args,
                "--entries N, --value BYTES, --short-ttl MS, --long-every N, --rate PUTS, --watch S, --quota MIB");
        int entries = Integer.parseInt(options.getOrDefault("--entries", "150000"));
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "1024"));
        Duration shortTtl = Duration.ofMillis(Long.parseLong(options.getOrDefault("--short-ttl", "3000")));
        int longEvery = Integer.parseInt(options.getOrDefault("--long-every", "3"));
        int rate = Integer.parseInt(options.getOrDefault("--rate", "0"));
        int watchSeconds = Integer.parseInt(options.getOrDefault("--watch", "20"));
        DataSize quota = DataSize.ofMebibytes(Long.parseLong(options.getOrDefault("--quota", "256")));
        byte[] value = new byte[valueSize];
        new SplittableRandom(1).nextBytes(value);
        Path directory = BenchFiles.newScratchDirectory("strata-expired-space-");
        try (Engine engine = Engine.builder().name("expired-space").heap(DataSize.ofMebibytes(64))
                .disk(directory, quota).build();
             Cache<Integer, byte[]> cache = engine.newCache("mixed", Codecs.int32(), Codecs.bytes()).tiers(Tier.DISK)
                     .expireAfterWrite((key, unused) -> livesLong(key, longEvery) ? LONG_TTL : shortTtl).build()) {
            long start = System.nanoTime();
            long nextReport = start + HALF_SECOND;
            for (int key = 0; key < entries; key++) {
                if (rate > 0) {
                    LockSupport.parkNanos(start + key * 1_000_000_000L / rate - System.nanoTime());
                }
                cache.put(key, value);
                if (System.nanoTime() >= nextReport) {
                    report("writing", start, cache, directory);
                    nextReport += HALF_SECOND;
                }
            }
            long written = System.nanoTime();
            System.out.printf(Locale.ROOT, "%,d entries of %d B written in %d ms; %,d of them live %d ms, the rest "
                    + "%s%n", entries, valueSize, (written - start) / 1_000_000, entries - entries / longEvery,
                    shortTtl.toMillis(), LONG_TTL);
            for (int tick = 0; tick <= 2 * watchSeconds; tick++) {
                Thread.sleep(Math.max(0, (written + tick * HALF_SECOND - System.nanoTime()) / 1_000_000));
                report("after the last put", written, cache, directory);
            }
            int kept = 0;
            for (int key = longEvery - 1; key < entries; key += longEvery) {
                kept += cache.containsKey(key) ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "keys that live an hour: %,d of %,d kept%n", kept, entries / longEvery);
        } finally {
            BenchFiles.deleteQuietly(directory);
        }
    }

    private static boolean livesLong(int key, int longEvery) {
        return key % longEvery == longEvery - 1;
    }

    /** Prints the disk tier's entries, expirations, evictions and file bytes, {@code since} a moment, in seconds. */
    private static void report(String since, long from, Cache<Integer, byte[]> cache, Path directory)
            throws IOException {
        CacheStats.TierStats disk = cache.stats().tier(Tier.DISK);
        System.out.printf(Locale.ROOT, "+%5.1f s %s: %,9d entries on disk, %,9d expirations, %,9d evictions, files "
                        + "%,13d bytes%n", (System.nanoTime() - from) / 1e9, since, cache.size(Tier.DISK),
                disk.expirations(), disk.evictions(), BenchFiles.bytesUnder(directory));
    }
}
