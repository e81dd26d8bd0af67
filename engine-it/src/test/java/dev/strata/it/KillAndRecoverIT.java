package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildProcess;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.DiskRecoverScenario;
import dev.strata.it.scenario.DiskWriterScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a child JVM in the middle of writing to a persistent cache, then a restart in a new child that
 * recovers the disk tier ({@link DiskWriterScenario}, {@link DiskRecoverScenario}). The parent kills the writer as soon
 * as it has acknowledged {@value #KILL_AFTER_ACKS} writes, without waiting for anything else, so the kill lands while
 * it is writing. Recovery must never return a corrupted or foreign value. With the disk as the only tier every write
 * acknowledged before the kill must survive (a record is in the OS page cache before {@code put} returns); with an
 * off-heap tier above it, entries still in memory die with the process and recovery may return older versions, but
 * never a wrong one.
 */
class KillAndRecoverIT {

    private static final long KILL_AFTER_ACKS = 12_000;
    /** Keys of the disk-only run: 2,000 values of 100 B to 12 KiB. */
    private static final long KEYS = 2_000;
    /** Keys of the off-heap + disk run: about 36 MB of values, more than the 16 MiB off-heap tier, so most reach disk. */
    private static final long MORE_KEYS_THAN_OFF_HEAP_HOLDS = 6_000;

    @TempDir
    Path workDirectory;

    @Test
    void diskTierKeepsEveryAcknowledgedWriteAcrossKill9() throws Exception {
        RecoveryFacts facts = killAndRecover("DISK", KEYS, true);

        assertEquals(0, facts.recovered.longValue("recover.missing"), facts.recovered::describe);
        assertEquals(0, facts.recovered.longValue("recover.olderThanAcked"), facts.recovered::describe);
        assertEquals(KEYS, facts.recovered.longValue("recover.found"), facts.recovered::describe);
    }

    @Test
    void offHeapAboveDiskRecoversNoCorruptValueAfterKill9() throws Exception {
        RecoveryFacts facts = killAndRecover("OFF_HEAP,DISK", MORE_KEYS_THAN_OFF_HEAP_HOLDS, false);

        assertTrue(facts.recovered.longValue("recover.found") > 0, facts.recovered::describe);
        assertTrue(facts.recovered.longValue("recover.diskEntries") > 0, facts.recovered::describe);
    }

    private record RecoveryFacts(long acked, ChildResult writer, ChildResult recovered) {
    }

    private RecoveryFacts killAndRecover(String tiers, long keys, boolean mustKeepAcknowledged) throws Exception {
        String disk = workDirectory.resolve("disk").toString();
        long acked;
        ChildResult writer;
        try (ChildProcess child = ChildJvm.scenario(DiskWriterScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys)).start()) {
            String line = child.awaitLine(l -> l.equals("done")
                    || l.startsWith("ack ") && Long.parseLong(l.substring(4)) >= KILL_AFTER_ACKS);
            writer = child.kill();
            assertTrue(line.startsWith("ack "), "the writer finished before it was killed\n" + writer.describe());
            acked = Long.parseLong(line.substring(4));
        }
        assertEquals(ChildProcess.KILLED, writer.exitCode(), writer::describe);
        System.out.println("killed the writer (" + tiers + ") after " + acked + " acknowledged writes");

        ChildResult recovered = ChildJvm.scenario(DiskRecoverScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys), Long.toString(acked), Boolean.toString(mustKeepAcknowledged))
                .run();
        assertEquals("", recovered.value("failedChecks"), recovered::describe);
        assertEquals(0, recovered.exitCode(), recovered::describe);
        assertEquals(0, recovered.longValue("recover.corrupt"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.foreign"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.rewriteMismatches"), recovered::describe);
        return new RecoveryFacts(acked, writer, recovered);
    }
}
