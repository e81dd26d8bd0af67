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

/**
 * How soon a disk-only cache whose time to live differs per entry gives back the disk space of the entries that
 * expire, when nothing reads them: only the engine's expiry sweeper and compactor act (not a JMH benchmark: it watches
 * one cache on the wall clock).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.disk.ExpiredDiskSpace [--entries N] [--value BYTES]
 *     [--short-ttl MS] [--watch S] [--quota MIB]
 * </pre>
 *
 * <p>Puts {@code --entries} {@code int} keys (default 150,000) with values of {@code --value} bytes (default 1,024)
 * into a cache built with {@code expireAfterWrite((key, value) -> ...)}: two keys of three live {@code --short-ttl}
 * milliseconds (default 3,000), the third an hour, interleaved, as a cache of sessions or tokens of mixed lifetimes
 * would hold them. Then, every half second for {@code --watch} seconds (default 20), it prints the entries the disk
 * tier holds, its expirations, and the bytes of the files under the cache's directory (segments, spare files and the
 * rest, by their sizes, as {@code du --apparent-size} counts them). {@code --quota} is the engine's disk quota in MiB
 * (default 256: 16 MiB segments). The files are under {@code target/bench-disk} and deleted afterwards.
 */
public final class ExpiredDiskSpace {

    private static final Duration LONG_TTL = Duration.ofHours(1);

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
                "--entries N, --value BYTES, --short-ttl MS, --watch S, --quota MIB");
        int entries = Integer.parseInt(options.getOrDefault("--entries", "150000"));
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "1024"));
        Duration shortTtl = Duration.ofMillis(Long.parseLong(options.getOrDefault("--short-ttl", "3000")));
        int watchSeconds = Integer.parseInt(options.getOrDefault("--watch", "20"));
        DataSize quota = DataSize.ofMebibytes(Long.parseLong(options.getOrDefault("--quota", "256")));
        byte[] value = new byte[valueSize];
        new SplittableRandom(1).nextBytes(value);
        Path directory = BenchFiles.newScratchDirectory("strata-expired-space-");
        try (Engine engine = Engine.builder().name("expired-space").heap(DataSize.ofMebibytes(64))
                .disk(directory, quota).build();
             Cache<Integer, byte[]> cache = engine.newCache("mixed", Codecs.int32(), Codecs.bytes()).tiers(Tier.DISK)
                     .expireAfterWrite((key, unused) -> key % 3 == 2 ? LONG_TTL : shortTtl).build()) {
            long start = System.nanoTime();
            for (int key = 0; key < entries; key++) {
                cache.put(key, value);
            }
            long written = System.nanoTime();
            System.out.printf(Locale.ROOT, "%,d entries of %d B written in %d ms; %,d of them live %d ms, the rest %s%n",
                    entries, valueSize, (written - start) / 1_000_000, entries - entries / 3, shortTtl.toMillis(),
                    LONG_TTL);
            for (int tick = 0; tick <= 2 * watchSeconds; tick++) {
                long wake = written + tick * 500_000_000L;
                Thread.sleep(Math.max(0, (wake - System.nanoTime()) / 1_000_000));
                CacheStats.TierStats disk = cache.stats().tier(Tier.DISK);
                System.out.printf(Locale.ROOT, "+%5.1f s: %,9d entries on disk, %,9d expirations, files %,13d bytes%n",
                        (System.nanoTime() - written) / 1e9, cache.size(Tier.DISK), disk.expirations(),
                        BenchFiles.bytesUnder(directory));
            }
        } finally {
            BenchFiles.deleteQuietly(directory);
        }
    }
}
