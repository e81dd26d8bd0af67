package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.COMPACTOR_THREAD;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Compactions leave the write that made them due: the store hands them to its compactor. Most tests hold the
 * compactor's tasks and run them by hand, so they can see what a write did before the compactor ran.
 */
class DiskStoreCompactorTest {

    private static final int KEYS = 50;
    private static final int VALUE_BYTES = 1000;

    @TempDir
    Path dir;

    /** An executor that keeps its tasks until the test runs them. */
    private static final class HeldTasks implements Executor {
        private final List<Runnable> tasks = new ArrayList<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        synchronized int size() {
            return tasks.size();
        }

        void runAll() {
            List<Runnable> now;
            synchronized (this) {
                now = new ArrayList<>(tasks);
                tasks.clear();
            }
            now.forEach(Runnable::run);
        }
    }

    @Test
    void writesHandTheirCompactionsOverAndReturnBeforeTheyRun() throws IOException {
        HeldTasks compactor = new HeldTasks();
        try (DiskStore store = openTransient(compactor)) {
            overwrite(store, 10);
            assertEquals(0, store.stats().compactions(), "no write compacted");
            assertEquals(1, compactor.size(), "one hand-over while the compactor has not run");
            long fileBytesBefore = store.fileBytes();

            compactor.runAll();

            assertTrue(store.stats().compactions() > 0, "the compactor compacted");
            assertTrue(store.fileBytes() < fileBytesBefore / 2,
                    "fileBytes " + store.fileBytes() + " vs " + fileBytesBefore + " before");
            assertEquals(0, compactor.size(), "nothing queued was left behind");
            checkLastRound(store, 10);
        }
    }

    @Test
    void aWriteAfterTheCompactorRanHandsOverAgain() throws IOException {
        HeldTasks compactor = new HeldTasks();
        try (DiskStore store = openTransient(compactor)) {
            overwrite(store, 10);
            compactor.runAll();
            long compactions = store.stats().compactions();

            overwrite(store, 10);
            assertEquals(1, compactor.size());
            compactor.runAll();

            assertTrue(store.stats().compactions() > compactions);
            checkLastRound(store, 10);
        }
    }

    @Test
    void aPersistentStoreReopenedWithDueSegmentsHandsThemOverFromOpen() throws IOException {
        HeldTasks compactor = new HeldTasks();
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskStore.open(dir, persistentConfig(), quota, compactor)) {
            overwrite(store, 10);
        }
        compactor.runAll(); // the closed store's task: does nothing
        try (DiskStore reopened = DiskStore.open(dir, persistentConfig(), quota, compactor)) {
            assertEquals(1, compactor.size(), "open handed the due segments over");
            long fileBytesBefore = reopened.fileBytes();
            compactor.runAll();
            assertTrue(reopened.fileBytes() < fileBytesBefore / 2, "fileBytes " + reopened.fileBytes());
            checkLastRound(reopened, 10);
        }
    }

    @Test
    void aTransientStoreCopiesIntoASegmentOfItsOwnWhileWritesGoOnAppendingToTheActiveOne() throws IOException {
        HeldTasks compactor = new HeldTasks();
        try (DiskStore store = openTransient(compactor)) {
            overwrite(store, 1);
            for (int round = 1; round < 10; round++) { // the first segment keeps the other half live: it is copied
                for (int i = 0; i < KEYS / 2; i++) {
                    assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, round * 1000L + i))));
                }
            }
            Path activeFile = segmentFiles(dir).getLast();
            compactor.runAll();
            Path copiesFile = segmentFiles(dir).getLast();
            assertNotEquals(activeFile, copiesFile, "the copies went to a new segment file");
            store.writeWaiting();                      // the newest records reach the files when their buffer fills
            long activeBytes = Files.size(activeFile);
            long copiesBytes = Files.size(copiesFile);

            assertTrue(store.put(key(0), segmentOf(value(VALUE_BYTES, 77))));
            store.writeWaiting();

            assertEquals(activeBytes + RecordFormat.recordBytes(9, VALUE_BYTES), Files.size(activeFile),
                    "the put appended to the active segment");
            assertEquals(copiesBytes, Files.size(copiesFile), "and not to the copies");
            assertArrayEquals(value(VALUE_BYTES, 77), store.get(key(0)));
            for (int i = KEYS / 2; i < KEYS; i++) {
                assertArrayEquals(value(VALUE_BYTES, i), store.get(key(i)), "copied key " + i);
            }
        }
    }

    /**
     * A persistent store's compaction reads a live record into its batch, then waits for the writer lock, which the
     * test holds while it overwrites or removes that key: the compaction must not copy what was overtaken. A copy of
     * a removed key landing after its tombstone would outlive it once the tombstone's segment is the oldest, and the
     * key would come back on recovery.
     */
    @ParameterizedTest(name = "overtaken by a {0}, {1} bytes")
    @CsvSource({"put, 1000", "remove, 1000", "put, 300000", "remove, 300000"})  // the large one exceeds a batch
    void aPersistentCompactionDoesNotCopyARecordOvertakenWhileItRan(String overtaking, int victimBytes)
            throws Exception {
        HeldTasks compactor = new HeldTasks();
        DiskStoreConfig config = persistentConfig().withSegmentBytes(1024 * 1024);
        try (DiskStore store = DiskStore.open(dir, config, new DiskQuota(1L << 30), compactor)) {
            assertTrue(store.put(key("victim"), segmentOf(value(victimBytes, 1))));
            for (int round = 0; round < 2000; round++) { // sealed segments whose only live record is the victim's
                assertTrue(store.put(key("churn"), segmentOf(value(VALUE_BYTES, round))));
            }
            Path victimsFile = segmentFiles(dir).getFirst();
            long recordsBefore = store.stats().recordsWritten();
            Thread compaction;
            store.writeLock.lock();
            try {
                compaction = Thread.ofPlatform().name(COMPACTOR_THREAD).start(compactor::runAll);
                awaitQueuedOn(store.writeLock, compaction);
                if (overtaking.equals("put")) {
                    assertTrue(store.put(key("victim"), segmentOf(value(victimBytes, 2))));
                } else {
                    assertTrue(store.remove(key("victim")));
                }
            } finally {
                store.writeLock.unlock();
            }
            compaction.join(TimeUnit.MINUTES.toMillis(1));
            assertFalse(compaction.isAlive(), "compaction hung");

            assertFalse(Files.exists(victimsFile), "the victim's segment was compacted");
            assertEquals(recordsBefore + 1, store.stats().recordsWritten(), "only the " + overtaking + " was written");
        }
        compactor.runAll();
        try (DiskStore reopened = DiskStore.open(dir, config, new DiskQuota(1L << 30), compactor)) {
            assertArrayEquals(overtaking.equals("put") ? value(victimBytes, 2) : null, reopened.get(key("victim")));
            assertArrayEquals(value(VALUE_BYTES, 1999), reopened.get(key("churn")));
        }
    }

    @Test
    void aStoreClearedBeforeItsCompactionRanStartsAFreshCopySegmentLater() throws IOException {
        HeldTasks compactor = new HeldTasks();
        try (DiskStore store = openTransient(compactor)) {
            overwrite(store, 10);
            compactor.runAll(); // leaves a copy segment behind
            overwrite(store, 10);
            store.clear();
            compactor.runAll(); // the queue died with the cleared segments
            assertEquals(0, store.size());
            assertEquals(0, store.fileBytes());

            overwrite(store, 10);
            compactor.runAll();

            assertTrue(store.fileBytes() < 4 * DiskStoreConfig.MIN_SEGMENT_BYTES, "fileBytes " + store.fileBytes());
            checkLastRound(store, 10);
        }
    }

    @Test
    void clearsRacingTheCompactorThreadLoseNoQuotaAndNoFile() throws Exception {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD)) {
            DiskStore store = DiskStore.open(dir, transientConfig(), quota, compactor);
            for (int i = 0; i < 40; i++) {
                overwrite(store, 10);
                store.clear();
            }
            overwrite(store, 10);
            awaitTasksBefore(compactor);
            checkLastRound(store, 10);
            store.writeWaiting();                      // the newest records reach the files when their buffer fills
            assertEquals(quota.usedBytes(), store.fileBytes(), "the quota holds exactly the files' bytes");
            assertEquals(store.fileBytes(), segmentFiles(dir).stream().mapToLong(DiskStoreCompactorTest::size).sum());
            store.close();
            assertEquals(0, quota.usedBytes(), "closing a transient store returned every byte");
            assertEquals(List.of(), segmentFiles(dir));
        }
    }

    @Test
    void underQuotaPressureTheWriterCompactsItself() throws IOException {
        HeldTasks compactor = new HeldTasks();
        DiskQuota quota = new DiskQuota(8 * DiskStoreConfig.MIN_SEGMENT_BYTES);
        try (DiskStore store = DiskStore.open(dir, transientConfig(), quota, compactor)) {
            overwrite(store, 30);
            assertTrue(store.stats().compactions() > 0, "the writers compacted while the compactor never ran");
            assertEquals(0, store.stats().quotaRefusals());
            assertTrue(quota.usedBytes() <= quota.limitBytes());
            checkLastRound(store, 30);
        }
    }

    @Test
    void aClosedCompactorLeavesWritesWorkingAndTheirSegmentsUncompacted() throws IOException {
        DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD);
        compactor.close();
        try (DiskStore store = openTransient(compactor)) {
            overwrite(store, 10);
            assertEquals(0, store.stats().compactions());
            checkLastRound(store, 10);
            store.compact();
            assertTrue(store.stats().compactions() > 0, "compact() runs in the caller");
            checkLastRound(store, 10);
        }
    }

    @Test
    void theCompactorRunsTasksOnOneDaemonThreadAndRefusesThemOnceClosed() throws Exception {
        DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD);
        CompletableFuture<Thread> first = new CompletableFuture<>();
        CompletableFuture<Thread> second = new CompletableFuture<>();
        compactor.execute(() -> first.complete(Thread.currentThread()));
        compactor.execute(() -> second.complete(Thread.currentThread()));
        Thread thread = first.get(1, TimeUnit.MINUTES);
        assertEquals(thread, second.get(1, TimeUnit.MINUTES), "one thread");
        assertTrue(thread.isDaemon(), "a compactor does not keep the JVM alive");
        assertEquals(COMPACTOR_THREAD, thread.getName());

        compactor.close();

        thread.join(TimeUnit.MINUTES.toMillis(1));
        assertFalse(thread.isAlive(), "the thread ended with close");
        assertThrows(RejectedExecutionException.class, () -> compactor.execute(() -> { }));
    }

    @Test
    void theEnginesCompactorThreadCompactsWhatWritesMadeDue() throws Exception {
        try (DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD);
             DiskStore store = openTransient(compactor)) {
            overwrite(store, 10);
            awaitTasksBefore(compactor);
            assertTrue(store.stats().compactions() > 0, "compactions: " + store.stats().compactions());
            assertTrue(store.fileBytes() < 4 * DiskStoreConfig.MIN_SEGMENT_BYTES, "fileBytes " + store.fileBytes());
            checkLastRound(store, 10);
        }
    }

    /** Waits until {@code thread} waits for {@code lock}, which the caller holds. */
    private static void awaitQueuedOn(ReentrantLock lock, Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!lock.hasQueuedThread(thread)) {
            assertTrue(thread.isAlive() && System.nanoTime() < deadline, thread.getName() + " never waited for it");
            Thread.onSpinWait();
        }
    }

    /** Waits until the compactor ran every task handed to it so far (it runs them in order, on one thread). */
    private static void awaitTasksBefore(DiskCompactor compactor) throws Exception {
        CompletableFuture<Void> reached = new CompletableFuture<>();
        compactor.execute(() -> reached.complete(null));
        reached.get(1, TimeUnit.MINUTES);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private DiskStore openTransient(Executor compactor) throws IOException {
        return DiskStore.open(dir, transientConfig(), new DiskQuota(1L << 30), compactor);
    }

    /** Writes every key {@code rounds} times; each round but the last leaves a segment's worth of dead records. */
    private static void overwrite(DiskStore store, int rounds) {
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < KEYS; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, round * 1000L + i))));
            }
        }
    }

    private static void checkLastRound(DiskStore store, int rounds) {
        assertEquals(KEYS, store.size());
        for (int i = 0; i < KEYS; i++) {
            assertArrayEquals(value(VALUE_BYTES, (rounds - 1) * 1000L + i), store.get(key(i)), "key " + i);
        }
    }
}
