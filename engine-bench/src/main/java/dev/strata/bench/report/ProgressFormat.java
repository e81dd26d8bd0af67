package dev.strata.bench.report;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH output for people watching a long run: one line per benchmark, {@code [n/m] elapsed name {params} threads},
 * a dot per iteration, and the score when it ends; JMH's banners are dropped. Failures and the forked JVMs' errors
 * are kept (JVM warnings about Unsafe and SLF4J's "no provider" notice are dropped), and failures are remembered for
 * the summary.
 *
 * <p>Not thread-safe: JMH calls it from its runner thread only.
 */
final class ProgressFormat implements OutputFormat {

    private final PrintStream out;
    private final long startNanos;
    private final int total;
    private final Set<String> failures = new LinkedHashSet<>();
    private final ByteArrayOutputStream childLine = new ByteArrayOutputStream();
    private int started;
    private String current = "";

    /**
     * Creates the format.
     *
     * @param out where to print
     * @param total how many benchmark runs are planned (the {@code m} of {@code n/m})
     * @param startNanos {@link System#nanoTime()} when the whole run started
     */
    ProgressFormat(PrintStream out, int total, long startNanos) {
        this.out = out;
        this.total = total;
        this.startNanos = startNanos;
    }

    /** {@return the benchmarks that failed, with the first line of their error} */
    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        started++;
        TreeMap<String, String> values = new TreeMap<>();
        params.getParamsKeys().forEach(key -> values.put(key, params.getParam(key)));
        String name = params.getBenchmark().replaceFirst("^dev\\.strata\\.bench\\.", "");
        current = name + (values.isEmpty() ? "" : " " + values) + " t=" + params.getThreads();
        out.printf(Locale.ROOT, "[%d/%d] %s %s ", started, total, elapsed(), current);
        out.flush();
    }

    @Override
    public void iteration(BenchmarkParams params, IterationParams iteration, int index) {
        // the dot is printed when the iteration's result arrives
    }

    @Override
    public void iterationResult(BenchmarkParams params, IterationParams iteration, int index, IterationResult data) {
        out.print('.');
        out.flush();
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        if (result == null) {
            out.println(" FAILED");
            failures.add(current);
            return;
        }
        Result<?> primary = result.getPrimaryResult();
        double error = primary.getScoreError();
        out.printf(Locale.ROOT, " %s%s %s%n", Format.significant(primary.getScore()),
                Double.isNaN(error) ? "" : " ± " + Format.significant(error), primary.getScoreUnit());
    }

    @Override
    public void startRun() {
        // nothing: the runner prints the plan
    }

    @Override
    public void endRun(Collection<RunResult> results) {
        // nothing: the runner prints the summary
    }

    @Override
    public void print(String text) {
        keepIfFailure(text);
    }

    @Override
    public void println(String text) {
        keepIfFailure(text);
    }

    @Override
    public void verbosePrintln(String text) {
        // dropped
    }

    @Override
    public void write(int b) {
        if (b == '\n') {
            String line = childLine.toString(StandardCharsets.UTF_8);
            childLine.reset();
            if (!line.startsWith("WARNING:") && !line.startsWith("SLF4J(W)") && !line.isBlank()) {
                out.println();
                out.println("    | " + line);
            }
        } else {
            childLine.write(b);
        }
    }

    @Override
    public void write(byte[] bytes) {
        for (byte b : bytes) {
            write(b);
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }

    private void keepIfFailure(String text) {
        if (text != null && (text.contains("<failure>") || text.contains("Exception") || text.contains("Error:"))) {
            out.println();
            out.println("    | " + text.strip().replace("\n", "\n    | "));
            if (text.contains("<failure>") || text.contains("Exception")) {
                failures.add(current);
            }
        }
    }

    private String elapsed() {
        Duration duration = Duration.ofNanos(System.nanoTime() - startNanos);
        return String.format(Locale.ROOT, "%02d:%02d:%02d", duration.toHours(), duration.toMinutesPart(),
                duration.toSecondsPart());
    }
}
