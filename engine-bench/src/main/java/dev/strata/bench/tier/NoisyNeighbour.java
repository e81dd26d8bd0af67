package dev.strata.bench.tier;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.Options;
import dev.strata.bench.workload.ZipfianIndices;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a cache that floods the engine with one-off entries costs another cache of the same engine, and what a maximum
 * size on the flooding cache ({@code Cache.Builder.maximumSize}) gives back (not a JMH benchmark: it counts hits).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.tier.NoisyNeighbour [--requests N] [--keys N]
 *     [--value BYTES] [--flood-value BYTES] [--heap MIB] [--flood-maximum MIB] [--tier TIER] [--idle-after MS]
 * </pre>
 *
 * <p>Two heap-only caches share an engine with a {@code --heap} MiB region (default 32). {@code sessions} is read
 * cache-aside: {@code --requests} gets (default 2,000,000) of {@code --keys} keys (default 200,000) under a Zipf 0.99
 * law, each miss followed by a put of a {@code --value}-byte value (default 200). {@code flood} takes one put of a new
 * key with a {@code --flood-value}-byte value (default 1,024) after every get of {@code sessions}, none of them read
 * again: a log, an import, a cache of one-off results. Five setups, each on a new engine with the same requests:
 * {@code sessions} alone; beside {@code flood}; beside {@code flood} with a maximum size of {@code --flood-maximum}
 * MiB (default 4); beside {@code idle}, a cache filled with twice the region in such entries before the first get and
 * not used after (a cache a service stopped using, whose entries nobody reads); and beside {@code idle} with that
 * maximum. {@code --tier OFF_HEAP} keeps both caches' entries off the heap instead, in an off-heap region of the same
 * size, and {@code --tier DISK} on disk, under a disk quota of that size (files under {@code target/bench-disk},
 * deleted afterwards). {@code --idle-after} sets the engine's {@code idleCacheAfter} in milliseconds (default: the
 * engine's, a minute, longer than a run): from then on a cache none of whose entries was read for that long has no
 * share, so {@code sessions} takes what {@code idle} holds, and what {@code flood} holds too, whose entries nobody
 * reads. Prints {@code sessions}' hit ratio and what each cache holds at the end.
 */
public final class NoisyNeighbour {

    private NoisyNeighbour() {
    }

    /**
     * Runs the five setups and prints what each measured.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        Map<String, String> options = Options.parse(args,
                "--requests N, --keys N, --value BYTES, --flood-value BYTES, --heap MIB, --flood-maximum MIB, "
                        + "--tier HEAP|OFF_HEAP|DISK, --idle-after MS");
        int requests = Integer.parseInt(options.getOrDefault("--requests", "2000000"));
        int keys = Integer.parseInt(options.getOrDefault("--keys", "200000"));
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "200"));
        int floodValueSize = Integer.parseInt(options.getOrDefault("--flood-value", "1024"));
        DataSize region = DataSize.ofMebibytes(Long.parseLong(options.getOrDefault("--heap", "32")));
        Tier tier = Tier.valueOf(options.getOrDefault("--tier", "HEAP"));
        DataSize floodMaximum = DataSize.ofMebibytes(Long.parseLong(options.getOrDefault("--flood-maximum", "4")));
        Duration idleAfter = options.containsKey("--idle-after")
                ? Duration.ofMillis(Long.parseLong(options.get("--idle-after"))) : null;
        int[] trace = new int[requests];
        ZipfianIndices zipf = new ZipfianIndices(keys, ZipfianIndices.DEFAULT_EXPONENT, 42);
        for (int i = 0; i < requests; i++) {
            trace[i] = zipf.next();
        }
        System.out.printf(Locale.ROOT, "%,d gets of %,d keys (Zipf 0.99), %d B values; flood: one put of %d B per get; "
                + "%s region %s; idle after %s%n", requests, keys, valueSize, floodValueSize, tier, region,
                idleAfter == null ? "the engine's default" : idleAfter);
        System.out.println("| setup | sessions hit ratio | sessions holds | the other cache holds |");
        System.out.println("|---|---:|---:|---:|");
        run("sessions alone", trace, valueSize, floodValueSize,
                new Setup(tier, region, Neighbour.NONE, null, idleAfter));
        for (Neighbour neighbour : List.of(Neighbour.FLOOD, Neighbour.IDLE)) {
            String name = neighbour.name().toLowerCase(Locale.ROOT);
            run("beside " + name, trace, valueSize, floodValueSize,
                    new Setup(tier, region, neighbour, null, idleAfter));
            run("beside " + name + ", its maximum " + floodMaximum, trace, valueSize, floodValueSize,
                    new Setup(tier, region, neighbour, floodMaximum, idleAfter));
        }
    }

    /** The cache beside {@code sessions}. */
    private enum Neighbour {
        /** None. */
        NONE,
        /** Takes a new entry after every get of {@code sessions}. */
        FLOOD,
        /** Filled before the first get, then left alone. */
        IDLE
    }

    /**
     * One setup: the tier both caches keep their entries in, its region, the other cache and its maximum (or null), and
     * the engine's idle time (or null for its default).
     */
    private record Setup(Tier tier, DataSize region, Neighbour neighbour, DataSize maximum, Duration idleAfter) {

        Engine engine(Path directory) {
            Engine.Builder builder = Engine.builder().name("noisy-neighbour");
            if (idleAfter != null) {
                builder.idleCacheAfter(idleAfter);
            }
            return switch (tier) {
                case HEAP -> builder.heap(region).build();
                case OFF_HEAP -> builder.heap(DataSize.ofMebibytes(16)).offHeap(region, OffHeapBackend.ARENA).build();
                case DISK -> builder.heap(DataSize.ofMebibytes(16)).disk(directory, region).build();
            };
        }

        Cache<Integer, byte[]> cache(Engine engine, String name, DataSize maximum) {
            Cache.Builder<Integer, byte[]> builder = engine.newCache(name, Codecs.int32(), Codecs.bytes()).tiers(tier);
            return maximum == null ? builder.build() : builder.maximumSize(tier, maximum).build();
        }
    }

    private static void run(String setup, int[] trace, int valueSize, int floodValueSize, Setup with) {
        byte[] value = new byte[valueSize];
        byte[] floodValue = new byte[floodValueSize];
        Path directory = BenchFiles.newScratchDirectory("strata-noisy-neighbour-");
        try (Engine engine = with.engine(directory);
             Cache<Integer, byte[]> sessions = with.cache(engine, "sessions", null);
             Cache<Integer, byte[]> other = with.neighbour() == Neighbour.NONE ? null
                     : with.cache(engine, with.neighbour().name().toLowerCase(Locale.ROOT), with.maximum())) {
            Cache<Integer, byte[]> flood = with.neighbour() == Neighbour.FLOOD ? other : null;
            if (with.neighbour() == Neighbour.IDLE) {
                for (int i = 0; i < 2 * with.region().bytes() / floodValueSize; i++) {
                    other.put(i, floodValue);
                }
            }
            long hits = 0;
            for (int i = 0; i < trace.length; i++) {
                int key = trace[i];
                if (sessions.get(key) != null) {
                    hits++;
                } else {
                    sessions.put(key, value);
                }
                if (flood != null) {
                    flood.put(i, floodValue);
                }
            }
            System.out.printf(Locale.ROOT, "| %s | %.2f%% | %,d entries, %s | %s |%n", setup, 100.0 * hits
                    / trace.length, sessions.size(), DataSize.format(sessions.bytes(with.tier())), other == null
                    ? "-" : String.format(Locale.ROOT, "%,d entries, %s", other.size(),
                    DataSize.format(other.bytes(with.tier()))));
        } finally {
            BenchFiles.deleteQuietly(directory);
        }
    }
}
