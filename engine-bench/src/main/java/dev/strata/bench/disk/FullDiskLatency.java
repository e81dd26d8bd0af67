package dev.strata.bench.disk;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.Options;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The time of each put into a disk-only cache whose quota is full, so that the disk tier evicts all the time (not a
 * JMH benchmark: it reports the spread of single puts, where eviction's cost shows).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.disk.FullDiskLatency [--quota MIB] [--value BYTES]
 *     [--puts N] [--persistent true|false]
 * </pre>
 *
 * <p>One thread puts new {@code long} keys with values of one size (default 1 KiB) into a cache with a disk quota of
 * {@code --quota} MiB (default 64) under {@code target/bench-disk}: first enough to fill the quota twice (not
 * timed), then {@code --puts} more (default 500,000), each timed with {@code System.nanoTime}. Prints puts per second
 * and the 50th, 99th, 99.9th and 99.99th percentiles and the maximum of the timed puts, and the disk evictions they
 * caused. The files are in the OS page cache.
 */
public final class FullDiskLatency {

    private FullDiskLatency() {
    }

    /**
     * Runs the measurement and prints its lines.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        Map<String, String> options = Options.parse(args, "--quota MIB, --value BYTES, --puts N, --persistent BOOL");
        long quota = DataSize.ofMebibytes(Long.parseLong(options.getOrDefault("--quota", "64"))).bytes();
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "1024"));
        int puts = Integer.parseInt(options.getOrDefault("--puts", "500000"));
        boolean persistent = Boolean.parseBoolean(options.getOrDefault("--persistent", "false"));
        byte[] value = new byte[valueSize];
        new SplittableRandom(1).nextBytes(value);
        Path directory = BenchFiles.newScratchDirectory("strata-full-disk-");
        try (Engine engine = Engine.builder().name("full-disk").heap(DataSize.ofMebibytes(64))
                .disk(directory, DataSize.ofBytes(quota)).build();
             Cache<Long, byte[]> cache = engine.newCache("full", Codecs.int64(), Codecs.bytes()).tiers(Tier.DISK)
                     .persistent(persistent).build()) {
            long key = 0;
            for (long filled = 0; filled < 2 * quota; filled += valueSize) {
                cache.put(key++, value);
            }
            long evictedBefore = cache.stats().tier(Tier.DISK).evictions();
            long[] nanos = new long[puts];
            long start = System.nanoTime();
            for (int i = 0; i < puts; i++) {
                long t0 = System.nanoTime();
                cache.put(key++, value);
                nanos[i] = System.nanoTime() - t0;
            }
            long elapsed = System.nanoTime() - start;
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "%,d puts of %d B into a full %d MiB quota (persistent: %b): %.0f puts/s, "
                            + "%,d entries evicted meanwhile%n", puts, valueSize, quota >> 20, persistent,
                    puts / (elapsed / 1e9), cache.stats().tier(Tier.DISK).evictions() - evictedBefore);
            System.out.printf(Locale.ROOT, "put time: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, p99.99 %.1f us, "
                            + "max %.1f ms%n", at(nanos, 0.5) / 1e3, at(nanos, 0.99) / 1e3, at(nanos, 0.999) / 1e3,
                    at(nanos, 0.9999) / 1e3, nanos[nanos.length - 1] / 1e6);
        } finally {
            BenchFiles.deleteQuietly(directory);
        }
    }

    private static long at(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
    }
}
