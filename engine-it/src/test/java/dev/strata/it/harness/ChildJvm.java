package dev.strata.it.harness;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs one scenario class in a child JVM and collects what it measured.
 *
 * <p>The child is the same {@code java} executable that runs the test (JDK 25 under failsafe's toolchain) on the
 * test's class path, so scenario classes see the engine's internal packages too. It writes its stdout, stderr and
 * result file into a work directory the test owns (usually a JUnit {@code @TempDir}); the result file's path reaches
 * the child as the system property {@value #RESULT_FILE_PROPERTY}. Output goes to files rather than pipes so a
 * chatty child can never block on a full pipe and no reader threads are needed.
 *
 * <p>Every child gets {@link #BASE_FLAGS} first (assertions and strict leak checks on, as in the tests, and the
 * serial collector: one GC thread, small footprint, no concurrent GC work that could blur a measurement), then the
 * flags the test chose, so a test's flag wins where HotSpot takes the last one. With
 * {@link #addressSpaceLimit(long)} the command is prefixed with {@code prlimit --as=BYTES} and gets the small
 * reservations of {@link #ADDRESS_SPACE_FLAGS} (ahead of the test's flags) and {@code MALLOC_ARENA_MAX=2}: without
 * them HotSpot alone reserves more address space than a small limit allows.
 *
 * <p>Each run prints one line with the scenario, exit code and facts to the test's standard output (failsafe keeps
 * it in {@code target/failsafe-reports/*-output.txt}).
 *
 * <p>A child that outlives its timeout has its threads dumped ({@code jcmd PID Thread.print}, see {@link ThreadDump}),
 * is destroyed forcibly (with its descendants) and the run fails with an {@link AssertionError} that holds the
 * command, the thread dump, stdout and stderr.
 *
 * <p>{@link #run()} waits for the child; {@link #start()} returns a {@link ChildProcess} the test can talk to while it
 * runs (wait for a line it prints, kill it with {@code SIGKILL}).
 *
 * <p>A builder is not thread-safe; {@link #run()} may be called more than once, each call starts a new child.
 */
public final class ChildJvm {

    /** System property through which the child learns where to write its {@code key=value} results. */
    public static final String RESULT_FILE_PROPERTY = "strata.it.resultFile";

    /** Flags every child gets before the test's own. */
    public static final List<String> BASE_FLAGS = List.of("-ea", "-Dstrata.strict=true", "-XX:+UseSerialGC");

    /** Reservations small enough for a JVM under {@code prlimit --as} (measured on JDK 25, see DESIGN.md section 2). */
    public static final List<String> ADDRESS_SPACE_FLAGS = List.of("-Xmx256m", "-XX:CompressedClassSpaceSize=64m",
            "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=128m", "-XX:+UseSerialGC");

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Class<?> mainClass;
    private final Path workDirectory;
    private final List<String> jvmFlags = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> resourceLimits = new ArrayList<>();
    private long addressSpaceLimitBytes;
    private Duration timeout = DEFAULT_TIMEOUT;

    private ChildJvm(Class<?> mainClass, Path workDirectory) {
        this.mainClass = mainClass;
        this.workDirectory = workDirectory;
    }

    /**
     * {@return a builder for a child that runs {@code mainClass}}
     *
     * @param mainClass a class with {@code public static void main(String[])}, on the test class path
     * @param workDirectory an existing directory for the child's stdout, stderr and result file
     * @throws NullPointerException if an argument is null
     */
    public static ChildJvm scenario(Class<?> mainClass, Path workDirectory) {
        return new ChildJvm(Objects.requireNonNull(mainClass, "mainClass"),
                Objects.requireNonNull(workDirectory, "workDirectory"));
    }

    /**
     * Adds JVM flags, after {@link #BASE_FLAGS} (and {@link #ADDRESS_SPACE_FLAGS} if a limit is set).
     *
     * @param flags flags such as {@code -Xmx128m}
     * @return this builder
     */
    public ChildJvm jvmFlags(String... flags) {
        jvmFlags.addAll(List.of(flags));
        return this;
    }

    /**
     * Adds program arguments for the scenario's {@code main}.
     *
     * @param arguments the arguments
     * @return this builder
     */
    public ChildJvm args(String... arguments) {
        args.addAll(List.of(arguments));
        return this;
    }

    /**
     * Sets an environment variable of the child.
     *
     * @param name the variable
     * @param value its value
     * @return this builder
     */
    public ChildJvm env(String name, String value) {
        env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Runs the child under {@code prlimit --as=bytes}: a hard limit on its virtual address space, so native
     * allocations beyond it fail in the child. The test is skipped if {@code prlimit} is not on the {@code PATH}.
     *
     * @param bytes the address-space limit, at least 1 GiB (the JVM itself needs several hundred MiB)
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1 GiB
     */
    public ChildJvm addressSpaceLimit(long bytes) {
        if (bytes < (1L << 30)) {
            throw new IllegalArgumentException("addressSpaceLimit: " + bytes + " (expected: at least 1 GiB)");
        }
        addressSpaceLimitBytes = bytes;
        return this;
    }

    /**
     * Runs the child under another {@code prlimit} resource limit, for example {@code --fsize=1048576} (no file may
     * grow beyond 1 MiB: writes past it fail with {@code EFBIG}, which the JVM turns into an {@code IOException}
     * because HotSpot ignores {@code SIGXFSZ}). The test is skipped if {@code prlimit} is not on the {@code PATH}.
     *
     * @param option a {@code prlimit} option of the form {@code --NAME=VALUE}
     * @return this builder
     * @throws IllegalArgumentException if {@code option} is not of that form
     */
    public ChildJvm resourceLimit(String option) {
        if (!option.matches("--[a-z]+=[0-9]+(:[0-9]+)?")) {
            throw new IllegalArgumentException("resourceLimit: '" + option + "' (expected: --NAME=VALUE, e.g. --fsize=1048576)");
        }
        resourceLimits.add(option);
        return this;
    }

    /**
     * Sets how long the child may run before it is destroyed and the run fails.
     *
     * @param limit a positive duration; the default is 60 seconds
     * @return this builder
     * @throws IllegalArgumentException if {@code limit} is not positive
     */
    public ChildJvm timeout(Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("timeout: " + limit + " (expected: > 0)");
        }
        timeout = limit;
        return this;
    }

    /**
     * Starts the child, waits for it and reads what it left behind.
     *
     * @return the exit code, output and parsed results
     * @throws IOException if the child cannot be started or its files cannot be read
     * @throws InterruptedException if the test thread is interrupted while waiting
     * @throws AssertionError if the child outlived the timeout (it is destroyed first)
     * @throws org.opentest4j.TestAbortedException if an address-space limit was asked for and {@code prlimit} is missing
     */
    public ChildResult run() throws IOException, InterruptedException {
        Path resultFile = workDirectory.resolve(mainClass.getSimpleName() + ".result");
        Path stdout = workDirectory.resolve(mainClass.getSimpleName() + ".stdout");
        Path stderr = workDirectory.resolve(mainClass.getSimpleName() + ".stderr");
        Files.deleteIfExists(resultFile);
        List<String> command = command(resultFile);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(env);
        if (addressSpaceLimitBytes > 0) {
            builder.environment().put("MALLOC_ARENA_MAX", "2");
        }
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            String threads = ThreadDump.of(process.pid(), workDirectory);
            destroyTree(process);
            throw new AssertionError("child JVM outlived its timeout of " + timeout + " and was destroyed\n"
                    + "threads:\n" + threads + "\n"
                    + ChildResult.describe(command, -1, read(stdout), read(stderr), ResultFile.parse(resultFile)));
        }
        ChildResult result = new ChildResult(command, process.exitValue(), read(stdout), read(stderr),
                ResultFile.parse(resultFile));
        System.out.println(mainClass.getSimpleName() + " " + String.join(" ", args) + ": exit " + result.exitCode()
                + " " + result.values());
        return result;
    }

    /**
     * Starts the child and returns at once. Its standard output is piped through the returned handle (which also
     * copies it to the work directory); standard error and the result file go to the work directory as with
     * {@link #run()}. The handle applies this builder's timeout to its waits.
     *
     * @return the running child
     * @throws IOException if the child cannot be started
     * @throws org.opentest4j.TestAbortedException if a resource limit was asked for and {@code prlimit} is missing
     */
    public ChildProcess start() throws IOException {
        Path resultFile = workDirectory.resolve(mainClass.getSimpleName() + ".result");
        Path stdout = workDirectory.resolve(mainClass.getSimpleName() + ".stdout");
        Path stderr = workDirectory.resolve(mainClass.getSimpleName() + ".stderr");
        Files.deleteIfExists(resultFile);
        List<String> command = command(resultFile);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(env);
        if (addressSpaceLimitBytes > 0) {
            builder.environment().put("MALLOC_ARENA_MAX", "2");
        }
        return new ChildProcess(mainClass.getSimpleName() + " " + String.join(" ", args), command, builder.start(),
                workDirectory, stdout, stderr, resultFile, timeout);
    }

    /**
     * Starts a writing child, which prints {@code ack N ...} as its writes are acknowledged and {@code done} if it
     * ever finishes, and kills it with {@code SIGKILL} as soon as {@code N} reaches {@code acks}, without waiting for
     * anything else, so the kill lands while it is writing.
     *
     * @param acks the acknowledged writes to wait for
     * @return the words of the line the child was killed after: {@code ack}, {@code N}, and whatever else it printed
     * @throws IOException if the child cannot be started
     * @throws InterruptedException if the test thread is interrupted while waiting
     * @throws AssertionError if the child finished before it was killed, or did not die of the kill
     */
    public String[] killAfterAcks(long acks) throws IOException, InterruptedException {
        try (ChildProcess child = start()) {
            String line = child.awaitLine(l -> l.equals("done")
                    || l.startsWith("ack ") && Long.parseLong(l.split(" ")[1]) >= acks);
            ChildResult writer = child.kill();
            if (!line.startsWith("ack ")) {
                throw new AssertionError("the writer finished before it was killed\n" + writer.describe());
            }
            if (writer.exitCode() != ChildProcess.KILLED) {
                throw new AssertionError("the writer exited with " + writer.exitCode() + ", not killed ("
                        + ChildProcess.KILLED + ")\n" + writer.describe());
            }
            return line.split(" ");
        }
    }

    static void destroyTree(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
    }

    private List<String> command(Path resultFile) {
        List<String> command = new ArrayList<>();
        if (addressSpaceLimitBytes > 0 || !resourceLimits.isEmpty()) {
            Optional<Path> prlimit = onPath("prlimit");
            assumeTrue(prlimit.isPresent(), "prlimit is not on the PATH: cannot impose a resource limit");
            command.add(prlimit.get().toString());
            if (addressSpaceLimitBytes > 0) {
                command.add("--as=" + addressSpaceLimitBytes);
            }
            command.addAll(resourceLimits);
        }
        command.add(javaExecutable());
        command.addAll(BASE_FLAGS);
        if (addressSpaceLimitBytes > 0) {
            command.addAll(ADDRESS_SPACE_FLAGS);
        }
        command.addAll(jvmFlags);
        command.add("-D" + RESULT_FILE_PROPERTY + "=" + resultFile.toAbsolutePath());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        return command;
    }

    private static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** {@return the {@code java} running this test, so the child has the same JDK} */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    }
}
