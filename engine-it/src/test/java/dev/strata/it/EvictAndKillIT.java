package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.DurableCaches;
import dev.strata.it.scenario.EvictingRecoverScenario;
import dev.strata.it.scenario.EvictingWriterScenario;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a child JVM that puts, reads and removes keys of a persistent disk-only cache whose quota holds
 * about a third of its data, so the disk tier keeps evicting its oldest segment (of its probation log or its main log,
 * moving or copying forward what was read), then a restart in a new child ({@link EvictingWriterScenario}, {@link
 * EvictingRecoverScenario}). Eviction writes no tombstone and a remove of a key already evicted writes none either, so
 * this is where an evicted segment that outlived the kill would bring back a value the writer had removed or replaced.
 * Recovery must return no value older than the key's last acknowledged operation, nothing corrupt or foreign, and files
 * within the quota but for one segment (what a kill during a compaction may leave; see {@link
 * EvictingRecoverScenario}). A second run does the same with a quota that holds everything, where files are recycled by
 * compaction instead ({@code SpareFiles}). In both the writer takes index checkpoints as its segments seal ({@code
 * IndexSnapshot}), so the restart restores the last one and scans only the segments written after it: no entry it
 * restores may outlive an eviction, a removal or a put made after it.
 */
class EvictAndKillIT {

    /**
     * Halfway through round 6 of the keys, a round of puts (round 5 removed every key), so the acknowledged puts of
     * this round are the values that must survive, where they were not evicted.
     */
    private static final long KILL_AFTER_ACKS = 13_000;
    /** 2,000 keys of 100 B to 12 KiB: about 12 MB of values, three times the quota. */
    private static final long KEYS = 2_000;
    private static final long QUOTA_MIB = 4;
    /** A quota five times the data. */
    private static final long LARGE_QUOTA_MIB = 64;

    @TempDir
    Path workDirectory;

    @Test
    void valuesRemovedOrReplacedBeforeTheKillStayGoneThoughSegmentsWereEvicted() throws Exception {
        long evicted = killAndRecover(QUOTA_MIB);
        assertTrue(evicted > 0, "no eviction before the kill: the test proves nothing");
    }

    /**
     * The same with a quota that holds everything, so nothing is evicted and segment files are recycled only by
     * compaction: each compacted segment's file is written into again by a later segment, over the records of the
     * one it held before, which a restart must not take for the new segment's (a removed or replaced value would come
     * back with them).
     */
    @Test
    void valuesRemovedOrReplacedBeforeTheKillStayGoneThoughCompactedFilesWereReused() throws Exception {
        assertEquals(0, killAndRecover(LARGE_QUOTA_MIB), "the quota holds everything: no eviction");
    }

    /** Runs the writer until {@link #KILL_AFTER_ACKS}, kills it, checks the restart. {@return the evictions} */
    private long killAndRecover(long quotaMiB) throws Exception {
        String disk = workDirectory.resolve("disk").toString();
        String[] ack = ChildJvm.scenario(EvictingWriterScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, Long.toString(KEYS), Long.toString(quotaMiB)).killAfterAcks(KILL_AFTER_ACKS);
        long acked = Long.parseLong(ack[1]);
        long evicted = Long.parseLong(ack[2]);
        System.out.println("killed the writer after " + acked + " acknowledged operations, " + evicted + " evictions");
        Path snapshot = workDirectory.resolve("disk").resolve(DurableCaches.CACHE).resolve("index.snapshot");
        assertTrue(Files.exists(snapshot), "the writer took index checkpoints as its segments sealed; the restart "
                + "begins from the last and scans the segments written since");

        ChildResult recovered = ChildJvm.scenario(EvictingRecoverScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, Long.toString(KEYS), Long.toString(quotaMiB), Long.toString(acked)).run();
        assertEquals("", recovered.value("failedChecks"), recovered::describe);
        assertEquals(0, recovered.exitCode(), recovered::describe);
        assertEquals(0, recovered.longValue("recover.olderThanAcked"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.corrupt") + recovered.longValue("recover.notAPut"),
                recovered::describe);
        assertTrue(recovered.longValue("recover.missing") > 0, "nothing was evicted or removed\n"
                + recovered.describe());
        return evicted;
    }
}
