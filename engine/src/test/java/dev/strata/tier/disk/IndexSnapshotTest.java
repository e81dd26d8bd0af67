package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.flipByte;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The index snapshot a persistent store writes when it closes, and as a checkpoint while it runs
 * ({@link IndexSnapshot}): an open restores the index from it as a scan would have rebuilt it, continues the sequence,
 * keeps visited bits and dead bytes, keeps the snapshot, and after a crash scans only the files written since; it
 * refuses and deletes a snapshot that does not match the files; a record damaged while the store was closed is caught
 * by the read that meets it.
 */
class IndexSnapshotTest {

    private static final int KEYS = 3_000;
    private static final int VALUE_BYTES = 100;

    @TempDir
    Path dir;

    /** The value key {@code i} holds after {@link #fill}: overwritten for every third key, removed for every fifth. */
    private static byte[] expected(int i) {
        return i % 5 == 0 ? null : value(VALUE_BYTES, i % 3 == 0 ? 1_000_000 + i : i);
    }

    /** Puts every key, overwrites every third, removes every fifth: records in many segments, some dead. */
    private static void fill(DiskStore store) {
        for (int i = 0; i < KEYS; i++) {
            assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
        }
        for (int i = 0; i < KEYS; i += 3) {
            assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, 1_000_000 + i))));
        }
        for (int i = 0; i < KEYS; i += 5) {
            assertTrue(store.remove(key(i)));
        }
    }

    private static void assertHoldsWhatFillLeft(DiskStore store) {
        for (int i = 0; i < KEYS; i++) {
            assertArrayEquals(expected(i), store.get(key(i)), "key " + i);
        }
    }

    private DiskStore open(DiskStoreConfig config) throws IOException {
        return DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30));
    }

    private Path snapshot() {
        return dir.resolve(IndexSnapshot.FILE_NAME);
    }

    @Test
    void aCleanCloseReopensFromTheSnapshotAsAScanWould() throws IOException {
        long size;
        long liveBytes;
        try (DiskStore store = open(persistentConfig())) {
            fill(store);
            size = store.size();
            liveBytes = store.liveBytes();
        }
        assertTrue(Files.exists(snapshot()));
        assertTrue(segmentFiles(dir).size() > 5, "records in many segments: " + segmentFiles(dir));
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertTrue(store.restoredFromSnapshot());
            assertEquals(0, store.scannedAtOpen(), "nothing written after the snapshot");
            assertTrue(Files.exists(snapshot()), "kept: a checkpoint of segments that never change again");
            assertEquals(bytesOfFiles(), quota.usedBytes(), "the snapshot counts in the quota beside the segments");
            assertEquals(size, store.size());
            assertEquals(liveBytes, store.liveBytes());
            assertEquals(size, store.stats().recoveredRecords());
            assertEquals(0, store.stats().recordsRead(), "no record read to open");
            assertHoldsWhatFillLeft(store);
        }
        assertEquals(0, quota.usedBytes(), "all given back at close");
        DiskTestSupport.asAfterACrash(dir);
        try (DiskStore store = open(persistentConfig())) {
            assertFalse(store.restoredFromSnapshot());
            assertEquals(size, store.size(), "the scan finds what the snapshot named");
            assertEquals(liveBytes, store.liveBytes());
            assertHoldsWhatFillLeft(store);
        }
    }

    /** A store that forces every write forces the snapshot and its rename too, and reopens from it the same way. */
    @Test
    void aStoreThatForcesEveryWriteReopensFromItsSnapshot() throws IOException {
        DiskStoreConfig forcing = persistentConfig().withFsyncOnWrite(true);
        try (DiskStore store = open(forcing)) {
            fill(store);
        }
        assertTrue(Files.exists(snapshot()));
        try (DiskStore store = open(forcing)) {
            assertTrue(store.restoredFromSnapshot());
            assertHoldsWhatFillLeft(store);
        }
    }

    /**
     * A put after a reopen from the snapshot must outrank the key's older records in a later scan: the sequence goes
     * on.
     */
    @Test
    void theSequenceGoesOnAfterTheSnapshot() throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            fill(store);
        }
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            assertTrue(store.put(key(1), segmentOf(value(VALUE_BYTES, 7))));
            assertTrue(store.put(key(0), segmentOf(value(VALUE_BYTES, 8))));     // removed before: back again
            assertTrue(store.remove(key(2)));
        }
        DiskTestSupport.asAfterACrash(dir);
        try (DiskStore store = open(persistentConfig())) {
            assertFalse(store.restoredFromSnapshot());
            assertArrayEquals(value(VALUE_BYTES, 7), store.get(key(1)));
            assertArrayEquals(value(VALUE_BYTES, 8), store.get(key(0)));
            assertNull(store.get(key(2)));
            assertArrayEquals(expected(4), store.get(key(4)));
        }
    }

    @Test
    void visitedBitsSurviveTheReopen() throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            fill(store);
            for (int i = 1; i < KEYS; i += 7) {
                if (expected(i) != null) {
                    assertFalse(visited(store, i, true));
                }
            }
        }
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            for (int i = 0; i < KEYS; i++) {
                if (expected(i) != null) {
                    assertEquals(i % 7 == 1, visited(store, i, false), "key " + i);
                }
            }
        }
    }

    private static boolean visited(DiskStore store, int i, boolean mark) {
        return store.read(key(i), mark, (value, stamp, visited) -> visited);
    }

    /**
     * Dead bytes come back with the snapshot: segments a compaction was due for at the close (the compactor never ran
     * here) are compacted after the reopen.
     */
    @Test
    void deadBytesSurviveTheReopen() throws IOException {
        Executor never = task -> { };
        long fileBytes;
        try (DiskStore store = DiskStore.open(dir, persistentConfig(), new DiskQuota(1L << 30), never)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < KEYS; i++) {
                    assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, round * KEYS + i))));
                }
            }
            fileBytes = store.fileBytes();
            assertEquals(0, store.stats().compactions());
        }
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            assertTrue(store.stats().compactions() > 0, "the segments due were compacted");
            long segmentBytes = store.fileBytes() - Files.size(snapshot());
            assertTrue(segmentBytes < fileBytes * 3 / 5, segmentBytes + " bytes of segments left of " + fileBytes);
            for (int i = 0; i < KEYS; i++) {
                assertArrayEquals(value(VALUE_BYTES, 2 * KEYS + i), store.get(key(i)));
            }
        }
    }

    /** Ways the files can disagree with a snapshot; each makes the open scan everything instead. */
    enum Mismatch {
        SNAPSHOT_BYTE_FLIPPED, SNAPSHOT_OF_ANOTHER_FORMAT, SEGMENT_GREW, SEGMENT_SHRANK, OLDER_SEGMENT_NOT_NAMED,
        SNAPSHOT_CUT_SHORT
    }

    @ParameterizedTest
    @EnumSource(Mismatch.class)
    void aSnapshotThatDoesNotMatchTheFilesIsNotUsed(Mismatch mismatch) throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            fill(store);
        }
        List<Path> segments = segmentFiles(dir);
        Path newest = segments.getLast();
        switch (mismatch) {
            case SNAPSHOT_BYTE_FLIPPED -> flipByte(snapshot(), Files.size(snapshot()) / 2);
            case SNAPSHOT_OF_ANOTHER_FORMAT -> rewriteInt(snapshot(), 8, IndexSnapshot.FORMAT + 1);
            case SEGMENT_GREW -> {
                try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.allocate(100), channel.size());
                }
            }
            case SEGMENT_SHRANK -> {
                try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE)) {
                    channel.truncate(channel.size() - 1);
                }
            }
            case OLDER_SEGMENT_NOT_NAMED -> Files.move(newest, dir.resolve(Segment.fileName(0)));
            case SNAPSHOT_CUT_SHORT -> {
                try (FileChannel channel = FileChannel.open(snapshot(), StandardOpenOption.WRITE)) {
                    channel.truncate(channel.size() - 5);
                }
            }
        }
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertFalse(store.restoredFromSnapshot(), mismatch.name());
            assertFalse(Files.exists(snapshot()), "refused once, deleted");
            assertEquals(bytesOfFiles(), quota.usedBytes(), "the files charged once: none twice");
            assertEquals(quota.indexBytes(), store.indexBytes(), "the keys charged once");
            if (mismatch == Mismatch.OLDER_SEGMENT_NOT_NAMED || mismatch == Mismatch.SEGMENT_SHRANK) {
                int found = 0;
                for (int i = 0; i < KEYS; i++) {       // records went with the bytes (a remove or overwrite cut off
                    byte[] value = store.get(key(i));  // brings an older value back), but no value is another key's
                    if (value != null) {
                        assertTrue(Arrays.equals(value(VALUE_BYTES, 1_000_000 + i), value)
                                || Arrays.equals(value(VALUE_BYTES, i), value), "key " + i);
                        found++;
                    }
                }
                assertEquals(store.size(), found);
            } else {
                assertHoldsWhatFillLeft(store);
            }
        }
    }

    /** {@return the bytes of the files in the store's directory: its segments, and spares if it kept any} */
    private long bytesOfFiles() throws IOException {
        long bytes = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(file);
            }
        }
        return bytes;
    }

    /**
     * A crash after an open from the snapshot: the next open restores the snapshot's entries of the segments still
     * there and scans only the segment files written since, and ends with the index a scan of every file gives, though
     * writes after the snapshot overwrote, removed and re-put its keys, compactions copied its records to newer
     * segments and deleted old ones, and an eviction dropped its oldest segment. The crash is a copy of the directory
     * taken while the store is open: a persistent store's records are in its files before its puts return.
     */
    @Test
    void aCrashAfterTheReopenScansOnlyWhatWasWrittenSince(@TempDir Path crashed, @TempDir Path scanned)
            throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            for (int i = 0; i < KEYS; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
        }
        int namedFiles = segmentFiles(dir).size();
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            for (int i = 1; i < KEYS; i += 10) {                       // a tenth of each named segment dies:
                assertTrue(store.remove(key(i)));                      // not enough to compact it
            }
            for (int i = 3; i < KEYS; i += 10) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, 2_000_000 + i))));
            }
            for (int i = 2 * KEYS / 3; i < KEYS; i += 2) {            // the newest named segments compact
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, 2_000_000 + i))));
            }
            for (int i = KEYS; i < KEYS + 500; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            assertTrue(store.evictOldest() > 0);
            assertTrue(store.stats().compactions() > 0, "compactions copied records of named segments");
            copyFiles(dir, crashed);
            copyFiles(dir, scanned);
        }
        DiskTestSupport.asAfterACrash(scanned);
        try (DiskStore fromSnapshot = DiskTestSupport.openCompactingInline(crashed, persistentConfig(),
                new DiskQuota(1L << 30));
             DiskStore fromScan = DiskTestSupport.openCompactingInline(scanned, persistentConfig(),
                     new DiskQuota(1L << 30))) {
            assertTrue(fromSnapshot.restoredFromSnapshot());
            assertTrue(fromSnapshot.scannedAtOpen() > 0, "the files written after the snapshot");
            assertTrue(fromSnapshot.scannedAtOpen() < fromScan.scannedAtOpen(), fromSnapshot.scannedAtOpen()
                    + " files scanned of " + fromScan.scannedAtOpen() + "; " + namedFiles + " were named");
            assertFalse(fromScan.restoredFromSnapshot());
            assertEquals(fromScan.size(), fromSnapshot.size());
            assertEquals(fromScan.liveBytes(), fromSnapshot.liveBytes());
            int checked = 0;
            for (int i = 0; i < KEYS + 500; i++) {
                byte[] value = fromScan.get(key(i));
                assertArrayEquals(value, fromSnapshot.get(key(i)), "key " + i);
                if (i < 2 * KEYS / 3 && value != null && i % 10 == 3) {
                    assertArrayEquals(value(VALUE_BYTES, 2_000_000 + i), value, "overwritten after the snapshot");
                    checked++;
                }
                if (i < KEYS && i % 10 == 1) {
                    assertNull(value, "removed after the snapshot: key " + i);
                }
            }
            assertTrue(checked > KEYS / 20, checked + " keys overwritten in named segments that are still there");
        }
    }

    /**
     * A writer that scans instead of restoring the snapshot, and leaves it in place (a build from before it), goes on
     * from the highest sequence in the files. A put refused just before the close takes no sequence, so that writer's
     * records still outrank the snapshot's entries when a later open restores it and scans the writer's files.
     */
    @Test
    void aWriterThatIgnoresTheSnapshotStillOutranksItsEntries() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1 << 20))) {
            for (int i = 0; i < 10; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            assertFalse(store.put(key(99), segmentOf(value(2 << 20, 99))), "larger than the quota: refused");
        }
        byte[] snapshotOfTheClose = Files.readAllBytes(snapshot());
        DiskTestSupport.asAfterACrash(dir);
        try (DiskStore writer = open(persistentConfig())) {            // the writer that knows no snapshot
            assertFalse(writer.restoredFromSnapshot());
            assertTrue(writer.put(key(1), segmentOf(value(VALUE_BYTES, 1_001))));
        }
        Files.write(snapshot(), snapshotOfTheClose);                   // as that writer left it
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            assertEquals(1, store.scannedAtOpen(), "the writer's segment");
            assertArrayEquals(value(VALUE_BYTES, 1_001), store.get(key(1)), "the writer's put outranks the entry");
            assertArrayEquals(value(VALUE_BYTES, 2), store.get(key(2)));
        }
    }

    /**
     * A checkpoint taken while the store runs names its sealed segments; after a crash the open restores it and scans
     * only the segment that was being appended to and newer ones, and ends with the index a scan of every file gives.
     */
    @Test
    void aCheckpointWhileTheStoreRunsLetsACrashScanOnlyTheNewerFiles(@TempDir Path crashed, @TempDir Path scanned)
            throws IOException {
        try (DiskStore store = DiskStore.open(dir, persistentConfig(), new DiskQuota(1L << 30), Runnable::run)) {
            for (int i = 0; i < KEYS; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            store.checkpoint();
            assertTrue(Files.exists(snapshot()));
            for (int i = 1; i < KEYS; i += 10) {
                assertTrue(store.remove(key(i)));
            }
            for (int i = 3; i < KEYS; i += 10) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, 2_000_000 + i))));
            }
            for (int i = KEYS; i < KEYS + 300; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            copyFiles(dir, crashed);
            copyFiles(dir, scanned);
        }
        DiskTestSupport.asAfterACrash(scanned);
        assertSameAsAScan(crashed, scanned, KEYS + 300, true);
    }

    /**
     * Writers put and remove while checkpoints are taken; after a crash the open from the last checkpoint ends with the
     * index a scan of every file gives: no entry a writer changed during a checkpoint comes back older.
     */
    @Test
    void writersRacingWithCheckpointsLoseNothingAfterACrash(@TempDir Path crashed, @TempDir Path scanned)
            throws Exception {
        try (DiskStore store = DiskStore.open(dir, persistentConfig(), new DiskQuota(1L << 30), Runnable::run)) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                long seed = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    for (long op = 0; !stop.get() || op < 20_000; op++) {
                        int k = random.nextInt(KEYS);
                        if (random.nextInt(5) == 0) {
                            store.remove(key(k));
                        } else {
                            store.put(key(k), segmentOf(value(VALUE_BYTES, op * 10 + seed)));
                        }
                    }
                }));
            }
            for (int round = 0; round < 5; round++) {
                store.checkpoint();
            }
            stop.set(true);
            for (Thread writer : writers) {
                writer.join();
            }
            copyFiles(dir, crashed);
            copyFiles(dir, scanned);
        }
        DiskTestSupport.asAfterACrash(scanned);
        assertSameAsAScan(crashed, scanned, KEYS, false);   // compactions may have taken every named segment
    }

    /**
     * An entry's fields are varints: 1 byte up to 127, 5 for the largest (an offset of 2^28 or more in a segment of up
     * to 1 GiB), read back as the unsigned bits they were; one that runs past 5 bytes or past the end is refused.
     */
    @Test
    void entryFieldsAreVarintsOfOneToFiveBytes() throws IOException {
        int[] values = {0, 1, 127, 128, 16_383, 16_384, (1 << 28) - 1, 1 << 28, Integer.MAX_VALUE, -1, Integer.MIN_VALUE};
        int[] sizes = {1, 1, 1, 2, 2, 3, 4, 5, 5, 5, 5};
        for (int i = 0; i < values.length; i++) {
            ByteBuffer buffer = ByteBuffer.allocate(5);
            IndexSnapshot.putVarint(buffer, values[i]);
            assertEquals(sizes[i], buffer.position(), "bytes of " + values[i]);
            assertEquals(values[i], IndexSnapshot.getVarint(buffer.flip()));
            assertFalse(buffer.hasRemaining());
        }
        ByteBuffer tooLong = ByteBuffer.wrap(new byte[] {-1, -1, -1, -1, -1, 1});
        assertThrows(IndexSnapshot.Unusable.class, () -> IndexSnapshot.getVarint(tooLong));
        ByteBuffer cut = ByteBuffer.wrap(new byte[] {-1, -1});
        assertThrows(IndexSnapshot.Unusable.class, () -> IndexSnapshot.getVarint(cut));
    }

    /** Writing segment after segment takes checkpoints on its own, charged to the quota in place of the one before. */
    @Test
    void checkpointsAreTakenAsSegmentsSeal() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int i = 0; i < KEYS; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            assertTrue(Files.exists(snapshot()), "four segments sealed: a checkpoint was due");
            assertEquals(bytesOfFiles(), quota.usedBytes(), "the snapshot counts in the quota, once");
        }
    }

    /**
     * Opens {@code crashed} from its snapshot and {@code scanned} by a full scan of the same files, and checks that they
     * hold the same keys and values; with {@code fewerFiles}, that the first scanned fewer files.
     */
    private static void assertSameAsAScan(Path crashed, Path scanned, int keys, boolean fewerFiles)
            throws IOException {
        try (DiskStore fromSnapshot = DiskTestSupport.openCompactingInline(crashed, persistentConfig(),
                new DiskQuota(1L << 30));
             DiskStore fromScan = DiskTestSupport.openCompactingInline(scanned, persistentConfig(),
                     new DiskQuota(1L << 30))) {
            assertTrue(fromSnapshot.restoredFromSnapshot());
            assertFalse(fromScan.restoredFromSnapshot());
            for (int i = 0; i < keys; i++) {
                assertArrayEquals(fromScan.get(key(i)), fromSnapshot.get(key(i)), "key " + i);
            }
            assertEquals(fromScan.size(), fromSnapshot.size());
            assertEquals(fromScan.liveBytes(), fromSnapshot.liveBytes());
            if (fewerFiles) {
                assertTrue(fromSnapshot.scannedAtOpen() < fromScan.scannedAtOpen(), fromSnapshot.scannedAtOpen()
                        + " files scanned of " + fromScan.scannedAtOpen());
            }
        }
    }

    private static void copyFiles(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".data")
                    || f.getFileName().toString().equals(IndexSnapshot.FILE_NAME)).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static void rewriteInt(Path file, long offset, int value) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, value), offset);
        }
    }

    /**
     * The snapshot's open reads no record, so a value damaged while the store was closed is found by the CRC check of
     * the read that meets it: counted, dropped, never returned.
     */
    @Test
    void aRecordDamagedWhileClosedIsCaughtByTheReadThatMeetsIt() throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            for (int i = 0; i < 10; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
        }
        int recordBytes = RecordFormat.recordBytes(key(0).byteSize(), VALUE_BYTES);
        long valueOfKey3 = RecordFormat.SEGMENT_HEADER_BYTES + 3L * recordBytes + recordBytes - VALUE_BYTES / 2;
        flipByte(segmentFiles(dir).getFirst(), valueOfKey3);
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            assertEquals(10, store.size(), "the open read no record");
            assertNull(store.get(key(3)));
            assertEquals(1, store.stats().corruptRecords());
            assertEquals(9, store.size(), "the damaged record left the index");
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(i == 3 ? null : value(VALUE_BYTES, i), store.get(key(i)));
            }
        }
    }

    /**
     * Keys larger than the snapshot's 1 MiB buffer, among many small ones, written and read back across its refills
     * and sections.
     */
    @Test
    void largeKeysAndManyEntriesRoundTrip() throws IOException {
        int smallKeys = 40_000;
        try (DiskStore store = open(persistentConfig())) {
            for (int i = 0; i < smallKeys; i++) {
                assertTrue(store.put(key(i), segmentOf(value(8, i))));
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(store.put(largeKey(i), segmentOf(value(8, -i))));
            }
        }
        assertTrue(Files.size(snapshot()) > 2 * (1 << 20), Files.size(snapshot()) + " bytes");
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.restoredFromSnapshot());
            assertEquals(smallKeys + 3, store.size());
            for (int i = 0; i < smallKeys; i++) {
                assertArrayEquals(value(8, i), store.get(key(i)));
            }
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(value(8, -i), store.get(largeKey(i)));
            }
        }
    }

    private static MemorySegment largeKey(int i) {
        byte[] bytes = value(3 << 19, 77 + i);                                // 1.5 MiB
        return MemorySegment.ofArray(bytes);
    }

    @Test
    void aTransientStoreDeletesASnapshotItFinds() throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            fill(store);
        }
        assertTrue(Files.exists(snapshot()));
        try (DiskStore store = open(transientConfig())) {
            assertEquals(0, store.size());
            assertFalse(Files.exists(snapshot()));
        }
        assertFalse(Files.exists(snapshot()), "a transient store writes none");
    }

    /** An interrupted caller closes and opens through the snapshot as any other, and keeps its interrupt status. */
    @Test
    void anInterruptedThreadWritesAndReadsTheSnapshot() throws IOException {
        DiskStore first = open(persistentConfig());
        fill(first);
        Thread.currentThread().interrupt();
        try {
            first.close();
            assertTrue(Thread.currentThread().isInterrupted());
            assertTrue(Files.exists(snapshot()));
            try (DiskStore store = open(persistentConfig())) {
                assertTrue(Thread.currentThread().isInterrupted());
                assertTrue(store.restoredFromSnapshot());
                assertHoldsWhatFillLeft(store);
            }
        } finally {
            Thread.interrupted();
        }
    }
}
