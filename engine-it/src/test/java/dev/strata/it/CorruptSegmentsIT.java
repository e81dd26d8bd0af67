package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.CorruptionScenario;
import dev.strata.it.scenario.DurableCaches;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random byte flips and truncation in the segment files of a cleanly closed persistent cache, then a reopen in a new
 * child ({@link CorruptionScenario}): the reopened cache never returns a wrong value, counts and logs what it skipped,
 * and still serves the undamaged records; flips made while it is open are caught by the CRC check on read and counted
 * as errors. With flips alone (no file cut short) the reopen uses the index snapshot of the clean close and reads no
 * record; then the reads catch the damage.
 */
class CorruptSegmentsIT {

    private static final int FLIPS_PER_SEGMENT = 3;

    @TempDir
    Path workDirectory;

    @Test
    void damagedSegmentsNeverYieldAWrongValue() throws Exception {
        List<Path> segments = writeCache();
        flip(segments);
        cutNewest(segments);

        ChildResult child = run("verify");
        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(0, child.longValue("open.wrong"), child::describe);
        assertEquals(0, child.longValue("live.wrong"), child::describe);
        assertEquals(1, child.longValue("open.logSnapshotRefused"), child::describe);
        assertTrue(child.longValue("open.logCorrupt") + child.longValue("open.logTruncated") > 0, child::describe);
        assertTrue(child.longValue("live.errors") > 0, child::describe);
        assertTrue(child.longValue("open.found") > 0, child::describe);
    }

    /**
     * The same flips with no file cut short: the reopen uses the index snapshot the clean close wrote and reads no
     * record, so the damage must be caught by the reads that meet it (counted as errors), and no read returns a wrong
     * value.
     */
    @Test
    void flipsAfterACleanCloseAreCaughtByTheReadsOfAReopenFromTheSnapshot() throws Exception {
        flip(writeCache());

        ChildResult child = run("verify-snapshot");
        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(0, child.longValue("open.logSnapshotRefused"), child::describe);
        assertEquals(0, child.longValue("open.wrong"), child::describe);
        assertTrue(child.longValue("open.errors") > 0, child::describe);
        assertTrue(child.longValue("open.found") > 0, child::describe);
    }

    /** Writes the cache in a child that closes it cleanly. {@return its segment files, several} */
    private List<Path> writeCache() throws Exception {
        ChildResult written = run("write");
        assertEquals(0, written.exitCode(), written::describe);
        List<Path> segments = segments(workDirectory.resolve("disk").resolve(DurableCaches.CACHE));
        assertTrue(segments.size() >= 3, "expected several segment files, found " + segments);
        return segments;
    }

    /** Runs the scenario's {@code mode} in a child on the cache's directory. */
    private ChildResult run(String mode) throws Exception {
        return ChildJvm.scenario(CorruptionScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(mode, workDirectory.resolve("disk").toString()).run();
    }

    /** Flips bytes in every segment (past the 16-byte header), seeded. */
    private static void flip(List<Path> segments) throws IOException {
        Random random = new Random(42);
        for (Path segment : segments) {
            try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
                for (int flip = 0; flip < FLIPS_PER_SEGMENT; flip++) {
                    long position = 16 + (long) (random.nextDouble() * (file.length() - 16));
                    file.seek(position);
                    int old = file.read();
                    file.seek(position);
                    file.write(old ^ (1 + random.nextInt(255)));
                }
            }
        }
    }

    /** Cuts the newest segment in the middle. */
    private static void cutNewest(List<Path> segments) throws IOException {
        try (RandomAccessFile newest = new RandomAccessFile(segments.getLast().toFile(), "rw")) {
            newest.setLength(newest.length() * 2 / 3);
        }
    }

    private static List<Path> segments(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".data")).sorted().toList();
        }
    }
}
