package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.COMPACTOR_THREAD;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static dev.strata.tier.disk.WriterValues.checkGenuine;
import static dev.strata.tier.disk.WriterValues.encode;
import static dev.strata.tier.disk.WriterValues.guarded;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two writers and two readers over overlapping keys while compaction runs, either on a {@link DiskCompactor} thread
 * (as in the engine) or in the writers' threads. Every value
 * encodes (key, writer, version) and a payload derived from them, so a reader can tell a genuine value of its key
 * from anything else (another key's value, a stale buffer, corrupt bytes). A transient store removes without the
 * writer lock (no tombstone), so its removals race with compaction's copies; a persistent one is reopened at the end.
 */
class DiskStoreConcurrencyTest {

    private static final int KEYS = 200;
    private static final int WRITES_PER_WRITER = 40000;
    private static final int READS_PER_READER = 60000;
    private static final int REMOVED = -1;

    @TempDir
    Path dir;

    /** Where the compactions the writes make due run. */
    enum Compaction { ON_THE_COMPACTOR_THREAD, IN_THE_WRITERS }

    /**
     * The last column is the point reads a sealed segment serves before it is mapped: the default, or 1, so that
     * nearly every read of a sealed segment is a copy out of a mapping, racing with compactions that retire (and so
     * unmap) segments.
     */
    @ParameterizedTest(name = "persistent={0}, compaction {1}, mapped after {2} reads")
    @CsvSource({"true, ON_THE_COMPACTOR_THREAD, 64", "false, ON_THE_COMPACTOR_THREAD, 64", "true, IN_THE_WRITERS, 64",
            "false, IN_THE_WRITERS, 64", "true, ON_THE_COMPACTOR_THREAD, 1", "false, ON_THE_COMPACTOR_THREAD, 1"})
    void writersReadersAndCompactionAgreeWithTheModel(boolean persistent, Compaction compaction, int readsBeforeMapping)
            throws Exception {
        SegmentMaps maps = new SegmentMaps(SegmentMaps.DEFAULT_LIMIT, readsBeforeMapping);
        try (DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD)) {
            Executor executor = compaction == Compaction.IN_THE_WRITERS ? Runnable::run : compactor;
            runWritersAndReaders(persistent, executor, maps);
        }
        if (readsBeforeMapping == 1) {
            assertTrue(maps.reservations() > 0, "sealed segments were mapped");
        }
        assertEquals(0, maps.inUse(), "every mapping is gone with the store");
    }

    private void runWritersAndReaders(boolean persistent, Executor compactor, SegmentMaps maps) throws Exception {
        DiskStore store = DiskStore.open(dir, persistent ? persistentConfig() : transientConfig(),
                new DiskQuota(1L << 30), compactor, maps);
        int[][] lastOp = new int[2][KEYS];
        for (int[] row : lastOp) {
            Arrays.fill(row, Integer.MIN_VALUE);
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(4);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            threads.add(Thread.ofPlatform().name("writer-" + w).start(guarded(failures, () -> {
                start.await();
                write(store, writer, lastOp[writer]);
            })));
        }
        for (int r = 0; r < 2; r++) {
            int reader = r;
            threads.add(Thread.ofPlatform().name("reader-" + r).start(guarded(failures, () -> {
                start.await();
                read(store, reader);
            })));
        }
        for (Thread thread : threads) {
            thread.join(120_000);
            assertFalse(thread.isAlive(), thread.getName() + " hung");
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " thread(s) failed");
            failures.forEach(error::addSuppressed);
            throw error;
        }
        assertTrue(store.stats().compactions() > 0, "compaction ran during the test");
        assertEquals(0, store.stats().corruptRecords());
        byte[][] finalValues = checkFinalState(store, lastOp);
        store.close();
        if (!persistent) {
            return;
        }
        try (DiskStore reopened = DiskStore.open(dir, persistentConfig(), new DiskQuota(1L << 30), compactor)) {
            for (int k = 0; k < KEYS; k++) {
                assertArrayEquals(finalValues[k], reopened.get(key(k)), "recovered key " + k);
            }
        }
    }

    private static void write(DiskStore store, int writer, int[] lastOp) {
        SplittableRandom random = new SplittableRandom(writer);
        for (int version = 0; version < WRITES_PER_WRITER; version++) {
            int k = random.nextInt(KEYS);
            if (random.nextInt(5) == 0) {
                store.remove(key(k));
                lastOp[k] = REMOVED;
            } else {
                assertTrue(store.put(key(k), MemorySegment.ofArray(encode(k, writer, version,
                        64 + random.nextInt(3000)))));
                lastOp[k] = version;
            }
        }
    }

    private static void read(DiskStore store, int reader) {
        SplittableRandom random = new SplittableRandom(100 + reader);
        for (int i = 0; i < READS_PER_READER; i++) {
            int k = random.nextInt(KEYS);
            byte[] found = (i & 1) == 0 ? store.get(key(k))
                    : store.read(key(k), v -> v.toArray(ValueLayout.JAVA_BYTE));
            if (found != null) {
                checkGenuine(k, found, WRITES_PER_WRITER);
            }
        }
    }

    /** After the threads: each key holds the last write of one of the two writers (or is absent if that removed it). */
    private static byte[][] checkFinalState(DiskStore store, int[][] lastOp) {
        byte[][] finalValues = new byte[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            byte[] found = store.get(key(k));
            finalValues[k] = found;
            boolean matches = false;
            for (int writer = 0; writer < 2; writer++) {
                int op = lastOp[writer][k];
                if (op == REMOVED || op == Integer.MIN_VALUE) {
                    matches |= found == null && (op == REMOVED || lastOp[1 - writer][k] == Integer.MIN_VALUE);
                } else if (found != null) {
                    ByteBuffer header = ByteBuffer.wrap(found);
                    matches |= header.getInt(4) == writer && header.getInt(8) == op;
                }
            }
            if (found != null) {
                checkGenuine(k, found, WRITES_PER_WRITER);
            }
            assertTrue(matches, "key " + k + " holds neither writer's last operation");
        }
        return finalValues;
    }
}
