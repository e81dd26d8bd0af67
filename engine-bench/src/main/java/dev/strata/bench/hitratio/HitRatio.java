package dev.strata.bench.hitratio;

import dev.strata.bench.workload.Options;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Hit ratios of Strata's eviction against exact LRU, FIFO and Caffeine holding the same number of entries (not a
 * timing benchmark; the figures do not depend on the machine). Each trace ({@link Trace}) is played cache-aside, on
 * one thread, into Strata caches whose tiers are bounded by a memory region; the LRU, FIFO and Caffeine runs of the
 * same trace get as many entries as the Strata cache held on average, so every column answers the same question: with
 * this many entries, how many requests hit?
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.hitratio.HitRatio [--keys N] [--requests N]
 *     [--regions MiB,MiB,...] [--layouts NAME,NAME,...] [--out DIR]
 * </pre>
 *
 * <p>The first quarter of each trace warms the cache and is not counted. Values are 100 bytes, keys {@code int}s.
 * Writes a Markdown table to standard output and to {@code results/<date>-hit-ratio.md}.
 */
public final class HitRatio {

    private static final int VALUE_BYTES = 100;
    private static final long SEED = 42;
    private static final int SAMPLE_EVERY = 1_000;

    /** Which tiers a Strata cache has, and how a region of memory (for the disk: its quota) is split between them. */
    enum Layout {
        HEAP("heap"),
        OFF_HEAP("off-heap"),
        HEAP_OVER_OFF_HEAP("heap + off-heap (¼ + ¾)"),
        DISK("disk"),
        PERSISTENT_DISK("disk, persistent"),
        OFF_HEAP_OVER_DISK("off-heap + disk (¼ + ¾)"),
        HEAP_OVER_DISK("heap + disk (¼ + ¾)"),
        HEAP_OVER_OFF_HEAP_OVER_DISK("heap + off-heap + disk (¼ + ¼ + ½)");

        private final String label;

        Layout(String label) {
            this.label = label;
        }

        StrataPolicy open(long regionBytes, byte[] value) {
            return switch (this) {
                case HEAP -> new StrataPolicy(regionBytes, 0, value);
                case OFF_HEAP -> new StrataPolicy(0, regionBytes, value);
                case HEAP_OVER_OFF_HEAP -> new StrataPolicy(regionBytes / 4, regionBytes - regionBytes / 4, value);
                case DISK -> new StrataPolicy(0, 0, regionBytes, value);
                case PERSISTENT_DISK -> new StrataPolicy(0, 0, regionBytes, true, value);
                case OFF_HEAP_OVER_DISK -> new StrataPolicy(0, regionBytes / 4, regionBytes - regionBytes / 4, value);
                case HEAP_OVER_DISK -> new StrataPolicy(regionBytes / 4, 0, regionBytes - regionBytes / 4, value);
                case HEAP_OVER_OFF_HEAP_OVER_DISK -> new StrataPolicy(regionBytes / 4, regionBytes / 4,
                        regionBytes - regionBytes / 2, value);
            };
        }
    }

    /** One policy's run of a trace: its hit ratio over the counted requests and the entries it held on average. */
    record Run(double hitRatio, double meanEntries) {
    }

    private HitRatio() {
    }

    /**
     * Runs every trace, layout and region; see the class comment.
     *
     * @param args {@code --keys} (default 200000), {@code --requests} (default 4000000), {@code --regions} (MiB,
     *             default {@code 1,4,16}), {@code --layouts} ({@link Layout} names, default all), {@code --out}
     *             (default {@code engine-bench/results})
     * @throws IOException if the report cannot be written
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> options = Options.parse(args,
                "--keys N, --requests N, --regions MiB,MiB,..., --layouts NAME,NAME,..., --out DIR");
        int keys = Integer.parseInt(options.getOrDefault("--keys", "200000"));
        int length = Integer.parseInt(options.getOrDefault("--requests", "4000000"));
        long[] regions = Arrays.stream(options.getOrDefault("--regions", "1,4,16").split(","))
                .mapToLong(mebibytes -> Long.parseLong(mebibytes.trim()) << 20).toArray();
        List<Layout> layouts = options.containsKey("--layouts")
                ? Arrays.stream(options.get("--layouts").split(",")).map(name -> Layout.valueOf(name.trim())).toList()
                : List.of(Layout.values());
        byte[] value = new byte[VALUE_BYTES];
        StringBuilder report = new StringBuilder();
        report.append("# Hit ratio: Strata's eviction against LRU, FIFO and Caffeine\n\n")
                .append(String.format(Locale.ROOT, "%,d keys, %,d requests per trace (the first quarter warms up, not "
                        + "counted), cache-aside, one thread, values of %d B, `int` keys. LRU, FIFO and Caffeine hold "
                        + "as many entries as the Strata cache did on average. JDK %s.%n", keys, length, VALUE_BYTES,
                        Runtime.version()));
        for (Trace trace : Trace.values()) {
            int[] requests = trace.requests(keys, length, SEED);
            report.append("\n## ").append(trace.label()).append("\n\n")
                    .append("| Strata tiers | region | entries held (% of keys) | Strata | LRU | FIFO | Caffeine |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Layout layout : layouts) {
                for (long region : regions) {
                    report.append(row(layout, region, requests, keys, value));
                    System.out.print(".");
                }
            }
        }
        System.out.println();
        System.out.println(report);
        System.out.println("Hit-ratio table: " + Options.writeResult(options, "hit-ratio", report).toAbsolutePath());
    }

    private static String row(Layout layout, long region, int[] requests, int keys, byte[] value) {
        Run strata = run(requests, () -> layout.open(region, value));
        int entries = (int) Math.round(strata.meanEntries());
        Run lru = run(requests, () -> LinkedMapPolicy.lru(entries, value));
        Run fifo = run(requests, () -> LinkedMapPolicy.fifo(entries, value));
        Run caffeine = run(requests, () -> new CaffeinePolicy(entries, value));
        return String.format(Locale.ROOT, "| %s | %d MiB | %,d (%.1f%%) | %s | %s | %s | %s |%n", layout.label,
                region >> 20, entries, 100.0 * entries / keys, percent(strata), percent(lru), percent(fifo),
                percent(caffeine));
    }

    private static String percent(Run run) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * run.hitRatio());
    }

    /** Plays {@code requests} into a fresh policy. */
    static Run run(int[] requests, Supplier<? extends Policy> opener) {
        try (Policy policy = opener.get()) {
            int warmUp = requests.length / 4;
            long hits = 0;
            double entrySum = 0;
            long samples = 0;
            for (int i = 0; i < requests.length; i++) {
                boolean hit = policy.request(requests[i]);
                if (i >= warmUp) {
                    hits += hit ? 1 : 0;
                    if ((i - warmUp) % SAMPLE_EVERY == 0) {
                        entrySum += policy.entries();
                        samples++;
                    }
                }
            }
            return new Run((double) hits / (requests.length - warmUp), entrySum / samples);
        }
    }
}
