package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.copySegmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.testing.Latches;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DiskStore#evictOldest()}: which keys leave, the accounting, the file, the quota, reopening and crashing
 * afterwards, and corrupt bytes in the evicted segment. The stores here hand their compactions to nobody, so the
 * segments stay as the writes left them.
 */
class DiskStoreEvictionTest {

    private static final int VALUE_BYTES = 1000;
    /** Keys are "key-NNNNN" (9 bytes): every record is 21 + 9 + 1000 bytes. */
    private static final int RECORD_BYTES = RecordFormat.recordBytes(9, VALUE_BYTES);
    /** Records of the first 64 KiB segment (after its 16-byte header). */
    private static final int PER_SEGMENT = (int) ((DiskTestSupport.SMALL_SEGMENT - 16) / RECORD_BYTES);
    private static final int KEYS = 5 * PER_SEGMENT;

    @TempDir
    Path dir;
    @TempDir
    Path crashDir;

    /**
     * Keys 0..KEYS-1 written in order (the first PER_SEGMENT in segment 1), then the first 10 overwritten (their new
     * records in the last segment) and keys 10..19 removed: eviction drops exactly keys 20..PER_SEGMENT-1.
     */
    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void evictionDropsExactlyTheKeysWhoseCurrentRecordIsInTheOldestSegment(boolean persistent) throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        Map<Integer, byte[]> expected = new HashMap<>();
        try (DiskStore store = openHoldingCompactions(config, quota)) {
            fillAndChurn(store, expected);
            Path oldestFile = segmentFiles(dir).getFirst();
            long oldestBytes = Files.size(oldestFile);
            Set<Integer> inOldest = new HashSet<>();
            for (int k = 0; k < KEYS; k++) {
                if (store.stampOf(key(k)) >>> 32 == 1) {
                    inOldest.add(k);
                }
            }
            Set<Integer> dropped = new HashSet<>();
            for (int k = 20; k < PER_SEGMENT; k++) {
                dropped.add(k);
            }
            assertEquals(dropped, inOldest, "the keys whose current record is in segment 1");
            long size = store.size();
            long liveBytes = store.liveBytes();
            long used = quota.usedBytes();

            assertEquals(dropped.size(), store.evictOldest());

            assertFalse(Files.exists(oldestFile), "the segment's file is gone");
            assertEquals(used - oldestBytes, quota.usedBytes(), "its bytes left the quota, once");
            assertEquals(quota.usedBytes(), store.fileBytes());
            assertEquals(size - dropped.size(), store.size());
            assertEquals(liveBytes - (long) dropped.size() * RECORD_BYTES, store.liveBytes());
            dropped.forEach(expected::remove);
            assertContents(store, expected);
            assertEquals(1, store.stats().evictedSegments());
            assertEquals(dropped.size(), store.stats().evictedRecords());
            assertFalse(store.remove(key(20)), "an evicted key is absent");
            assertNull(store.get(key(20)));
            store.put(key(20), segmentOf(value(VALUE_BYTES, 20_000)));
            expected.put(20, value(VALUE_BYTES, 20_000));
            assertContents(store, expected);
        }
        assertEquals(0, quota.usedBytes());
        if (persistent) {
            try (DiskStore reopened = openHoldingCompactions(config, quota)) {
                assertContents(reopened, expected);
                assertEquals(0, reopened.stats().corruptRecords());
            }
        }
    }

    /**
     * The second chance: records of the oldest segment read since their write (a marking read) are copied forward
     * when it is evicted, and start unvisited there; the others leave. A persistent store recovers the copies and
     * none of the dropped keys.
     */
    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void evictionCopiesTheRecordsReadSinceTheirWriteForward(boolean persistent) throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        Map<Integer, byte[]> expected = new HashMap<>();
        Set<Integer> read = Set.of(20, 33, PER_SEGMENT - 1);
        try (DiskStore store = openHoldingCompactions(config, quota)) {
            fillAndChurn(store, expected);                     // keys 20..PER_SEGMENT-1 are current in segment 1
            for (int k : read) {
                assertNotNull(store.read(key(k), true, (value, stamp, visited) -> value.byteSize()));
            }
            assertEquals(PER_SEGMENT - 20 - read.size(), store.evictOldest());

            assertEquals(read.size(), store.stats().secondChances());
            for (int k = 20; k < PER_SEGMENT; k++) {
                if (!read.contains(k)) {
                    expected.remove(k);
                }
            }
            assertContents(store, expected);
            for (int k : read) {
                assertTrue(store.stampOf(key(k)) >>> 32 > 1, "key " + k + " copied out of segment 1");
                assertEquals(Boolean.FALSE, store.read(key(k), false, (value, stamp, visited) -> visited),
                        "key " + k + ": the copy starts unvisited");
            }
        }
        if (persistent) {
            try (DiskStore reopened = openHoldingCompactions(config, quota)) {
                assertContents(reopened, expected);
                assertEquals(0, reopened.stats().corruptRecords());
            }
        }
    }

    /**
     * The second chance copies at most three quarters of a segment: with every record of the oldest one read, the rest
     * leave. (It copied half a segment until the hit ratio showed that too little.)
     */
    @Test
    void theSecondChanceCopiesAtMostThreeQuartersOfASegment() throws IOException {
        Map<Integer, byte[]> expected = new HashMap<>();
        try (DiskStore store = openHoldingCompactions(transientConfig(), new DiskQuota(1L << 30))) {
            for (int k = 0; k < KEYS; k++) {
                assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, k))));
                expected.put(k, value(VALUE_BYTES, k));
            }
            for (int k = 0; k < PER_SEGMENT; k++) {
                store.read(key(k), true, (value, stamp, visited) -> value.byteSize());
            }
            long kept = DiskTestSupport.SMALL_SEGMENT * 3 / 4 / RECORD_BYTES;
            assertTrue(kept < PER_SEGMENT, "the budget binds");
            assertEquals(PER_SEGMENT - kept, store.evictOldest());
            assertEquals(kept, store.stats().secondChances());
            for (int k = (int) kept; k < PER_SEGMENT; k++) {
                expected.remove(k);                            // scanned in write order: the first ones fit
            }
            assertContents(store, expected);
        }
    }

    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void theOnlySegmentIsEvictedThoughActiveAndWritesGoOnInANewOne(boolean persistent) throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        try (DiskStore store = openHoldingCompactions(config, quota)) {
            assertEquals(-1, store.evictOldest(), "an empty store has nothing to free");
            for (int k = 0; k < 10; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
            }
            assertEquals(1, segmentFiles(dir).size());
            assertEquals(10, store.evictOldest());
            assertEquals(0, store.size());
            assertEquals(0, store.liveBytes());
            assertEquals(0, store.fileBytes());
            assertEquals(0, quota.usedBytes());
            assertTrue(segmentFiles(dir).isEmpty());
            assertEquals(-1, store.evictOldest());

            store.put(key(3), segmentOf(value(VALUE_BYTES, 33)));
            assertEquals(2, store.stampOf(key(3)) >>> 32, "written to a new segment");
            assertArrayEquals(value(VALUE_BYTES, 33), store.get(key(3)));
            assertEquals(quota.usedBytes(), store.fileBytes());
            assertEquals(1, store.evictOldest());
            assertEquals(-1, store.evictOldest());
            assertEquals(0, quota.usedBytes());
        }
        if (persistent) {
            try (DiskStore reopened = openHoldingCompactions(config, quota)) {
                assertEquals(0, reopened.size());
            }
        }
    }

    /**
     * Segment 1 all overwritten, segment 2 the overwrites (removed since) and the first tombstones, segment 3 the other
     * tombstones and one live key: each is freed, dropping no key but the live one, and none comes back.
     */
    @Test
    void aSegmentOfDeadRecordsOrOfTombstonesIsFreedDroppingNothing() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = openHoldingCompactions(persistentConfig(), quota)) {
            for (int k = 0; k < PER_SEGMENT; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
            }
            for (int k = 0; k < PER_SEGMENT; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, -k)));    // segment 2, nearly full
            }
            for (int k = 0; k < PER_SEGMENT; k++) {
                assertTrue(store.remove(key(k)));                        // tombstones: segment 2, then 3
            }
            store.put(key("other"), segmentOf(value(10, 1)));
            assertEquals(3, segmentFiles(dir).size());
            assertEquals(0, store.evictOldest(), "segment 1: only dead records");
            assertEquals(0, store.evictOldest(), "segment 2: dead records and tombstones");
            assertEquals(1, store.size());
            assertEquals(1, store.evictOldest(), "segment 3: tombstones and one live key");
            assertEquals(-1, store.evictOldest());
            assertEquals(0, quota.usedBytes());
            assertEquals(3, store.stats().evictedSegments());
            assertEquals(1, store.stats().evictedRecords());
        }
        try (DiskStore reopened = openHoldingCompactions(persistentConfig(), quota)) {
            assertEquals(0, reopened.size(), "nothing comes back");
        }
    }

    /**
     * A reader parked inside {@code read} holds the oldest segment while it is evicted: the file is gone from the
     * directory when {@code evictOldest} returns, so a crash then (the directory's files copied as they are) brings
     * back no evicted key, nor one removed afterwards (no tombstone: it was absent). The reader finishes through the
     * open file, and the segment's bytes leave the quota when it does, once.
     */
    @Test
    void theFileIsGoneWhenEvictionReturnsThoughAReaderStillHoldsIt() throws Exception {
        DiskQuota quota = new DiskQuota(1L << 30);
        Map<Integer, byte[]> expected = new HashMap<>();
        try (DiskStore store = openHoldingCompactions(persistentConfig(), quota)) {
            fillAndChurn(store, expected);
            Path oldestFile = segmentFiles(dir).getFirst();
            long oldestBytes = Files.size(oldestFile);
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Object> readerSaw = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().name("parked-reader").daemon().start(() -> {
                try {
                    readerSaw.set(store.read(key(30), false, (value, stamp, visited) -> {
                        inside.countDown();
                        Latches.await(release, "release");
                        return value.toArray(ValueLayout.JAVA_BYTE);
                    }));
                } catch (RuntimeException | Error e) {
                    readerSaw.set(e);
                }
            });
            inside.await();
            try {
                evictWithAReaderInside(store, oldestFile, oldestBytes, quota, expected);
            } finally {
                release.countDown();                           // also when an assertion failed: never leave it parked
            }
            reader.join();
            assertArrayEquals(value(VALUE_BYTES, 30), (byte[]) readerSaw.get(), "read through the unlinked file");
            assertEquals(store.fileBytes(), quota.usedBytes(), "released when the reader left, once");
            assertContents(store, expected);
        }
        assertEquals(0, quota.usedBytes());
    }

    /** The checks made while the reader holds the oldest segment. */
    private void evictWithAReaderInside(DiskStore store, Path oldestFile, long oldestBytes, DiskQuota quota,
                                        Map<Integer, byte[]> expected) throws IOException {
        assertEquals(PER_SEGMENT - 20, store.evictOldest());
        assertFalse(Files.exists(oldestFile), "unlinked while a reader holds it");
        assertEquals(store.fileBytes() + oldestBytes, quota.usedBytes(), "its bytes are on the device still");
        for (int k = 20; k < PER_SEGMENT; k++) {
            expected.remove(k);
        }
        assertFalse(store.remove(key(25)), "evicted: no tombstone written");
        assertTrue(store.remove(key(PER_SEGMENT + 1)));
        expected.remove(PER_SEGMENT + 1);
        copySegmentFiles(dir, crashDir);
        try (DiskStore recovered = openHoldingCompactions(persistentConfig(), new DiskQuota(1L << 30), crashDir)) {
            assertContents(recovered, expected);
        }
    }

    /**
     * A transient store's compaction copies into a segment of its own; evicted in its turn while it is the copies'
     * current segment (after the older segments, before the active one, which goes last), it is sealed first, so a
     * later compaction copies into a new one.
     */
    @Test
    void aTransientStoresCompactionOutputIsEvictedInItsTurnAndLaterCopiesGoToANewSegment() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        Map<Integer, byte[]> expected = new HashMap<>();
        try (DiskStore store = openHoldingCompactions(transientConfig(), quota)) {
            for (int k = 0; k < 2 * PER_SEGMENT; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
                expected.put(k, value(VALUE_BYTES, k));
            }
            overwriteAllButEveryTenth(store, 0, expected);
            store.compact();                                         // segment 1's survivors: copied to the output
            long output = store.stampOf(key(0)) >>> 32;
            long writing = store.stampOf(key(PER_SEGMENT - 1)) >>> 32;
            assertTrue(output > writing, "copied out of segment 1: " + output + ", after " + writing);
            for (int k = 0; k < PER_SEGMENT; k += 10) {
                assertEquals(output, store.stampOf(key(k)) >>> 32, "key " + k + " copied with the others");
            }
            while (store.containsKey(key(0))) {
                assertTrue(store.evictOldest() >= 0);
            }
            assertFalse(Files.exists(dir.resolve(Segment.fileName(output))));
            assertTrue(store.size() < expected.size());
            expected.keySet().removeIf(k -> !store.containsKey(key(k)));
            assertFalse(expected.isEmpty(), "the active segment stayed");
            assertTrue(expected.keySet().stream().allMatch(k -> store.stampOf(key(k)) >>> 32 == writing),
                    "the output went in id order, the active segment last");
            assertEquals(expected.size(), store.evictOldest(), "then the active segment");
            expected.clear();

            int base = 10 * PER_SEGMENT;                             // a new segment, then most of it dies
            for (int k = base; k < base + PER_SEGMENT; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
                expected.put(k, value(VALUE_BYTES, k));
            }
            overwriteAllButEveryTenth(store, base, expected);
            store.compact();
            long nextOutput = store.stampOf(key(base)) >>> 32;
            assertTrue(nextOutput > output, "copied to a new output segment: " + nextOutput);
            for (Map.Entry<Integer, byte[]> entry : expected.entrySet()) {
                assertArrayEquals(entry.getValue(), store.get(key(entry.getKey())), "key " + entry.getKey());
            }
            assertEquals(expected.size(), store.size());
            assertEquals(quota.usedBytes(), store.fileBytes());
        }
        assertEquals(0, quota.usedBytes());
    }

    /** With fsyncOnWrite the directory is forced after the unlink; the eviction is otherwise the same. */
    @Test
    void anFsyncingStoreEvictsToo() throws IOException {
        DiskStoreConfig config = persistentConfig().withFsyncOnWrite(true);
        try (DiskStore store = openHoldingCompactions(config, new DiskQuota(1L << 30))) {
            for (int k = 0; k < PER_SEGMENT + 5; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
            }
            assertEquals(PER_SEGMENT, store.evictOldest());
            assertEquals(5, store.size());
        }
    }

    /**
     * A record with a bad CRC (its key bytes intact) or a bad header (records after it unreadable) in the oldest
     * segment: eviction drops every entry pointing into the segment all the same, found through the index.
     */
    @ParameterizedTest(name = "bad header={0}")
    @ValueSource(booleans = {false, true})
    void corruptBytesInTheEvictedSegmentDropEveryEntryPointingIntoIt(boolean badHeader) throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = openHoldingCompactions(transientConfig(), quota)) {
            for (int k = 0; k < PER_SEGMENT + 5; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
            }
            long offset = store.stampOf(key(10)) & 0xFFFF_FFFFL;
            try (FileChannel file = FileChannel.open(segmentFiles(dir).getFirst(), StandardOpenOption.WRITE)) {
                int at = badHeader ? RecordFormat.FLAGS_OFFSET : RecordFormat.HEADER_BYTES + 9 + 500;
                file.write(ByteBuffer.wrap(new byte[] {(byte) 0x80}), offset + at);
            }
            assertEquals(PER_SEGMENT, store.evictOldest());
            for (int k = 0; k < PER_SEGMENT; k++) {
                assertEquals(DiskStore.NO_STAMP, store.stampOf(key(k)), "key " + k);
            }
            assertEquals(5, store.size());
            assertEquals(5L * RECORD_BYTES, store.liveBytes());
            assertTrue(store.stats().corruptRecords() >= 1);
            assertEquals(PER_SEGMENT, store.stats().evictedRecords());
            assertEquals(quota.usedBytes(), store.fileBytes());
        }
    }

    @Test
    void aClosedStoreRefuses() throws IOException {
        DiskStore store = openHoldingCompactions(transientConfig(), new DiskQuota(1L << 30));
        store.put(key(1), segmentOf(value(10, 1)));
        store.close();
        assertThrows(IllegalStateException.class, store::evictOldest);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Puts keys 0..KEYS-1, then overwrites keys 0..9 and removes keys 10..19; {@code expected} gets the result. */
    private static void fillAndChurn(DiskStore store, Map<Integer, byte[]> expected) {
        for (int k = 0; k < KEYS; k++) {
            assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, k))));
            expected.put(k, value(VALUE_BYTES, k));
        }
        for (int k = 0; k < 10; k++) {
            assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, -k))));
            expected.put(k, value(VALUE_BYTES, -k));
        }
        for (int k = 10; k < 20; k++) {
            assertTrue(store.remove(key(k)));
            expected.remove(k);
        }
    }

    /** Overwrites keys {@code from}..{@code from}+PER_SEGMENT-1 but every tenth (a segment of them, mostly dead). */
    private static void overwriteAllButEveryTenth(DiskStore store, int from, Map<Integer, byte[]> expected) {
        for (int k = from; k < from + PER_SEGMENT; k++) {
            if ((k - from) % 10 != 0) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, -k)));
                expected.put(k, value(VALUE_BYTES, -k));
            }
        }
    }

    private static void assertContents(DiskStore store, Map<Integer, byte[]> expected) {
        for (int k = 0; k < KEYS; k++) {
            assertArrayEquals(expected.get(k), store.get(key(k)), "key " + k);
        }
        assertEquals(expected.size(), store.size());
        long liveBytes = 0;
        for (byte[] value : expected.values()) {
            liveBytes += RecordFormat.recordBytes(9, value.length);
        }
        assertEquals(liveBytes, store.liveBytes());
    }

    private DiskStore openHoldingCompactions(DiskStoreConfig config, DiskQuota quota) throws IOException {
        return openHoldingCompactions(config, quota, dir);
    }

    private static DiskStore openHoldingCompactions(DiskStoreConfig config, DiskQuota quota, Path directory)
            throws IOException {
        return DiskStore.open(directory, config, quota, task -> { });
    }
}
