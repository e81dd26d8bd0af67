package dev.strata.it.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM started by {@link ChildJvm#start()} that the test talks to while it runs: wait for a line it prints,
 * kill it with {@code SIGKILL}, or wait for it to exit.
 *
 * <p>One daemon thread pumps the child's standard output: each line is appended to the stdout file and handed to
 * {@link #awaitLine} through a queue, so the child never blocks on a full pipe and the test waits on the queue with a
 * bound rather than polling. Every wait is bounded by the builder's timeout; a child that outlives it has its threads
 * dumped and is destroyed, and the wait fails with an {@link AssertionError} describing the run.
 *
 * <p>Not thread-safe: one test thread uses a handle. {@link #close()} destroys the child if it is still alive.
 */
public final class ChildProcess implements AutoCloseable {

    /** Exit code of a JVM killed with {@code SIGKILL} (128 + 9), as {@link Process#exitValue()} reports it. */
    public static final int KILLED = 137;

    private static final String END_OF_OUTPUT = "\u0000end of output";

    private final String title;
    private final List<String> command;
    private final Process process;
    private final Path workDirectory;
    private final Path stdout;
    private final Path stderr;
    private final Path resultFile;
    private final long deadlineNanos;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread pump;

    ChildProcess(String title, List<String> command, Process process, Path workDirectory, Path stdout, Path stderr,
                 Path resultFile, Duration timeout) throws IOException {
        this.title = title;
        this.command = List.copyOf(command);
        this.process = process;
        this.workDirectory = workDirectory;
        this.stdout = stdout;
        this.stderr = stderr;
        this.resultFile = resultFile;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        OutputStream copy = Files.newOutputStream(stdout);
        this.pump = Thread.ofPlatform().daemon().name("stdout of " + title).start(() -> pump(copy));
    }

    /** {@return the child's process id} */
    public long pid() {
        return process.pid();
    }

    private void pump(OutputStream copy) {
        try (copy; BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                copy.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                copy.flush();
                lines.add(line);
            }
        } catch (IOException e) {
            if (process.isAlive()) {
                throw new UncheckedIOException("reading the stdout of " + title, e);
            }
            // killed: destroyForcibly closed the pipe under the reader; the output up to here is kept
        } finally {
            lines.add(END_OF_OUTPUT);
        }
    }

    /**
     * Waits until the child prints a line that {@code matching} accepts, skipping the lines before it.
     *
     * @param matching which line to wait for
     * @return the line
     * @throws AssertionError if the child ends its output first, or the timeout passes (the child is destroyed)
     * @throws IOException if the child's files cannot be read for the failure message
     * @throws InterruptedException if the test thread is interrupted
     */
    public String awaitLine(Predicate<String> matching) throws IOException, InterruptedException {
        while (true) {
            String line = lines.poll(remainingNanos(), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw timedOut("while waiting for a line");
            }
            if (line.equals(END_OF_OUTPUT)) {
                lines.add(END_OF_OUTPUT);
                process.waitFor(remainingNanos(), TimeUnit.NANOSECONDS);
                throw new AssertionError("child ended its output before printing the line waited for\n"
                        + result(process.isAlive() ? -1 : process.exitValue()).describe());
            }
            if (matching.test(line)) {
                return line;
            }
        }
    }

    /**
     * Kills the child with {@code SIGKILL} ({@link Process#destroyForcibly()}; no shutdown hook, finalizer or
     * {@code finally} block of the child runs) and waits for it to die.
     *
     * @return what it left behind; the exit code is {@link #KILLED}
     * @throws IOException if its files cannot be read
     * @throws InterruptedException if the test thread is interrupted
     */
    public ChildResult kill() throws IOException, InterruptedException {
        int exit = process.destroyForcibly().waitFor();
        pump.join(TimeUnit.NANOSECONDS.toMillis(Math.max(remainingNanos(), 1)));
        return result(exit);
    }

    /**
     * Waits for the child to exit by itself.
     *
     * @return what it left behind
     * @throws AssertionError if the timeout passes (the child's threads are dumped and it is destroyed)
     * @throws IOException if its files cannot be read
     * @throws InterruptedException if the test thread is interrupted
     */
    public ChildResult awaitExit() throws IOException, InterruptedException {
        if (!process.waitFor(remainingNanos(), TimeUnit.NANOSECONDS)) {
            throw timedOut("while waiting for it to exit");
        }
        pump.join(TimeUnit.NANOSECONDS.toMillis(Math.max(remainingNanos(), 1)));
        ChildResult result = result(process.exitValue());
        System.out.println(title + ": exit " + result.exitCode() + " " + result.values());
        return result;
    }

    private AssertionError timedOut(String when) throws IOException, InterruptedException {
        String threads = ThreadDump.of(process.pid(), workDirectory);
        ChildJvm.destroyTree(process);
        return new AssertionError("child JVM outlived its timeout " + when + " and was destroyed\nthreads:\n" + threads
                + "\n" + result(-1).describe());
    }

    private ChildResult result(int exitCode) throws IOException {
        return new ChildResult(command, exitCode, ChildJvm.read(stdout), ChildJvm.read(stderr),
                ResultFile.parse(resultFile));
    }

    private long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    /** Destroys the child (and its descendants) if it is still alive. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                ChildJvm.destroyTree(process);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
