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
 * How long a persistent disk-only cache takes to reopen, and the heap it then holds per entry (not a JMH benchmark:
 * one open is one measurement).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.disk.ReopenTime [--entries N] [--value BYTES]
 *     [--opens N]
 * </pre>
 *
 * <p>Fills a cache of {@code int} keys and values of one size (default 2,684,354 entries of 100 B, 256 MiB of
 * values) under {@code target/bench-disk}, closes it, then opens it again {@code --opens} times (default 3), each
 * time in a new engine: the time from {@code build()} of the engine to the cache's return (recovery of the store's
 * index from its files: the cache keeps nothing of its own per disk entry), a check that the last key reads back,
 * and after the last open the used heap after three {@code System.gc()} divided by the entries (the whole JVM: the
 * disk index and whatever else is live, so it over- rather than under-states). The files are in the OS page cache, so
 * this is the CPU side of a restart, not the device's.
 */
public final class ReopenTime {

    private ReopenTime() {
    }

    /**
     * Runs the measurement and prints one line per open.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        Map<String, String> options = Options.parse(args, "--entries N, --value BYTES, --opens N");
        int entries = Integer.parseInt(options.getOrDefault("--entries", "2684354"));
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "100"));
        int opens = Integer.parseInt(options.getOrDefault("--opens", "3"));
        byte[] value = new byte[valueSize];
        new SplittableRandom(1).nextBytes(value);
        Path directory = BenchFiles.newScratchDirectory("strata-reopen-");
        try {
            try (Engine engine = engine(directory); Cache<Integer, byte[]> cache = cache(engine)) {
                for (int key = 0; key < entries; key++) {
                    cache.put(key, value);
                }
            }
            for (int open = 1; open <= opens; open++) {
                long start = System.nanoTime();
                try (Engine engine = engine(directory); Cache<Integer, byte[]> cache = cache(engine)) {
                    long nanos = System.nanoTime() - start;
                    if (!Arrays.equals(value, cache.get(entries - 1)) || cache.size() != entries) {
                        throw new IllegalStateException("the reopened cache lost entries: " + cache.size());
                    }
                    System.out.printf(Locale.ROOT, "open %d: %,d entries of %d B in %d ms, %.2f us per entry%n",
                            open, entries, valueSize, nanos / 1_000_000, nanos / 1e3 / entries);
                    if (open == opens) {
                        System.out.printf(Locale.ROOT, "heap used after GC: %.0f B per entry%n",
                                usedHeapAfterGc() / (double) entries);
                    }
                }
            }
        } finally {
            BenchFiles.deleteQuietly(directory);
        }
    }

    private static Engine engine(Path directory) {
        return Engine.builder().name("reopen").heap(DataSize.ofMebibytes(64))
                .disk(directory, DataSize.ofGibibytes(16)).build();
    }

    private static Cache<Integer, byte[]> cache(Engine engine) {
        return engine.newCache("reopen", Codecs.int32(), Codecs.bytes()).tiers(Tier.DISK).persistent(true).build();
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
