package dev.strata.it.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Dumps the threads of a running child JVM from the outside, with {@code jcmd PID Thread.print} of the JDK that runs
 * the test: used when a child outlives its timeout, so a deadlock shows where each thread waits. Stateless and
 * thread-safe.
 */
final class ThreadDump {

    private static final long JCMD_TIMEOUT_SECONDS = 20;

    private ThreadDump() {
    }

    /**
     * {@return the child's thread dump, or a line saying why there is none} Never throws: a failed dump must not hide
     * the timeout it was taken for.
     *
     * @param pid the child's process id
     * @param workDirectory where {@code jcmd}'s output file goes
     */
    static String of(long pid, Path workDirectory) {
        Path jcmd = Path.of(ChildJvm.javaExecutable()).resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            return "(no thread dump: " + jcmd + " is not executable)";
        }
        Path output = workDirectory.resolve("threads-" + pid + ".txt");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return "(no thread dump: jcmd did not answer within " + JCMD_TIMEOUT_SECONDS + " s)\n"
                        + ChildJvm.read(output);
            }
            return ChildJvm.read(output);
        } catch (IOException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(no thread dump: interrupted)";
        }
    }
}
