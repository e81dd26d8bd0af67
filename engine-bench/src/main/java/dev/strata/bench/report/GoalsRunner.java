package dev.strata.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@link BenchRunner}'s {@code --goals} mode: measures issue 4's ratios in paired rounds and writes
 * {@code results/<date>-goals-paired.json} (every round's raw results) and {@code .md} (medians, ranges, verdicts).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.report.BenchRunner --goals
 *     [--rounds 5] [--threads 1,2] [--values 100,1024,16384] [--out DIR] [--note TEXT]... [--dry-run]
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.report.BenchRunner --goals --report-only FILE.json
 * </pre>
 *
 * Each fork is its own JMH run of one benchmark method with one parameter set, so that the rounds, not JMH, choose the
 * order. Both files are rewritten after every round: an interrupted run keeps its finished rounds. A failed fork is
 * listed at the end and makes the exit status 1; its round's ratios that need it are left out.
 *
 * <p>Not thread-safe; one run at a time (JMH's lock enforces it across processes).
 */
final class GoalsRunner {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private GoalsRunner() {
    }

    /**
     * {@return whether the command line asks for the goals mode}
     *
     * @param args the command line
     */
    static boolean wanted(String[] args) {
        return Arrays.asList(args).contains("--goals");
    }

    /**
     * Runs the goals mode.
     *
     * @param args the command line (with {@code --goals})
     * @param out where progress and the summary go
     * @return the exit status: 0, or 1 when a fork failed
     * @throws IOException if a result file cannot be read or written
     */
    static int run(String[] args, PrintStream out) throws IOException {
        Arguments arguments = Arguments.parse(args);
        if (arguments.reportOnly() != null) {
            GoalsRun run = GoalsJson.read(Files.readString(arguments.reportOnly(), StandardCharsets.UTF_8));
            List<String> notes = new ArrayList<>(run.notes());
            notes.addAll(arguments.notes());
            run = new GoalsRun(run.plan(), run.command(), run.started(), run.finished(), run.jdkVersion(),
                    run.vmName(), run.machine(), notes, run.rounds(), run.failures());
            Path markdown = sibling(arguments.reportOnly(), ".md");
            Files.writeString(markdown, GoalsReport.render(title(run), run), StandardCharsets.UTF_8);
            out.println("Report: " + markdown.toAbsolutePath());
            return 0;
        }
        GoalPlan plan = arguments.plan();
        out.print(plan.describe());
        if (arguments.dryRun()) {
            return 0;
        }
        Files.createDirectories(arguments.outputDirectory());
        Path json = arguments.outputDirectory().resolve(LocalDate.now() + "-goals-paired.json");
        GoalsRun run = measure(plan, command(args), arguments.notes(), json, out);
        List<String> failures = run.failures();
        out.printf(Locale.ROOT, "%nGoals met (by the median ratio): %d of %d%n",
                run.stats().stream().filter(GoalStats::met).count(),
                run.stats().stream().filter(stats -> !stats.goal().isFloor()).count());
        for (GoalGroup group : plan.groups()) {
            for (Goal goal : group.goals()) {
                for (Row point : plan.cases()) {
                    GoalStats stats = GoalStats.of(goal, point, run.rounds());
                    String cell = GoalsReport.cell(stats, Integer.MAX_VALUE).replace("**", "");
                    out.printf(Locale.ROOT, "  %-30s %-6s t=%d  %s%n", group.title() + " " + group.ratioHeader(goal),
                            point.valueLabel(), point.threads(), cell);
                }
            }
        }
        out.println("JSON:   " + json.toAbsolutePath());
        out.println("Report: " + sibling(json, ".md").toAbsolutePath());
        if (!failures.isEmpty()) {
            out.println("FAILED (" + failures.size() + "):");
            failures.forEach(name -> out.println("  " + name));
            return 1;
        }
        return 0;
    }

    /** Runs every round, rewriting both files after each; returns the finished run. */
    private static GoalsRun measure(GoalPlan plan, String command, List<String> notes, Path json, PrintStream out)
            throws IOException {
        String started = now();
        long start = System.nanoTime();
        ProgressFormat progress = new ProgressFormat(out, plan.forks(), start);
        List<String> failures = new ArrayList<>();
        List<PairedRound> rounds = new ArrayList<>();
        String[] jvm = {"?", "?"};
        GoalsRun run = null;
        for (int round = 0; round < plan.rounds(); round++) {
            List<Competitor> order = plan.order(round);
            for (Row point : plan.cases()) {
                String roundStarted = now();
                List<BenchResult> results = new ArrayList<>();
                for (Competitor competitor : order) {
                    String failure = null;
                    try {
                        int before = results.size();
                        for (RunResult result : new Runner(options(plan, point, competitor), progress).run()) {
                            results.add(result(result, jvm));
                        }
                        if (results.size() == before) {
                            failure = "no result (the fork's error is printed above)";
                        }
                    } catch (RunnerException e) {
                        failure = e.getMessage();
                        out.println();
                        out.println("    | " + competitor.label() + ": " + failure);
                    }
                    if (failure != null) {
                        failures.add(String.format(Locale.ROOT, "round %d, %s t=%d, %s: %s", round + 1,
                                point.valueLabel(), point.threads(), competitor.label(), failure));
                    }
                }
                PairedRound paired = new PairedRound(round + 1, point, roundStarted, results);
                rounds.add(paired);
                out.println("  round " + (round + 1) + ", " + point.valueLabel() + " t=" + point.threads() + ": "
                        + String.join(", ", plan.groups().stream().flatMap(group -> group.goals().stream()
                        .map(goal -> goal.strata().operation() + " " + group.ratioHeader(goal) + " "
                                + Format.ratio(paired.ratio(goal), 1))).toList()));
            }
            run = new GoalsRun(plan, command, started, now(), jvm[0], jvm[1], MachineInfo.current(), notes, rounds,
                    failures);
            write(json, run);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            out.printf(Locale.ROOT, "Round %d of %d done after %d min; about %d min left; files rewritten%n",
                    round + 1, plan.rounds(), elapsed.toMinutes(),
                    elapsed.dividedBy(round + 1).multipliedBy(plan.rounds() - round - 1).toMinutes());
        }
        return run;
    }

    private static void write(Path json, GoalsRun run) throws IOException {
        Files.writeString(json, GoalsJson.write(run), StandardCharsets.UTF_8);
        Files.writeString(sibling(json, ".md"), GoalsReport.render(title(run), run), StandardCharsets.UTF_8);
    }

    private static Options options(GoalPlan plan, Row point, Competitor competitor) {
        ChainedOptionsBuilder builder = new OptionsBuilder()
                .include(competitor.include())
                .forks(1)
                .warmupIterations(plan.warmupIterations())
                .warmupTime(TimeValue.seconds(plan.warmupSeconds()))
                .measurementIterations(plan.measurementIterations())
                .measurementTime(TimeValue.seconds(plan.measurementSeconds()))
                .threads(point.threads())
                .param("valueSize", String.valueOf(point.valueSize()))
                .param("keys", point.keys())
                .shouldFailOnError(false)
                .verbosity(VerboseMode.NORMAL)
                .timeout(TimeValue.minutes(10))
                .timeUnit(TimeUnit.MICROSECONDS);
        competitor.params().forEach(builder::param);
        return builder.build();
    }

    /** Converts JMH's result, and notes the benchmark JVM's version and name in {@code jvm}. */
    private static BenchResult result(RunResult result, String[] jvm) {
        BenchmarkParams params = result.getParams();
        jvm[0] = params.getJdkVersion();
        jvm[1] = params.getVmName();
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        params.getParamsKeys().forEach(key -> values.put(key, params.getParam(key)));
        return new BenchResult(params.getBenchmark(), params.getMode().shortLabel(), params.getThreads(), values,
                result.getPrimaryResult().getScore(), result.getPrimaryResult().getScoreError(),
                result.getPrimaryResult().getScoreUnit(), Double.NaN);
    }

    /**
     * {@return this process's command line, quoted for a POSIX shell: the JVM's own executable and arguments when the
     * platform tells them, else {@code java -cp engine-bench/target/benchmarks.jar BenchRunner} and the arguments}
     *
     * @param args the program's arguments
     */
    static String command(String[] args) {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> words = new ArrayList<>();
        if (info.command().isPresent() && info.arguments().isPresent()) {
            words.add(info.command().get());
            words.addAll(Arrays.asList(info.arguments().get()));
        } else {
            words.addAll(List.of("java", "-cp", "engine-bench/target/benchmarks.jar", BenchRunner.class.getName()));
            words.addAll(Arrays.asList(args));
        }
        return String.join(" ", words.stream().map(GoalsRunner::quote).toList());
    }

    /**
     * {@return a word quoted so that a POSIX shell reads it back unchanged (as it is, when it needs no quotes)}
     *
     * @param word the word
     */
    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private static String title(GoalsRun run) {
        return run.started().length() >= 10 ? run.started().substring(0, 10) : run.started();
    }

    private static Path sibling(Path json, String extension) {
        return json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + extension);
    }

    private static String now() {
        return LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * The goals mode's command line.
     *
     * @param plan the rounds, value sizes and thread counts
     * @param outputDirectory where the files go
     * @param notes notes for the report
     * @param reportOnly a goals JSON file to render again instead of running, or null
     * @param dryRun whether to print the plan and stop
     */
    record Arguments(GoalPlan plan, Path outputDirectory, List<String> notes, Path reportOnly, boolean dryRun) {

        /**
         * {@return the parsed command line; defaults: 5 rounds, 100, 1024 and 16384 bytes, 1 and 2 threads}
         *
         * @param args the command line
         * @throws IllegalArgumentException for an unknown option or a bad value
         */
        static Arguments parse(String[] args) {
            int rounds = 5;
            List<Integer> threads = List.of(1, 2);
            List<Integer> values = List.of(100, 1024, 16384);
            Path out = null;
            Path reportOnly = null;
            List<String> notes = new ArrayList<>();
            boolean dryRun = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--goals")) {
                    continue;
                }
                if (args[i].equals("--dry-run")) {
                    dryRun = true;
                    continue;
                }
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--rounds" -> rounds = single(args[i], BenchRunner.Arguments.positiveInts(args[i],
                            BenchRunner.Arguments.required(args[i], value)));
                    case "--threads" -> threads = BenchRunner.Arguments.positiveInts(args[i],
                            BenchRunner.Arguments.required(args[i], value));
                    case "--values" -> values = BenchRunner.Arguments.positiveInts(args[i],
                            BenchRunner.Arguments.required(args[i], value));
                    case "--out" -> out = Path.of(BenchRunner.Arguments.required(args[i], value));
                    case "--note" -> notes.add(BenchRunner.Arguments.required(args[i], value));
                    case "--report-only" -> reportOnly = Path.of(BenchRunner.Arguments.required(args[i], value));
                    default -> throw new IllegalArgumentException("unknown argument with --goals: '" + args[i]
                            + "' (expected: --rounds N, --threads 1,2, --values 100,1024,16384, --out DIR, "
                            + "--note TEXT, --report-only FILE.json, --dry-run)");
                }
                i++;
            }
            return new Arguments(GoalPlan.of(rounds, values, threads),
                    out == null ? BenchRunner.Arguments.defaultOutputDirectory() : out, List.copyOf(notes),
                    reportOnly, dryRun);
        }

        private static int single(String flag, List<Integer> values) {
            if (values.size() != 1) {
                throw new IllegalArgumentException(flag + ": " + values + " (expected: one number)");
            }
            return values.getFirst();
        }
    }
}
