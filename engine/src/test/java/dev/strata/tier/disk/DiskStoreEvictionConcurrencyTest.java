package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.COMPACTOR_THREAD;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static dev.strata.tier.disk.WriterValues.checkGenuine;
import static dev.strata.tier.disk.WriterValues.encode;
import static dev.strata.tier.disk.WriterValues.guarded;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link DiskStore#evictOldest()} on two threads racing with two writers (puts and removes), two readers (marking
 * visited half the time) and compaction on a {@link DiskCompactor} thread. Every value encodes (key, writer, version)
 * and a payload derived from them, so a reader can tell a genuine value of its key from anything else. At the end every
 * key the index walk finds reads as its writer's last put (an eviction can drop a key, never bring an older value
 * back), every other key is absent, the sizes, live bytes, files and quota agree, and a persistent store reopens to
 * the same contents.
 */
class DiskStoreEvictionConcurrencyTest {

    private static final int KEYS = 300;
    private static final int WRITES_PER_WRITER = 30_000;
    private static final int REMOVED = -1;
    private static final int NEVER = Integer.MIN_VALUE;

    @TempDir
    Path dir;

    /** How much the store holds before the evictors evict. */
    enum Pressure {
        /** More than about three segments: mostly sealed segments are evicted, with compactions about. */
        ABOVE_THREE_SEGMENTS(3 * DiskTestSupport.SMALL_SEGMENT),
        /** Anything: the oldest segment is often the active one, being appended to as it is evicted. */
        ANY(0);

        final long fileBytes;

        Pressure(long fileBytes) {
            this.fileBytes = fileBytes;
        }
    }

    /**
     * The last column is the point reads a sealed segment serves before it is mapped: the default, or 1, so that
     * nearly every read of a sealed segment is a copy out of a mapping, racing with evictions and compactions that
     * retire (and so unmap) segments. With {@code onTrial} half the puts are on trial, so the store writes new keys to
     * its probation segments, and evictions move records between its two logs while all this goes on. A persistent
     * store then reopens to the same contents twice: from the snapshot its close wrote, and by a scan of its files,
     * which would find any older record of a key that outlived the records over it.
     */
    @ParameterizedTest(name = "persistent={0}, evicting {1}, mapped after {2} reads, on trial: {3}")
    @CsvSource({"false, ABOVE_THREE_SEGMENTS, 64, false", "true, ABOVE_THREE_SEGMENTS, 64, false",
            "false, ANY, 64, false", "true, ANY, 64, false", "false, ABOVE_THREE_SEGMENTS, 1, false",
            "true, ABOVE_THREE_SEGMENTS, 1, false", "false, ABOVE_THREE_SEGMENTS, 64, true", "false, ANY, 64, true",
            "false, ABOVE_THREE_SEGMENTS, 1, true", "true, ABOVE_THREE_SEGMENTS, 64, true", "true, ANY, 64, true"})
    void evictionsRacingWithWritesReadsAndCompactionsNeverReturnAWrongValue(boolean persistent, Pressure pressure,
                                                                             int readsBeforeMapping, boolean onTrial)
            throws Exception {
        SegmentMaps maps = new SegmentMaps(SegmentMaps.DEFAULT_LIMIT, readsBeforeMapping);
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        DiskQuota quota = new DiskQuota(1L << 30);
        int[][] lastOp = new int[2][KEYS];
        for (int[] row : lastOp) {
            Arrays.fill(row, NEVER);
        }
        AtomicLong evicted = new AtomicLong();
        byte[][] contents;
        try (DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD)) {
            DiskStore store = DiskStore.open(dir, config, quota, compactor, maps);
            AtomicBoolean writing = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CyclicBarrier start = new CyclicBarrier(6);
            List<Thread> writers = new ArrayList<>();
            List<Thread> others = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().name("writer-" + w).start(guarded(failures, () -> {
                    start.await();
                    write(store, writer, lastOp[writer], onTrial);
                })));
            }
            for (int r = 0; r < 2; r++) {
                int reader = r;
                others.add(Thread.ofPlatform().name("reader-" + r).start(guarded(failures, () -> {
                    start.await();
                    read(store, reader, writing);
                })));
            }
            for (int e = 0; e < 2; e++) {
                int evictor = e;
                others.add(Thread.ofPlatform().name("evictor-" + e).start(guarded(failures, () -> {
                    start.await();
                    evict(store, evictor, pressure, writing, evicted);
                })));
            }
            joinAll(writers);
            writing.set(false);
            joinAll(others);
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError(failures.size() + " thread(s) failed");
                failures.forEach(error::addSuppressed);
                throw error;
            }
            store.compact();
            assertTrue(store.stats().evictedSegments() > 0, "evictions ran");
            assertEquals(onTrial, store.stats().probationPuts() > 0, "puts went to probation: " + store.stats());
            assertEquals(evicted.get(), store.stats().evictedRecords());
            assertEquals(0, store.stats().corruptRecords());
            contents = checkFinalState(store, lastOp, dir);
            assertEquals(quota.usedBytes(), store.fileBytes());
            assertEquals(store.size() * IndexTable.keyCharge(key(0).byteSize()), quota.indexBytes(),
                    "each key charged once in the index, whatever raced");
            store.writeWaiting();                      // the newest records reach the files when their buffer fills
            Path snapshot = dir.resolve(IndexSnapshot.FILE_NAME);    // a persistent store's checkpoint
            long onDisk = Files.exists(snapshot) ? Files.size(snapshot) : 0;
            for (Path file : segmentFiles(dir)) {
                onDisk += Files.size(file);
            }
            assertEquals(store.fileBytes(), onDisk, "every file on disk is a segment of the store, or its snapshot");
            store.close();
        }
        assertEquals(0, quota.usedBytes());
        assertEquals(0, quota.indexBytes());
        if (readsBeforeMapping == 1) {
            assertTrue(maps.reservations() > 0, "sealed segments were mapped");
        }
        assertEquals(0, maps.inUse(), "every mapping is gone with the store");
        if (persistent) {
            assertReopensTo(contents, config, quota, true);
            DiskTestSupport.asAfterACrash(dir);
            assertReopensTo(contents, config, quota, false);
        }
    }

    private void assertReopensTo(byte[][] contents, DiskStoreConfig config, DiskQuota quota, boolean fromSnapshot)
            throws IOException {
        try (DiskStore reopened = DiskStore.open(dir, config, quota, task -> { })) {
            assertEquals(fromSnapshot, reopened.restoredFromSnapshot());
            long present = 0;
            for (int k = 0; k < KEYS; k++) {
                assertArrayEquals(contents[k], reopened.get(key(k)), "recovered key " + k);
                present += contents[k] == null ? 0 : 1;
            }
            assertEquals(present, reopened.size());
        }
    }

    /**
     * One writer puts only new keys while another thread evicts the oldest segment over and over, which is mostly the
     * active segment the writer appends to: every key put is then either counted as evicted or present and readable
     * from a segment that exists (a put landing in a segment being evicted after its scan would leave an entry
     * pointing into a deleted file, never removed: no later write touches that key).
     */
    @ParameterizedTest(name = "persistent={0}, on trial: {1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void everyKeyPutDuringEvictionsIsEvictedOrReadable(boolean persistent, boolean onTrial) throws Exception {
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        int keys = 20_000;                                      // below WRITES_PER_WRITER: genuine versions
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskStore.open(dir, config, quota, Runnable::run)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CyclicBarrier start = new CyclicBarrier(2);
            Thread writer = Thread.ofPlatform().name("writer").start(guarded(failures, () -> {
                start.await();
                try {
                    for (int k = 0; k < keys; k++) {
                        assertTrue(store.put(key(k), MemorySegment.ofArray(encode(k, 0, k, 200)), onTrial));
                    }
                } finally {
                    writing.set(false);
                }
            }));
            Thread evictor = Thread.ofPlatform().name("evictor").start(guarded(failures, () -> {
                start.await();
                while (writing.get()) {
                    store.evictOldest();
                }
            }));
            joinAll(List.of(writer, evictor));
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError(failures.size() + " thread(s) failed");
                failures.forEach(error::addSuppressed);
                throw error;
            }
            assertTrue(store.stats().evictedRecords() > 0, "evictions dropped keys");
            assertEquals(keys, store.stats().evictedRecords() + store.size(), "every key evicted or present");
            long liveBytes = 0;
            for (int k = 0; k < keys; k++) {
                long stamp = store.stampOf(key(k));
                if (stamp == DiskStore.NO_STAMP) {
                    continue;
                }
                Path file = dir.resolve(String.format("segment-%06d.data", stamp >>> 32));
                assertTrue(Files.exists(file), "key " + k + " points into " + file.getFileName() + ", deleted");
                byte[] found = store.get(key(k));
                assertTrue(found != null, "key " + k + " is indexed but reads as absent");
                checkGenuine(k, found, WRITES_PER_WRITER);
                liveBytes += RecordFormat.recordBytes(key(k).byteSize(), found.length);
            }
            assertEquals(liveBytes, store.liveBytes());
            assertEquals(quota.usedBytes(), store.fileBytes());
        }
        assertEquals(0, quota.usedBytes());
    }

    private static void write(DiskStore store, int writer, int[] lastOp, boolean onTrial) {
        SplittableRandom random = new SplittableRandom(writer);
        for (int version = 0; version < WRITES_PER_WRITER; version++) {
            int k = random.nextInt(KEYS);
            if (random.nextInt(5) == 0) {
                store.remove(key(k));
                lastOp[k] = REMOVED;
            } else {
                assertTrue(store.put(key(k), MemorySegment.ofArray(encode(k, writer, version,
                        64 + random.nextInt(3000))), onTrial && random.nextBoolean()));
                lastOp[k] = version;
            }
        }
    }

    private static void read(DiskStore store, int reader, AtomicBoolean writing) {
        SplittableRandom random = new SplittableRandom(100 + reader);
        while (writing.get()) {
            int k = random.nextInt(KEYS);
            byte[] found = store.read(key(k), random.nextBoolean(), (value, stamp, visited) -> {
                if (stamp == DiskStore.NO_STAMP) {
                    fail("key " + k + " read with no stamp");
                }
                return value.toArray(ValueLayout.JAVA_BYTE);
            });
            if (found != null) {
                checkGenuine(k, found, WRITES_PER_WRITER);
            }
        }
    }

    /** Evicts whenever the store holds more than {@code pressure} allows; evictor 1 also compacts now and then. */
    private static void evict(DiskStore store, int evictor, Pressure pressure, AtomicBoolean writing,
                              AtomicLong evicted) {
        for (int round = 0; writing.get(); round++) {
            if (store.fileBytes() > pressure.fileBytes) {
                long dropped = store.evictOldest();
                assertTrue(dropped >= -1, "dropped: " + dropped);
                evicted.addAndGet(Math.max(0, dropped));
            } else if (evictor == 1 && round % 16 == 0) {
                store.compact();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * Every key the walk finds reads as the last put of one of the writers, from a segment whose file exists; every
     * other key is absent; sizes and live bytes agree. {@return each key's value, or null}
     */
    private static byte[][] checkFinalState(DiskStore store, int[][] lastOp, Path dir) {
        boolean[] walked = new boolean[KEYS];
        long[] count = {0};
        store.forEachKey(1, key -> {
            String text = new String(key.toArray(ValueLayout.JAVA_BYTE), java.nio.charset.StandardCharsets.UTF_8);
            walked[Integer.parseInt(text.substring("key-".length()))] = true;
            count[0]++;
        });
        assertEquals(count[0], store.size());
        byte[][] contents = new byte[KEYS][];
        long liveBytes = 0;
        for (int k = 0; k < KEYS; k++) {
            byte[] found = store.get(key(k));
            contents[k] = found;
            if (!walked[k]) {
                assertNull(found, "key " + k + " is not in the walk but reads");
                continue;
            }
            assertTrue(found != null, "key " + k + " is in the walk but reads as absent");
            Path file = dir.resolve(String.format("segment-%06d.data", store.stampOf(key(k)) >>> 32));
            assertTrue(Files.exists(file), "key " + k + " points into " + file.getFileName() + ", deleted");
            checkGenuine(k, found, WRITES_PER_WRITER);
            ByteBuffer header = ByteBuffer.wrap(found);
            int writer = header.getInt(4);
            assertEquals(lastOp[writer][k], header.getInt(8), "key " + k + " holds an older value of writer " + writer);
            liveBytes += RecordFormat.recordBytes(key(k).byteSize(), found.length);
        }
        assertEquals(liveBytes, store.liveBytes());
        assertFalse(store.containsKey(key(KEYS)));
        return contents;
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(120_000);
            assertFalse(thread.isAlive(), thread.getName() + " hung");
        }
    }
}
