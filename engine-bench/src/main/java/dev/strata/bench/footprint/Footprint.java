package dev.strata.bench.footprint;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.Keys;
import dev.strata.bench.workload.Options;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Memory footprint per entry (not a timing benchmark): 1 M entries of 16-byte keys and 100-byte values in Strata's
 * off-heap tier (arena and direct-buffer slabs), OHC, Chronicle Map and Ehcache's off-heap tier, and the memory the
 * disk tiers of Strata and Ehcache keep per entry (their values are in files).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.footprint.Footprint [--entries N] [--value BYTES]
 *     [--out DIR] [--only SUBJECT]
 * </pre>
 *
 * <p>Each store is measured in its own child JVM (same {@code java}, its own flags, {@code -Xms1g -Xmx1g
 * -XX:+AlwaysPreTouch} so the heap is resident before the baseline and does not grow into the RSS delta). The child
 * first opens and closes a small instance so class loading and code generation happen before the baseline, then
 * reads: <b>native bytes</b> = {@code VmRSS} delta from {@code /proc/self/status}; <b>own counter</b> = the store's
 * own figure (Strata: pages in use × page size; OHC: {@code memUsed()}; Chronicle: {@code offHeapMemoryUsed()};
 * Ehcache: the JVM's direct buffer pool delta); <b>heap bytes</b> = used heap delta after two {@code System.gc()}
 * (on-heap indexes, wrappers). Ehcache reserves its whole pool up front, so the driver searches the smallest pool (in
 * 8 MiB steps) that keeps every entry, one child per try.
 *
 * <p>Writes a Markdown table to standard output and to {@code results/<date>-footprint.md}.
 */
public final class Footprint {

    private static final String RESULT = "FOOTPRINT ";

    private Footprint() {
    }

    /**
     * Entry point: the driver, or (with {@code --child}) one measurement.
     *
     * @param args see the class comment
     * @throws Exception if a child cannot be run or the report cannot be written
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = Options.parse(args, "--entries N, --value BYTES, --out DIR, --only SUBJECT");
        int entries = Integer.parseInt(options.getOrDefault("--entries", "1000000"));
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "100"));
        if (options.containsKey("--child")) {
            child(Subject.valueOf(options.get("--child")), entries, valueSize,
                    Long.parseLong(options.get("--capacity")));
            return;
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (Subject subject : Subject.values()) {
            if (options.containsKey("--only") && !options.get("--only").equals(subject.name())) {
                continue;
            }
            System.out.println("measuring " + subject.label() + " ...");
            Map<String, String> row = subject.preallocates()
                    ? smallestFitting(subject, entries, valueSize)
                    : runChild(subject, entries, valueSize, 1L << 30);
            rows.add(row);
            System.out.println("  " + row);
        }
        String table = FootprintTable.render(rows, entries, valueSize);
        System.out.println();
        System.out.println(table);
        System.out.println("Footprint table: " + Options.writeResult(options, "footprint", table).toAbsolutePath());
    }

    private static Map<String, String> smallestFitting(Subject subject, int entries, int valueSize)
            throws IOException, InterruptedException {
        long step = 8L << 20;
        long payload = (long) entries * (Keys.KEY_BYTES + valueSize);
        long low = payload / step * step;
        long high = low;
        Map<String, String> fitting;
        while (true) {
            fitting = runChild(subject, entries, valueSize, high);
            if (fitting.get("present").equals(String.valueOf(entries))) {
                break;
            }
            low = high;
            high = (high + high / 2) / step * step;
        }
        while (high - low > step) {
            long middle = (low + high) / 2 / step * step;
            Map<String, String> trial = runChild(subject, entries, valueSize, middle);
            if (trial.get("present").equals(String.valueOf(entries))) {
                high = middle;
                fitting = trial;
            } else {
                low = middle;
            }
        }
        return fitting;
    }

    private static Map<String, String> runChild(Subject subject, int entries, int valueSize, long capacity)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of(JvmFlags.PRE_TOUCH, "-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=4g"));
        command.addAll(subject.flags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Footprint.class.getName(),
                "--child", subject.name(), "--entries", String.valueOf(entries), "--value", String.valueOf(valueSize),
                "--capacity", String.valueOf(capacity)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> result = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(RESULT)) {
                    result = parse(line.substring(RESULT.length()));
                } else {
                    output.add(line);
                }
            }
        }
        int exit = process.waitFor();
        if (result == null || exit != 0) {
            throw new IllegalStateException(subject + " child failed (exit " + exit + "):\n"
                    + String.join("\n", output));
        }
        return result;
    }

    private static void child(Subject subject, int entries, int valueSize, long capacity) {
        try (CacheAdapter warmUp = subject.open(1000, valueSize, 16L << 20)) {
            for (int i = 0; i < 1000; i++) {
                warmUp.put(Keys.key(i), Keys.value(i, valueSize));
                warmUp.get(Keys.key(i));
            }
        }
        Measurement before = Measurement.now();
        CacheAdapter store = subject.open(entries, valueSize, capacity);
        for (int i = 0; i < entries; i++) {
            store.put(Keys.key(i), Keys.value(i, valueSize));
        }
        int present = 0;
        for (int i = 0; i < entries; i++) {
            byte[] value = store.get(Keys.key(i));
            if (value != null && value.length == valueSize) {
                present++;
            }
        }
        long own = subject.ownBytes(store);
        Measurement after = Measurement.now();
        if (own < 0) {
            own = after.directUsed() - before.directUsed();
        }
        System.out.printf(Locale.ROOT, RESULT + "subject=%s present=%d rss=%d heap=%d own=%d capacity=%d%n",
                subject.name(), present, after.rss() - before.rss(), after.heapUsed() - before.heapUsed(), own,
                capacity);
        Reference.reachabilityFence(store);
        store.close();
    }

    private static Map<String, String> parse(String line) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : line.trim().split(" ")) {
            int equals = pair.indexOf('=');
            values.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return values;
    }
}
