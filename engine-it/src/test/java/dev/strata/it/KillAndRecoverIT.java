package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.DiskRecoverScenario;
import dev.strata.it.scenario.DiskWriterScenario;
import dev.strata.it.scenario.DurableCaches;
import dev.strata.it.scenario.ExpiringRecoverScenario;
import dev.strata.it.scenario.IdleRecoverScenario;
import dev.strata.it.scenario.IdleRenewScenario;
import java.nio.file.Files;
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
 *
 * <p>The same with a time to live: the writer's clock moves 1 ms per write and the restart's clock has passed the
 * deadlines of all but the latest writes ({@link ExpiringRecoverScenario}). No expired value may come back, and the
 * live ones must (all of them with the disk as the only tier).
 *
 * <p>And with a time to idle: the writer puts every key, reads every other one once its deadline is due for renewal,
 * and is killed with everything acknowledged but nothing closed ({@link IdleRenewScenario}); the restart's clock has
 * passed the puts' deadlines but not the renewed ones ({@link IdleRecoverScenario}). No key left unread may come back,
 * and with the disk as the only tier every renewed one must.
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
        ChildResult recovered = killAndRecover("DISK", KEYS, true);

        assertEquals(0, recovered.longValue("recover.missing"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.olderThanAcked"), recovered::describe);
        assertEquals(KEYS, recovered.longValue("recover.found"), recovered::describe);
    }

    /**
     * The same twice over: the first restart recovers by scanning and closes cleanly, writing the index snapshot; the
     * second writer opens from it and is killed in turn; the second restart restores the snapshot's entries of the
     * segments still there and scans only the files the second writer made. Every write it acknowledged must survive
     * that too, though it overwrote every key and its compactions deleted segments the snapshot names.
     */
    @Test
    void diskTierKeepsEveryAcknowledgedWriteAcrossKill9AfterACleanRestart() throws Exception {
        killAndRecover("DISK", KEYS, true);
        Path snapshot = workDirectory.resolve("disk").resolve(DurableCaches.CACHE).resolve("index.snapshot");
        assertTrue(Files.exists(snapshot), "the clean close of the first restart wrote " + snapshot);

        long acked = killWriter(workDirectory.resolve("disk").toString(), "DISK", KEYS);
        assertTrue(Files.exists(snapshot), "the second writer opened from it and kept it: " + snapshot);
        ChildResult recovered = recover(workDirectory.resolve("disk").toString(), "DISK", KEYS, acked, true);

        assertEquals(0, recovered.longValue("recover.logSnapshotRefused"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.missing"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.olderThanAcked"), recovered::describe);
        assertEquals(KEYS, recovered.longValue("recover.found"), recovered::describe);
    }

    @Test
    void offHeapAboveDiskRecoversNoCorruptValueAfterKill9() throws Exception {
        ChildResult recovered = killAndRecover("OFF_HEAP,DISK", MORE_KEYS_THAN_OFF_HEAP_HOLDS, false);

        assertTrue(recovered.longValue("recover.found") > 0, recovered::describe);
        assertTrue(recovered.longValue("recover.diskEntries") > 0, recovered::describe);
    }

    @Test
    void diskTierKeepsDeadlinesAcrossKill9() throws Exception {
        ChildResult recovered = killAndRecoverExpiring("DISK", KEYS, KEYS / 2, true);

        assertEquals(0, recovered.longValue("expiry.liveMissing"), recovered::describe);
        assertEquals(0, recovered.longValue("expiry.olderThanAcked"), recovered::describe);
        assertTrue(recovered.longValue("expiry.found") >= KEYS / 2 - 1, recovered::describe);
    }

    @Test
    void offHeapAboveDiskReturnsNoExpiredValueAfterKill9() throws Exception {
        ChildResult recovered = killAndRecoverExpiring("OFF_HEAP,DISK", MORE_KEYS_THAN_OFF_HEAP_HOLDS, 4_500, false);

        assertTrue(recovered.longValue("expiry.found") > 0, recovered::describe);
    }

    private ChildResult killAndRecover(String tiers, long keys, boolean mustKeepAcknowledged) throws Exception {
        String disk = workDirectory.resolve("disk").toString();
        return recover(disk, tiers, keys, killWriter(disk, tiers, keys), mustKeepAcknowledged);
    }

    /** Runs {@link DiskRecoverScenario} on what a killed writer left, and checks what every recovery must hold. */
    private ChildResult recover(String disk, String tiers, long keys, long acked, boolean mustKeepAcknowledged)
            throws Exception {
        ChildResult recovered = ChildJvm.scenario(DiskRecoverScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys), Long.toString(acked), Boolean.toString(mustKeepAcknowledged))
                .run();
        assertEquals("", recovered.value("failedChecks"), recovered::describe);
        assertEquals(0, recovered.exitCode(), recovered::describe);
        assertEquals(0, recovered.longValue("recover.corrupt"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.foreign"), recovered::describe);
        assertEquals(0, recovered.longValue("recover.rewriteMismatches"), recovered::describe);
        return recovered;
    }

    /**
     * Like {@link #killAndRecover}, with a time to live: the latest {@code liveWrites} writes are live at the restart.
     */
    private ChildResult killAndRecoverExpiring(String tiers, long keys, long liveWrites, boolean mustKeepAcknowledged)
            throws Exception {
        String disk = workDirectory.resolve("disk").toString();
        long acked = killWriter(disk, tiers, keys, "expiring");
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

    @Test
    void diskTierKeepsRenewedTimesToIdleAcrossKill9() throws Exception {
        ChildResult recovered = killAndRecoverIdle("DISK", KEYS, true);

        assertEquals(KEYS / 2, recovered.longValue("idle.renewedFound"), recovered::describe);
        assertEquals(KEYS / 2, recovered.longValue("idle.unreadAbsent"), recovered::describe);
    }

    @Test
    void offHeapAboveDiskReturnsNoUnreadValuePastItsIdleTimeAfterKill9() throws Exception {
        ChildResult recovered = killAndRecoverIdle("OFF_HEAP,DISK", MORE_KEYS_THAN_OFF_HEAP_HOLDS, false);

        assertEquals(MORE_KEYS_THAN_OFF_HEAP_HOLDS / 2, recovered.longValue("idle.unreadAbsent"), recovered::describe);
    }

    /** Runs {@link IdleRenewScenario}, kills it once it has read, then {@link IdleRecoverScenario}. */
    private ChildResult killAndRecoverIdle(String tiers, long keys, boolean mustKeepRenewed) throws Exception {
        String disk = workDirectory.resolve("disk").toString();
        ChildJvm.scenario(IdleRenewScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys)).killAfterAcks(keys);
        ChildResult recovered = ChildJvm.scenario(IdleRecoverScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(disk, tiers, Long.toString(keys), Boolean.toString(mustKeepRenewed)).run();
        assertEquals("", recovered.value("failedChecks"), recovered::describe);
        assertEquals(0, recovered.exitCode(), recovered::describe);
        assertEquals(0, recovered.longValue("idle.unreadReturned"), recovered::describe);
        return recovered;
    }

    /** Runs {@link DiskWriterScenario} and kills it mid-write. {@return the writes it had acknowledged} */
    private long killWriter(String disk, String tiers, long keys, String... mode) throws Exception {
        String[] args = new String[3 + mode.length];
        args[0] = disk;
        args[1] = tiers;
        args[2] = Long.toString(keys);
        System.arraycopy(mode, 0, args, 3, mode.length);
        long acked = Long.parseLong(ChildJvm.scenario(DiskWriterScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(args).killAfterAcks(KILL_AFTER_ACKS)[1]);
        System.out.println("killed the writer (" + tiers + ") after " + acked + " acknowledged writes");
        return acked;
    }
}
