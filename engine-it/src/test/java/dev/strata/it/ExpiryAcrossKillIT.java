package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildProcess;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.DiskWriterScenario;
import dev.strata.it.scenario.ExpiringRecoverScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deadlines survive {@code kill -9}: a child JVM writes to a persistent cache with a time to live, on a clock that
 * moves 1 ms per write, and is killed mid-write; a new child reopens the cache with the clock set so that half the
 * keys' last acknowledged writes have expired ({@link DiskWriterScenario} run {@code expiring},
 * {@link ExpiringRecoverScenario}). No expired value may come back, and the live ones must (all of them with the disk
 * as the only tier; with an off-heap tier above it, entries still in memory die with the process).
 */
class ExpiryAcrossKillIT {

    private static final long KILL_AFTER_ACKS = 12_000;
    /** Keys of the disk-only run: 2,000 values of 100 B to 12 KiB; the latest 1,000 writes are live at the check. */
    private static final long KEYS = 2_000;
    /** Keys of the off-heap + disk run: more than the 16 MiB off-heap tier holds, so most reach disk. */
    private static final long MORE_KEYS_THAN_OFF_HEAP_HOLDS = 6_000;

    @TempDir
    Path workDirectory;

    @Test
    void diskTierKeepsDeadlinesAcrossKill9() throws Exception {
        ChildResult recovered = killAndRecover("DISK", KEYS, KEYS / 2, true);

        assertEquals(0, recovered.longValue("expiry.liveMissing"), recovered::describe);
        assertEquals(0, recovered.longValue("expiry.olderThanAcked"), recovered::describe);
        assertTrue(recovered.longValue("expiry.found") >= KEYS / 2 - 1, recovered::describe);
    }

    @Test
    void offHeapAboveDiskReturnsNoExpiredValueAfterKill9() throws Exception {
        ChildResult recovered = killAndRecover("OFF_HEAP,DISK", MORE_KEYS_THAN_OFF_HEAP_HOLDS, 4_500, false);

        assertTrue(recovered.longValue("expiry.found") > 0, recovered::describe);
    }

    private ChildResult killAndRecover(String tiers, long keys, long liveWrites, boolean mustKeepAcknowledged)
            throws Exception {
        String disk = workDirectory.resolve("disk").toString();
        long acked;
        try (ChildProcess child = ChildJvm.scenario(DiskWriterScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys), "expiring").start()) {
            String line = child.awaitLine(l -> l.equals("done")
                    || l.startsWith("ack ") && Long.parseLong(l.substring(4)) >= KILL_AFTER_ACKS);
            ChildResult writer = child.kill();
            assertTrue(line.startsWith("ack "), "the writer finished before it was killed\n" + writer.describe());
            assertEquals(ChildProcess.KILLED, writer.exitCode(), writer::describe);
            acked = Long.parseLong(line.substring(4));
        }
        ChildResult recovered = ChildJvm.scenario(ExpiringRecoverScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys), Long.toString(acked), Long.toString(liveWrites),
                        Boolean.toString(mustKeepAcknowledged))
                .run();
        assertEquals("", recovered.value("failedChecks"), recovered::describe);
        assertEquals(0, recovered.exitCode(), recovered::describe);
        assertEquals(0, recovered.longValue("expiry.expiredReturned"), recovered::describe);
        assertTrue(recovered.longValue("expiry.expiredAbsent") > 0, recovered::describe);
        return recovered;
    }
}
