package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.ProbationKeys.PER_SEGMENT;
import static dev.strata.tier.disk.ProbationKeys.TRIAL;
import static dev.strata.tier.disk.ProbationKeys.VALUE_BYTES;
import static dev.strata.tier.disk.ProbationKeys.assertPresent;
import static dev.strata.tier.disk.ProbationKeys.putAll;
import static dev.strata.tier.disk.ProbationKeys.rollLog;
import static dev.strata.tier.disk.ProbationKeys.segmentIdOf;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A persistent {@link DiskStore}'s S3-FIFO: its probation log survives a restart (a flag in each segment's header),
 * and no restart, clean or after a crash, by a scan or from an index checkpoint, brings back a value the store had
 * replaced, removed or evicted. The rules that keep it so: a key's writes follow the log its current record is in;
 * a record moving from probation to the main log takes a new sequence.
 */
class PersistentProbationTest {

    @TempDir
    Path dir;

    /**
     * Puts on trial go to a probation segment, flagged so in its header; after a clean reopen (from the snapshot) and
     * after a crash (a scan of the files) eviction still takes it first, moving what was read to the main log.
     */
    @ParameterizedTest(name = "after a crash={0}")
    @ValueSource(booleans = {false, true})
    void theProbationLogSurvivesAReopen(boolean crash) throws IOException {
        try (DiskStore store = open(dir)) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT, true);
            assertEquals(PER_SEGMENT, store.stats().probationPuts());
            assertTrue(isProbationFile(segmentIdOf(store, TRIAL)));
            assertFalse(isProbationFile(segmentIdOf(store, 0)));
        }
        if (crash) {
            DiskTestSupport.asAfterACrash(dir);
        }
        try (DiskStore reopened = open(dir)) {
            assertEquals(!crash, reopened.restoredFromSnapshot());
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k += 2) {
                assertNotNull(reopened.read(key(k), true, (bytes, stamp, visited) -> bytes.byteSize()));
            }
            assertEquals(PER_SEGMENT / 2, reopened.evictOldest(), "the probation segment first: its unread half");
            assertPresent(reopened, 0, 2 * PER_SEGMENT);
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k++) {
                assertValue(reopened, k, k % 2 == 0 ? value(VALUE_BYTES, k) : null);
            }
            assertFalse(isProbationFile(segmentIdOf(reopened, TRIAL)), "the read half moved to the main log");
        }
        DiskTestSupport.asAfterACrash(dir);
        try (DiskStore scanned = open(dir)) {
            assertPresent(scanned, 0, 2 * PER_SEGMENT);
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k++) {
                assertValue(scanned, k, k % 2 == 0 ? value(VALUE_BYTES, k) : null);
            }
        }
    }

    /**
     * A put of a key whose record is in the probation log goes there too, even off trial, marked read so that it moves
     * to the main log when its segment is evicted; its removal's tombstone goes there as well. A key held in the main
     * log stays in it, even on trial. Written to the other log, an evicted record would leave behind an older one of
     * the same key that a scan after a crash would bring back.
     */
    @Test
    void aKeysWritesFollowTheLogOfItsRecord() throws IOException {
        try (DiskStore store = open(dir)) {
            putAll(store, 0, PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT / 2, true);
            long probation = segmentIdOf(store, TRIAL);

            store.put(key(TRIAL), segmentOf(value(VALUE_BYTES, -1)), false);
            store.put(key(0), segmentOf(value(VALUE_BYTES, -2)), true);
            assertTrue(store.remove(key(TRIAL + 1)));

            assertEquals(probation, segmentIdOf(store, TRIAL), "the overwrite followed its record into probation");
            assertFalse(isProbationFile(segmentIdOf(store, 0)), "a main key stays in the main log");
            assertEquals(PER_SEGMENT / 2 + 2, tombstonesAndRecordsIn(probation),
                    "probation holds its trial records, the overwrite and the tombstone");
            int sealing = rollLog(store, TRIAL + PER_SEGMENT / 2, true, probation);
            assertEquals(PER_SEGMENT / 2 - 2 + sealing, store.evictOldest(),
                    "all but the overwritten key and the removed one, and the keys put until it was sealed");
            assertArrayEquals(value(VALUE_BYTES, -1), store.get(key(TRIAL)), "moved to the main log as read");
            assertFalse(isProbationFile(segmentIdOf(store, TRIAL)));
            assertNull(store.get(key(TRIAL + 1)));
            assertSameAfterACrash(dir, store, TRIAL + PER_SEGMENT);
        }
    }

    /**
     * Why the overwrite follows its record: a key on trial, overwritten, and then the main log's oldest segment
     * evicted while the probation segment stays (it holds under a tenth of the bytes). Had the overwrite gone to that
     * main segment, the eviction would drop it and a scan after a crash would find the key's first value in probation.
     * The main segment is then sealed by more puts, since a store evicts the segments being written last.
     */
    @Test
    void anOverwrittenKeyOnTrialOutlivesAMainEvictionAndAScan() throws IOException {
        try (DiskStore store = open(dir)) {
            putAll(store, 0, PER_SEGMENT - 2, false);
            putAll(store, TRIAL, 1, true);
            store.put(key(TRIAL), segmentOf(value(VALUE_BYTES, -1)), false);
            int sealing = rollLog(store, PER_SEGMENT - 2, false, segmentIdOf(store, 0));

            assertEquals(PER_SEGMENT - 2 + sealing, store.evictOldest(),
                    "the main segment: probation holds under a tenth");
            assertArrayEquals(value(VALUE_BYTES, -1), store.get(key(TRIAL)));
            assertSameAfterACrash(dir, store, TRIAL + 1);
        }
    }

    /**
     * Why the tombstone follows the record: a key on trial removed, then the main log's first segment compacted as the
     * oldest segment of all. A tombstone there would be dropped (no segment is older), though the key's record lies in
     * a probation segment with a higher id, which a scan after a crash would then bring back.
     */
    @Test
    void aRemovedKeyOnTrialStaysRemovedWhenTheOldestSegmentIsCompacted() throws IOException {
        try (DiskStore store = open(dir)) {
            putAll(store, 0, PER_SEGMENT - 2, false);
            putAll(store, TRIAL, 1, true);
            assertTrue(store.remove(key(TRIAL)));
            long first = segmentIdOf(store, 0);
            putAll(store, 0, PER_SEGMENT - 2, false);  // the first segment fills, then is all dead

            store.compact();
            assertFalse(Files.exists(dir.resolve(Segment.fileName(first))), "the oldest segment was compacted");
            assertNull(store.get(key(TRIAL)));
            assertSameAfterACrash(dir, store, TRIAL + 1);
        }
    }

    /**
     * A crash while the probation log's oldest segment is evicted, after its read records were copied to the main log
     * and before its file was deleted: the reopen, from the checkpoint that names that segment, settles each moved key
     * on its copy (a new sequence outranks the checkpoint's entries), not on the original. Had the original won, the
     * copy would stay behind as an unshadowed old record in the main log: the key removed and put again on trial, then
     * evicted from probation, would come back with its old value in the next scan.
     */
    @Test
    void aCrashDuringAProbationEvictionSettlesMovedKeysOnTheirCopies(@TempDir Path crashed) throws IOException {
        try (DiskStore store = open(dir)) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT, true);
        }
        long probation;
        byte[] probationFile;
        try (DiskStore store = open(dir)) {
            assertTrue(store.restoredFromSnapshot());
            probation = segmentIdOf(store, TRIAL);
            assertNotNull(store.read(key(TRIAL), true, (bytes, stamp, visited) -> bytes.byteSize()));
            probationFile = Files.readAllBytes(dir.resolve(Segment.fileName(probation)));
            assertEquals(PER_SEGMENT - 1, store.evictOldest());
            assertNotEquals(probation, segmentIdOf(store, TRIAL));
            copyFiles(dir, crashed);                   // the snapshot of the close above names the probation segment
        }
        Files.write(crashed.resolve(Segment.fileName(probation)), probationFile);

        try (DiskStore reopened = open(crashed)) {
            assertTrue(reopened.restoredFromSnapshot());
            assertNotEquals(probation, segmentIdOf(reopened, TRIAL), "settled on the copy in the main log");
            assertArrayEquals(value(VALUE_BYTES, TRIAL), reopened.get(key(TRIAL)));

            assertTrue(reopened.remove(key(TRIAL)));
            reopened.put(key(TRIAL), segmentOf(value(VALUE_BYTES, -3)), true);
            for (int evictions = 0; reopened.containsKey(key(TRIAL)); evictions++) {
                assertTrue(evictions < 16, "the key's probation segment is evicted in turn");
                reopened.evictOldest();
            }
            assertSameAfterACrash(crashed, reopened, TRIAL + PER_SEGMENT);
        }
    }

    /**
     * A checkpoint taken while a probation segment older than the main log's open one is still being appended to names
     * neither open segment and tells the open to scan from the older: a crash copy opens from it, not refusing it for
     * an unnamed segment older than its next id, and finds the probation segment's keys, written before and after.
     */
    @Test
    void aCheckpointNamesNeitherOpenSegment(@TempDir Path crashed) throws IOException {
        try (DiskStore store = open(dir)) {
            putAll(store, TRIAL, 4, true);             // the probation segment comes first
            putAll(store, 0, 3 * PER_SEGMENT, false);  // then three main segments, the last one open
            long probation = segmentIdOf(store, TRIAL);
            assertTrue(probation < segmentIdOf(store, 3 * PER_SEGMENT - 1));
            store.checkpoint();
            putAll(store, TRIAL + 4, 4, true);
            assertEquals(probation, segmentIdOf(store, TRIAL + 4), "still appended to");
            copyFiles(dir, crashed);
        }
        try (DiskStore reopened = open(crashed)) {
            assertTrue(reopened.restoredFromSnapshot());
            assertPresent(reopened, 0, 3 * PER_SEGMENT);
            assertPresent(reopened, TRIAL, 8);
            assertEquals(3 * PER_SEGMENT + 8, reopened.size());
        }
    }

    /**
     * Random puts (a share of them on trial, of new keys and held ones, values of 10 B to 4 KiB), removes, reads,
     * evictions and compactions against a map; after each round, a copy of the files as a crash would leave them
     * (with the last checkpoint, which names neither open segment) is opened, by a scan and from the checkpoint (never
     * refused), and must hold exactly what the store held; the next round goes on from that copy.
     */
    @ParameterizedTest(name = "puts on trial: {0}%")
    @ValueSource(ints = {10, 25, 50, 90})
    void crashCopiesHoldExactlyWhatTheStoreHeld(int trialPercent, @TempDir Path base) throws IOException {
        Random random = new Random(trialPercent);
        int keys = 300;
        Map<Integer, byte[]> model = new HashMap<>();
        Path current = base.resolve("round-0");
        for (int round = 0; round < 4; round++) {
            Path next = base.resolve("round-" + (round + 1));
            try (DiskStore store = DiskTestSupport.openCompactingInline(current, persistentConfig(),
                    new DiskQuota(1L << 30))) {
                assertHolds(store, model, keys);
                assertEquals(round > 0, store.restoredFromSnapshot(), "opened from the copy's checkpoint");
                for (int op = 0; op < 1_500; op++) {
                    step(store, model, random, keys, trialPercent);
                }
                assertHolds(store, model, keys);
                copyFiles(current, next);
                assertSameAfterACrash(current, store, keys);
            }
            current = next;
        }
    }

    private static void step(DiskStore store, Map<Integer, byte[]> model, Random random, int keys,
                             int trialPercent) {
        int k = random.nextInt(keys);
        int choice = random.nextInt(100);
        if (choice < 45) {
            byte[] bytes = value(10 + random.nextInt(4_000), random.nextLong());
            assertTrue(store.put(key(k), segmentOf(bytes), random.nextInt(100) < trialPercent));
            model.put(k, bytes);
        } else if (choice < 55) {
            assertEquals(model.remove(k) != null, store.remove(key(k)), "remove " + k);
        } else if (choice < 95) {
            assertArrayEquals(model.get(k), store.read(key(k), random.nextBoolean(),
                    (bytes, stamp, visited) -> bytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)), "key " + k);
        } else if (choice < 98) {
            store.evictOldest();
            model.keySet().removeIf(held -> !store.containsKey(key(held)));   // what it evicted
        } else {
            store.compact();
        }
    }

    /**
     * Opens the segment files of {@code store}, in {@code directory}, as a crash would leave them, with no snapshot,
     * and checks the scan finds exactly what the store holds among keys 0 to {@code keys} - 1.
     */
    private void assertSameAfterACrash(Path directory, DiskStore store, int keys) throws IOException {
        Path scanned = Files.createTempDirectory(dir, "scanned");
        DiskTestSupport.copySegmentFiles(directory, scanned);
        try (DiskStore fromScan = open(scanned)) {
            assertFalse(fromScan.restoredFromSnapshot());
            assertEquals(store.size(), fromScan.size(), "keys");
            for (int k = 0; k < keys; k++) {
                assertArrayEquals(store.get(key(k)), fromScan.get(key(k)), "key " + k);
            }
        }
    }

    private void assertHolds(DiskStore store, Map<Integer, byte[]> model, int keys) {
        assertEquals(model.size(), store.size(), "keys");
        for (int k = 0; k < keys; k++) {
            assertArrayEquals(model.get(k), store.get(key(k)), "key " + k);
        }
    }

    private static DiskStore open(Path directory) throws IOException {
        return DiskStore.open(directory, persistentConfig(), new DiskQuota(1L << 30), task -> { });
    }

    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".data")
                    || f.getFileName().toString().equals(IndexSnapshot.FILE_NAME)).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    /** {@return whether segment {@code id}'s file in {@code dir} is flagged as the probation log's} */
    private boolean isProbationFile(long id) throws IOException {
        try (FileChannel channel = FileChannel.open(dir.resolve(Segment.fileName(id)), StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(RecordFormat.SEGMENT_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(header, 0);
            return RecordFormat.isProbationSegment(MemorySegment.ofBuffer(header.flip()));
        }
    }

    /** {@return how many records, tombstones included, segment {@code id} holds} */
    private int tombstonesAndRecordsIn(long id) throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        Segment segment = Segment.open(dir.resolve(Segment.fileName(id)), id, quota);
        quota.forceReserve(segment.length());
        int records = 0;
        try (SegmentScanner scanner = new SegmentScanner(segment)) {
            MemorySegment header = MemorySegment.ofArray(new byte[RecordFormat.SEGMENT_HEADER_BYTES]);
            segment.read(header, 0);
            segment.recoverHeader(header);
            while (scanner.next() == SegmentScanner.Step.RECORD) {
                records++;
            }
        } finally {
            segment.retire(false);
        }
        return records;
    }



    private static void assertValue(DiskStore store, int k, byte[] expected) {
        assertArrayEquals(expected, store.get(key(k)), "key " + k);
    }
}
