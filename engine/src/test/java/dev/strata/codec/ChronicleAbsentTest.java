package dev.strata.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * chronicle-bytes is optional: the codecs load and run in a JVM without it and without any JVM flag, and only
 * {@link Codecs#marshallable} needs it. Runs {@link ChronicleAbsentProbe} in a child JVM (the same {@code java} as
 * this one) whose class path is the engine's classes directory plus the probe's, and nothing else.
 */
class ChronicleAbsentTest {

    @Test
    void builtInCodecsWorkWithoutChronicleOnTheClassPathAndWithoutFlags() throws IOException, InterruptedException {
        String engineClasses = location(Codecs.class);
        String probeClasses = location(ChronicleAbsentProbe.class);
        assertTrue(Files.isDirectory(Path.of(engineClasses)), engineClasses);
        assertFalse(Files.exists(Path.of(engineClasses, "net", "openhft")), "chronicle classes in " + engineClasses);
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", engineClasses + File.pathSeparator + probeClasses, ChronicleAbsentProbe.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exitCode = child.waitFor();
        assertEquals(0, exitCode, () -> String.join(" ", command) + "\n" + output);
        assertTrue(output.contains("ALL OK"), output);
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
