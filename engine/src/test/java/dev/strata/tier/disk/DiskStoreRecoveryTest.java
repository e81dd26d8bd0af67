package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.copySegmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.flipByte;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Persistence: reopen after close and after a crash, detection of flipped bytes, torn tails. */
class DiskStoreRecoveryTest {

    private static final int VALUE_BYTES = 100;
    /** Keys are "key-NNNNN" (9 bytes): every record is 21 + 9 + 100 bytes. */
    private static final int RECORD_BYTES = RecordFormat.HEADER_BYTES + 9 + VALUE_BYTES;
    /** Keys of the model test: about 1 MB live, so the store keeps a dozen or more 64 KiB segments. */
    private static final int KEYS_IN_MODEL = 4000;

    @TempDir
    Path dir;

    @Test
    void closeAndReopenRecoversEveryValueAndRemoval() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        long fileBytes;
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            fill(store, 1500);
            for (int i = 0; i < 1500; i += 3) {
                store.put(key(i), segmentOf(value(VALUE_BYTES, -i)));
            }
            for (int i = 1; i < 1500; i += 3) {
                assertTrue(store.remove(key(i)));
            }
        }
        assertEquals(0, quota.usedBytes());
        fileBytes = Files.size(dir.resolve(IndexSnapshot.FILE_NAME));   // kept while the store runs
        for (Path file : segmentFiles(dir)) {
            fileBytes += Files.size(file);                        // the segments: close deleted the spares
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertEquals(1000, store.size());
            assertEquals(1000, store.stats().recoveredRecords());
            for (int i = 0; i < 1500; i++) {
                byte[] expected = switch (i % 3) {
                    case 0 -> value(VALUE_BYTES, -i);
                    case 1 -> null;
                    default -> value(VALUE_BYTES, i);
                };
                assertArrayEquals(expected, store.get(key(i)), "key " + i);
            }
            assertEquals(fileBytes, store.fileBytes());
            assertEquals(store.fileBytes(), quota.usedBytes(), "quota usage recomputed from the files");
            assertEquals(0, store.stats().corruptRecords());
            assertEquals(0, store.stats().tornTails());
            store.put(key(1), segmentOf(value(7, 7)));
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertArrayEquals(value(7, 7), store.get(key(1)), "writes after a reopen go to a new segment");
        }
    }

    /**
     * Many segments, scanned in parallel on reopen, holding puts, removals, overwrites and compaction's copies (which
     * keep their sequence and lie in later files) of the same keys: every reopen gives the model's contents, sizes and
     * live bytes, counts as dead exactly the bytes the store counted dead before it closed, and has ended its recovery
     * threads. The reopened stores hand their compactions to nobody, so only the explicit compact() changes the files.
     */
    @Test
    void interleavedPutsAndRemovalsAcrossManySegmentsRecoverTheSameStateOnEveryReopen() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        Map<Integer, byte[]> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        long deadAtClose;
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int op = 0; op < 40_000; op++) {
                int k = random.nextInt(KEYS_IN_MODEL);
                if (random.nextInt(10) < 3) {
                    assertEquals(model.remove(k) != null, store.remove(key(k)));
                } else {
                    byte[] value = value(20 + random.nextInt(400), op);
                    assertTrue(store.put(key(k), segmentOf(value)));
                    model.put(k, value);
                }
            }
            assertTrue(store.stats().compactions() > 0, "copies made");
            assertTrue(segmentFiles(dir).size() >= 8, "files: " + segmentFiles(dir).size());
            deadAtClose = store.deadBytes();
        }
        long liveBytes = 0;
        for (Map.Entry<Integer, byte[]> entry : model.entrySet()) {
            liveBytes += RecordFormat.recordBytes(key(entry.getKey()).byteSize(), entry.getValue().length);
        }
        for (int reopen = 0; reopen < 3; reopen++) {
            try (DiskStore store = DiskStore.open(dir, persistentConfig(), quota, task -> { })) {
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("strata-disk-recovery-")), "recovery threads ended");
                assertEquals(model.size(), store.size());
                assertEquals(model.size(), store.stats().recoveredRecords());
                assertEquals(liveBytes, store.liveBytes());
                assertEquals(deadAtClose, store.deadBytes(), "dead bytes on reopen " + reopen);
                assertEquals(store.fileBytes(), quota.usedBytes());
                for (int k = 0; k < KEYS_IN_MODEL; k++) {
                    assertArrayEquals(model.get(k), store.get(key(k)), "key " + k + " on reopen " + reopen);
                }
                store.compact();
                assertEquals(liveBytes, store.liveBytes());
                deadAtClose = store.deadBytes();
            }
        }
    }

    @Test
    void crashWithoutCloseLosesNothingThatPutAcknowledged() throws IOException {
        Path crashed = dir.resolve("crashed");
        DiskStore store = DiskTestSupport.openCompactingInline(dir.resolve("live"), persistentConfig(), new DiskQuota(1L << 30));
        fill(store, 800);
        store.remove(key(5));
        store.put(key(6), segmentOf(value(3, 3)));
        // The process "dies" here: no close, no force. Whatever put/remove wrote is in the files.
        copySegmentFiles(dir.resolve("live"), crashed);
        try (DiskStore recovered = DiskTestSupport.openCompactingInline(crashed, persistentConfig(), new DiskQuota(1L << 30))) {
            assertEquals(799, recovered.size());
            assertNull(recovered.get(key(5)));
            assertArrayEquals(value(3, 3), recovered.get(key(6)));
            assertArrayEquals(value(VALUE_BYTES, 799), recovered.get(key(799)));
            assertEquals(0, recovered.stats().tornTails());
        }
        store.close();
    }

    @Test
    void flippedByteInAValueIsDetectedOnRecoveryAndOthersSurvive() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 100);
        }
        Path first = segmentFiles(dir).getFirst();
        flipByte(first, recordOffset(10) + RecordFormat.HEADER_BYTES + 9 + 50);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertNull(store.get(key(10)));
            assertFalse(store.containsKey(key(10)));
            assertTrue(store.stats().corruptRecords() >= 1);
            for (int i = 0; i < 100; i++) {
                if (i != 10) {
                    assertArrayEquals(value(VALUE_BYTES, i), store.get(key(i)), "key " + i);
                }
            }
        }
    }

    @Test
    void flippedByteInAHeaderOrKeyIsNeverReturned() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 100);
        }
        Path first = segmentFiles(dir).getFirst();
        flipByte(first, recordOffset(20) + RecordFormat.SEQUENCE_OFFSET + 2);
        flipByte(first, recordOffset(30) + RecordFormat.HEADER_BYTES + 3);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertNull(store.get(key(20)));
            assertNull(store.get(key(30)));
            assertTrue(store.stats().corruptRecords() >= 2);
            for (int i = 0; i < 100; i++) {
                byte[] found = store.get(key(i));
                if (i != 20 && i != 30) {
                    assertArrayEquals(value(VALUE_BYTES, i), found, "key " + i);
                }
            }
        }
    }

    @Test
    void flippedByteIsDetectedWhenReadFromAnOpenStore() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 50);
            flipByte(segmentFiles(dir).getFirst(), recordOffset(7) + RecordFormat.HEADER_BYTES + 9 + 1);
            assertNull(store.get(key(7)));
            assertEquals(1, store.stats().corruptRecords());
            assertFalse(store.containsKey(key(7)), "a corrupt record leaves the index");
            assertEquals(49, store.size());
            assertArrayEquals(value(VALUE_BYTES, 8), store.get(key(8)));
        }
    }

    /**
     * A sealed segment is read through a mapping of its file, which shares the page cache with the file: a byte
     * flipped in the file after the mapping was made is seen and caught by the CRC like any other.
     */
    @Test
    void flippedByteIsDetectedInASealedSegmentAlreadyMapped() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 1000);                             // 130 KB: the first 64 KiB segment is sealed
            for (int i = 0; i <= SegmentMaps.DEFAULT_READS_BEFORE_MAPPING; i++) {
                assertEquals(0, store.mappedSegments(), "not mapped before read " + i);
                assertArrayEquals(value(VALUE_BYTES, 7), store.get(key(7)));
            }
            assertEquals(1, store.mappedSegments(), "the reads mapped the sealed segment");
            flipByte(segmentFiles(dir).getFirst(), recordOffset(7) + RecordFormat.HEADER_BYTES + 9 + 1);
            assertNull(store.get(key(7)));
            assertEquals(1, store.stats().corruptRecords());
            assertArrayEquals(value(VALUE_BYTES, 8), store.get(key(8)));
            for (int i = 0; i <= SegmentMaps.DEFAULT_READS_BEFORE_MAPPING; i++) {
                assertArrayEquals(value(VALUE_BYTES, 999), store.get(key(999)), "the active segment, read positionally");
            }
            assertEquals(1, store.mappedSegments(), "the active segment is not mapped");
        }
    }

    @Test
    void truncatedLastSegmentLosesOnlyItsTornTail() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 1000);
        }
        List<Path> files = segmentFiles(dir);
        Path last = files.getLast();
        long size = Files.size(last);
        int recordsInLast = (int) ((size - RecordFormat.SEGMENT_HEADER_BYTES) / RECORD_BYTES);
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.truncate(size - RECORD_BYTES / 2);
        }
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertEquals(1, store.stats().tornTails());
            assertEquals(0, store.stats().corruptRecords());
            assertEquals(999, store.size());
            assertNull(store.get(key(999)));
            for (int i = 0; i < 999; i++) {
                assertArrayEquals(value(VALUE_BYTES, i), store.get(key(i)), "key " + i);
            }
            assertEquals(size - RECORD_BYTES, Files.size(last), "the torn record was cut off");
            assertEquals(store.fileBytes(), quota.usedBytes());
            assertTrue(recordsInLast > 1);
            store.put(key(999), segmentOf(value(1, 1)));
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertEquals(0, store.stats().tornTails());
            assertEquals(1000, store.size());
        }
    }

    @Test
    void zeroFilledTailAndGarbageHeaderAreCutOff() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 10);
        }
        Path only = segmentFiles(dir).getFirst();
        try (FileChannel channel = FileChannel.open(only, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4096), channel.size());
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertEquals(10, store.size());
            assertEquals(1, store.stats().tornTails());
            assertEquals(0, store.stats().corruptRecords());
        }
        try (FileChannel channel = FileChannel.open(only, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {9, 9, 9, 9, (byte) 0xFF}), recordOffset(5));
        }
        DiskTestSupport.asAfterACrash(dir);            // the scan's case: a clean close's snapshot would read no record
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertEquals(5, store.size(), "nothing after an unparseable header is trusted");
            assertEquals(1, store.stats().corruptRecords());
            assertArrayEquals(value(VALUE_BYTES, 4), store.get(key(4)));
        }
    }

    @Test
    void fileWithABadHeaderIsDropped() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            fill(store, 1000);
        }
        List<Path> files = segmentFiles(dir);
        flipByte(files.getFirst(), 0);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertEquals(1, store.stats().corruptRecords());
            assertFalse(Files.exists(files.getFirst()));
            assertNull(store.get(key(0)));
            assertArrayEquals(value(VALUE_BYTES, 999), store.get(key(999)));
        }
    }

    private static void fill(DiskStore store, int count) {
        for (int i = 0; i < count; i++) {
            assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
        }
    }

    /** Offset of the i-th record in the first segment file. */
    private static long recordOffset(int i) {
        return RecordFormat.SEGMENT_HEADER_BYTES + (long) i * RECORD_BYTES;
    }
}
