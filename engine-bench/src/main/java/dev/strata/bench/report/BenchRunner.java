package dev.strata.bench.report;

import dev.strata.bench.tier.StrataHugePagesBenchmark;
import dev.strata.memory.hugepage.HugePageSlabSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs a profile of benchmarks through the JMH API and writes {@code results/<date>-<profile>.json}, {@code .md} and
 * {@code .svg}.
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.report.BenchRunner --profile quick
 *     [--include REGEX]... [--threads 1,2] [--forks N] [--out DIR] [--note TEXT]... [--dry-run]
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.report.BenchRunner --report-only FILE.json [--note TEXT]
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.report.BenchRunner --goals
 *     [--rounds 5] [--threads 1,2] [--values 100,1024,16384] [--out DIR] [--note TEXT]... [--dry-run]
 * </pre>
 *
 * One JMH pass at the benchmarks' own thread counts, then one pass per extra thread count over the cache workloads
 * only (JMH's threads option would override the {@code @Threads} of benchmarks that choose their own); results of all
 * passes go into one JSON file. Progress is printed as
 * {@code [n/m] hh:mm:ss benchmark {params} t=threads ..... score unit}. Failed benchmarks are listed at the end and
 * make the exit status 1 (the report is still written from what succeeded). {@code --dry-run} prints the plan (number
 * of runs and an estimate of the time) and stops.
 *
 * <p>{@code --goals} measures the goal ratios in paired rounds instead (see {@code GoalsRunner}): one short
 * fork of each competing benchmark per case, back to back, in an order that rotates from round to round, and the
 * median of the per-round ratios; it writes {@code results/<date>-goals-paired.json} and {@code .md}.
 */
public final class BenchRunner {

    private BenchRunner() {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     * @throws Exception if JMH cannot run or a file cannot be written
     */
    public static void main(String[] args) throws Exception {
        if (GoalsRunner.wanted(args)) {
            int status = GoalsRunner.run(args, System.out);
            if (status != 0) {
                System.exit(status);
            }
            return;
        }
        Arguments arguments = Arguments.parse(args);
        PrintStream out = System.out;
        if (arguments.reportOnly() != null) {
            Path json = arguments.reportOnly();
            print(out, ReportFiles.write(json, json.getFileName().toString().replaceFirst("\\.json$", ""),
                    arguments.notes()));
            return;
        }
        Profile profile = arguments.profile();
        int total = plannedRuns(profile);
        Duration estimate = Duration.ofSeconds((long) total * profile.forks()
                * (profile.warmupIterations() * profile.warmupSeconds()
                + profile.measurementIterations() * profile.measurementSeconds() + 6));
        out.printf(Locale.ROOT, "Strata benchmarks, profile %s: %d runs, about %d min (includes %s)%n",
                arguments.profileName(), total, estimate.toMinutes() + 1, profile.includes());
        HugePageSlabSource.machineUnavailableReason().ifPresent(reason -> out.println("Skipping "
                + StrataHugePagesBenchmark.class.getSimpleName() + ": " + reason));
        if (arguments.dryRun()) {
            return;
        }
        long start = System.nanoTime();
        ProgressFormat progress = new ProgressFormat(out, total, start);
        List<RunResult> results = new ArrayList<>();
        for (int threads : profile.threadCounts()) {
            results.addAll(new Runner(options(profile, threads), progress).run());
        }
        Path directory = arguments.outputDirectory();
        Files.createDirectories(directory);
        String base = LocalDate.now() + "-" + arguments.profileName();
        Path json = directory.resolve(base + ".json");
        ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(results);
        out.printf(Locale.ROOT, "%nDone: %d results in %d s; JSON: %s%n", results.size(),
                Duration.ofNanos(System.nanoTime() - start).toSeconds(), json);
        print(out, ReportFiles.write(json, base, arguments.notes()));
        if (!progress.failures().isEmpty()) {
            out.println("FAILED (" + progress.failures().size() + "):");
            progress.failures().forEach(name -> out.println("  " + name));
            System.exit(1);
        }
    }

    private static void print(PrintStream out, ReportFiles.Written written) {
        out.println("Report: " + written.markdown().toAbsolutePath());
        out.println("Chart:  " + written.chart().toAbsolutePath());
    }

    private static org.openjdk.jmh.runner.options.Options options(Profile profile, int threads) {
        ChainedOptionsBuilder builder = new OptionsBuilder()
                .forks(profile.forks())
                .warmupIterations(profile.warmupIterations())
                .warmupTime(TimeValue.seconds(profile.warmupSeconds()))
                .measurementIterations(profile.measurementIterations())
                .measurementTime(TimeValue.seconds(profile.measurementSeconds()))
                .shouldFailOnError(false)
                .verbosity(VerboseMode.NORMAL)
                .timeout(TimeValue.minutes(10))
                .timeUnit(TimeUnit.MICROSECONDS)
                .addProfiler(GCProfiler.class);                   // allocation per operation (gc.alloc.rate.norm)
        includes(profile, threads).forEach(builder::include);
        excludes().forEach(builder::exclude);
        if (threads > 1) {
            builder.threads(threads);
        }
        profile.params().forEach((name, values) -> builder.param(name, values.toArray(String[]::new)));
        return builder.build();
    }

    /**
     * The includes of one pass: everything the profile selects at 1 thread; only the cache workloads it selects (the
     * intersection with {@link Profile#MULTI_THREAD_SET}) at more.
     */
    private static List<String> includes(Profile profile, int threads) {
        if (threads == 1) {
            return profile.includes();
        }
        List<String> includes = new ArrayList<>();
        for (String include : profile.includes()) {
            includes.add("(?=" + Profile.MULTI_THREAD_SET + ")" + include);
        }
        return includes;
    }

    /**
     * {@return the benchmarks this machine cannot run whatever the flags: Strata on huge pages where the kernel has
     * none, or off Linux (its fork would fail, and a profile, the README's demo among them, with it)}
     */
    static List<String> excludes() {
        return excludes(HugePageSlabSource.machineUnavailableReason().isEmpty());
    }

    /** {@return the excludes on a machine that has huge pages, or has none} @param hugePages whether it has them */
    static List<String> excludes(boolean hugePages) {
        return hugePages ? List.of() : List.of("^" + Pattern.quote(StrataHugePagesBenchmark.class.getName()) + "\\.");
    }

    /** Counts benchmark × parameter-combination runs over all passes, as JMH will expand them. */
    static int plannedRuns(Profile profile) {
        int runs = 0;
        for (int threads : profile.threadCounts()) {
            runs += plannedRuns(profile, includes(profile, threads));
        }
        return runs;
    }

    private static int plannedRuns(Profile profile, List<String> includes) {
        Collection<BenchmarkListEntry> entries = BenchmarkList.defaultList()
                .find(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), includes, excludes());
        int runs = 0;
        for (BenchmarkListEntry entry : entries) {
            int combinations = 1;
            if (entry.getParams().hasValue()) {
                for (Map.Entry<String, String[]> param : entry.getParams().get().entrySet()) {
                    List<String> override = profile.params().get(param.getKey());
                    combinations *= override != null ? override.size() : param.getValue().length;
                }
            }
            runs += combinations;
        }
        return runs;
    }

    /** The command line. */
    record Arguments(String profileName, Profile profile, Path outputDirectory, List<String> notes,
            Path reportOnly, boolean dryRun) {

        static Arguments parse(String[] args) throws IOException {
            String profileName = "quick";
            List<String> includes = new ArrayList<>();
            List<Integer> threads = null;
            Integer forks = null;
            Path out = null;
            Path reportOnly = null;
            List<String> notes = new ArrayList<>();
            boolean dryRun = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--dry-run")) {
                    dryRun = true;
                    continue;
                }
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--profile" -> profileName = required(args[i], value);
                    case "--include" -> includes.add(required(args[i], value));
                    case "--threads" -> threads = positiveInts(args[i], required(args[i], value));
                    case "--forks" -> forks = Integer.parseInt(required(args[i], value));
                    case "--out" -> out = Path.of(required(args[i], value));
                    case "--note" -> notes.add(required(args[i], value));
                    case "--report-only" -> reportOnly = Path.of(required(args[i], value));
                    default -> throw new IllegalArgumentException("unknown argument: '" + args[i]
                            + "' (expected: --profile quick|full, --include REGEX, --threads 1,2, --forks N, "
                            + "--out DIR, --note TEXT, --report-only FILE.json, --dry-run)");
                }
                i++;
            }
            Profile profile = Profile.named(profileName);
            if (!includes.isEmpty()) {
                profile = profile.withIncludes(includes);
            }
            if (threads != null) {
                profile = profile.withThreads(threads);
            }
            if (forks != null) {
                profile = profile.withForks(forks);
            }
            if (out == null) {
                out = defaultOutputDirectory();
            }
            return new Arguments(profileName, profile, out, notes, reportOnly, dryRun);
        }

        /** {@return {@code engine-bench/results} when run from the repository's root, else {@code results}} */
        static Path defaultOutputDirectory() {
            return Files.isDirectory(Path.of("engine-bench")) ? Path.of("engine-bench", "results")
                    : Path.of("results");
        }

        /**
         * {@return an option's value}
         *
         * @param flag the option, for the message
         * @param value the value, or null when the command line ended after the option
         * @throws IllegalArgumentException if the value is missing
         */
        static String required(String flag, String value) {
            if (value == null) {
                throw new IllegalArgumentException(flag + ": missing value");
            }
            return value;
        }

        /**
         * {@return a comma-separated list of positive numbers, e.g. {@code 1,2}}
         *
         * @param flag the option, for the message
         * @param text the list
         * @throws IllegalArgumentException if an item is not a positive number
         */
        static List<Integer> positiveInts(String flag, String text) {
            List<Integer> counts = new ArrayList<>();
            for (String part : text.split(",")) {
                int count;
                try {
                    count = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    count = 0;
                }
                if (count < 1) {
                    throw new IllegalArgumentException(flag + ": " + text + " (expected: positive numbers, e.g. 1,2)");
                }
                counts.add(count);
            }
            return counts;
        }
    }
}
