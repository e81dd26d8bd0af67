package dev.strata.it.scenario;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ResultFile;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The child side of {@link ChildJvm}: records measured facts and named checks in the result file, and exits 0 only if
 * every check held.
 *
 * <p>Each fact is appended and flushed at once, so the facts written before a crash survive it. Writing goes through
 * a {@link FileOutputStream}, never NIO channels: channels copy through temporary direct buffers, which count
 * against {@code -XX:MaxDirectMemorySize} and show in the {@code direct} buffer pool the scenarios measure.
 *
 * <p>A check writes {@code check.NAME=pass} or {@code check.NAME=FAIL}; {@link #run} writes {@code failedChecks} (a
 * comma-separated list, empty if none) and, if the scenario threw, {@code uncaught} with the stack trace.
 *
 * <p>Thread-safe: workers and a {@link Watchdog} may write facts and checks while the scenario runs.
 */
public final class ScenarioReport {

    /** Exit code when a check failed. */
    public static final int CHECK_FAILED = 1;
    /** Exit code when the scenario threw. */
    public static final int UNCAUGHT = 2;

    private final OutputStream out;
    private final List<String> failedChecks = new ArrayList<>();

    private ScenarioReport(OutputStream out) {
        this.out = out;
    }

    /** A scenario's body. */
    @FunctionalInterface
    public interface Body {
        /**
         * Measures and checks.
         *
         * @param report where to write facts and checks
         * @throws Exception anything, reported as {@code uncaught}
         */
        void run(ScenarioReport report) throws Exception;
    }

    /**
     * Runs {@code body} against the result file named by {@value ChildJvm#RESULT_FILE_PROPERTY} and exits the JVM:
     * 0 if every check held, {@link #CHECK_FAILED} if one did not, {@link #UNCAUGHT} if the body threw.
     *
     * @param body the scenario
     */
    public static void run(Body body) {
        String path = System.getProperty(ChildJvm.RESULT_FILE_PROPERTY);
        if (path == null) {
            System.err.println("missing -D" + ChildJvm.RESULT_FILE_PROPERTY + "=FILE: run this through ChildJvm");
            System.exit(UNCAUGHT);
        }
        int status;
        try (OutputStream out = new FileOutputStream(path, true)) {
            ScenarioReport report = new ScenarioReport(out);
            status = report.runBody(body);
        } catch (IOException e) {
            e.printStackTrace();
            status = UNCAUGHT;
        }
        System.exit(status);
    }

    private int runBody(Body body) {
        try {
            body.run(this);
        } catch (Throwable t) {
            t.printStackTrace();
            put("uncaught", stackTrace(t));
            return UNCAUGHT;
        }
        synchronized (this) {
            put("failedChecks", String.join(",", failedChecks));
            return failedChecks.isEmpty() ? 0 : CHECK_FAILED;
        }
    }

    /**
     * Records a fact.
     *
     * @param key a dotted name, see {@link ResultFile#line}
     * @param value the value; its {@code toString()} is written
     * @throws UncheckedIOException if the file cannot be written
     */
    public synchronized void put(String key, Object value) {
        try {
            out.write(ResultFile.line(key, String.valueOf(value)).getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write result " + key, e);
        }
    }

    /**
     * Records whether a condition held; a failed check makes the child exit {@link #CHECK_FAILED}.
     *
     * @param name the check's name, written as {@code check.NAME}
     * @param holds whether it held
     * @return {@code holds}
     */
    public synchronized boolean check(String name, boolean holds) {
        put("check." + name, holds ? "pass" : "FAIL");
        if (!holds) {
            failedChecks.add(name);
            System.err.println("check failed: " + name);
        }
        return holds;
    }

    /**
     * Records the class and message of a throwable under {@code prefix.thrown} and {@code prefix.message}
     * ({@code none} and empty if {@code thrown} is null).
     *
     * @param prefix the facts' key prefix
     * @param thrown what was caught, or null
     */
    public void putThrown(String prefix, Throwable thrown) {
        put(prefix + ".thrown", thrown == null ? "none" : thrown.getClass().getName());
        put(prefix + ".message", thrown == null ? "" : String.valueOf(thrown.getMessage()));
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
