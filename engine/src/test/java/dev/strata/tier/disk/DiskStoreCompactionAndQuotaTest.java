package dev.strata.tier.disk;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction of dead records and the shared disk quota. */
class DiskStoreCompactionAndQuotaTest {

    @TempDir
    Path dir;

    @Test
    void compactionReclaimsOverwrittenAndRemovedRecordsAndDeletesOldFiles() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        long fileBytesBefore;
        Path firstFile;
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int i = 0; i < 400; i++) {
                store.put(key(i), segmentOf(value(1000, i)));
            }
            fileBytesBefore = store.fileBytes();
            firstFile = segmentFiles(dir).getFirst();
            assertTrue(segmentFiles(dir).size() >= 6);
            for (int i = 0; i < 300; i++) {
                assertTrue(store.remove(key(i)));
            }
            for (int i = 300; i < 350; i++) {
                store.put(key(i), segmentOf(value(1000, -i)));
            }
            store.compact();
            DiskStoreStats stats = store.stats();
            assertTrue(stats.compactions() >= 4, "compactions: " + stats.compactions());
            long segmentBytes = 0;
            for (Path file : Recovery.segmentFiles(dir)) {
                segmentBytes += Files.size(file);
            }
            assertTrue(segmentBytes < fileBytesBefore / 2,
                    "segment files " + segmentBytes + " vs " + fileBytesBefore + " before");
            assertTrue(store.spareFiles() <= SpareFiles.CAPACITY, "and the compacted files kept to reuse");
            assertFalse(Files.exists(firstFile), "compacted segment file deleted");
            assertEquals(quota.usedBytes(), store.fileBytes());
            assertEquals(100, store.size());
            assertEquals(100L * RecordFormat.recordBytes(9, 1000), store.liveBytes());
            verify(store);
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertEquals(100, reopened.size(), "tombstones still shadow what compaction has not removed");
            verify(reopened);
        }
    }

    @Test
    void persistentCompactionCopiesSeveralBatchesAcrossSegmentRollsAndTheyRecover() throws IOException {
        DiskStoreConfig config = persistentConfig().withSegmentBytes(1024 * 1024);
        DiskQuota quota = new DiskQuota(1L << 30);
        Path firstFile;
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, quota)) {
            for (int i = 0; i < 3000; i++) {
                store.put(key(i), segmentOf(value(1000, i)));
            }
            firstFile = segmentFiles(dir).getFirst();
            for (int i = 0; i < 3000; i += 2) {               // half of every segment dead: each copies ~512 KiB
                store.put(key(i), segmentOf(value(1000, -i)));
            }
            for (int i = 1; i < 3000; i += 10) {
                assertTrue(store.remove(key(i)));
            }
            store.compact();
            assertFalse(Files.exists(firstFile), "first segment compacted");
            assertTrue(store.stats().compactions() >= 2, "compactions: " + store.stats().compactions());
            assertEquals(quota.usedBytes(), store.fileBytes());
            assertAlternating(store);
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, config, quota)) {
            assertAlternating(reopened);
        }
    }

    @Test
    void persistentCompactionCopiesARecordLargerThanABatchOnItsOwn() throws IOException {
        DiskStoreConfig config = persistentConfig().withSegmentBytes(1024 * 1024);
        int large = CopyBatch.CAPACITY_BYTES + 4096;
        Path firstFile;
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30))) {
            store.put(key("large"), segmentOf(value(large, 7)));
            for (int i = 0; i < 6; i++) {
                store.put(key(i), segmentOf(value(100_000, i)));
            }
            firstFile = segmentFiles(dir).getFirst();
            for (int round = 1; round <= 3; round++) {         // the first segment's small values die, it rolls
                for (int i = 0; i < 6; i++) {
                    store.put(key(i), segmentOf(value(100_000, round * 10L + i)));
                }
            }
            store.compact();
            assertFalse(Files.exists(firstFile), "first segment compacted");
            assertArrayEquals(value(large, 7), store.get(key("large")));
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30))) {
            assertArrayEquals(value(large, 7), reopened.get(key("large")));
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(value(100_000, 30L + i), reopened.get(key(i)), "key " + i);
            }
        }
    }

    private static void assertAlternating(DiskStore store) {
        for (int i = 0; i < 3000; i++) {
            byte[] expected = i % 10 == 1 ? null : i % 2 == 0 ? value(1000, -i) : value(1000, i);
            assertArrayEquals(expected, store.get(key(i)), "key " + i);
        }
    }

    @Test
    void segmentOfOnlyDeadRecordsIsDeletedWithoutCopying() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1L << 30))) {
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 50; i++) {
                    store.put(key(i), segmentOf(value(1000, round * 1000L + i)));
                }
            }
            assertTrue(store.stats().compactions() > 0);
            assertTrue(store.fileBytes() < 4 * DiskStoreConfig.MIN_SEGMENT_BYTES, "fileBytes " + store.fileBytes());
            for (int i = 0; i < 50; i++) {
                assertArrayEquals(value(1000, 19_000L + i), store.get(key(i)));
            }
        }
    }

    /**
     * A put that finds the quota full compacts the segment holding the most dead bytes first, and stops once the
     * record fits, leaving the other segments with dead bytes as they are. Compacting every one of them, as it did
     * before, ends here with the put refused (3 compactions, 274 bytes of the quota free): the copies of the barely
     * dead segments go into reused segment files, each taking its whole length of the quota, so they free nothing.
     * Compactions are handed to nobody here, so only the put compacts.
     */
    @Test
    void aFullQuotaCompactsTheMostDeadSegmentFirstAndOnlyAsMuchAsThePutNeeds() throws IOException {
        int recordBytes = RecordFormat.recordBytes(9, 1000);
        int perSegment = (int) ((DiskStoreConfig.MIN_SEGMENT_BYTES - RecordFormat.SEGMENT_HEADER_BYTES) / recordBytes);
        DiskQuota quota = new DiskQuota(7 * DiskStoreConfig.MIN_SEGMENT_BYTES);
        try (DiskStore store = DiskStore.open(dir, transientConfig(), quota, task -> { })) {
            int keys = 5 * perSegment;                        // five full segments
            for (int i = 0; i < keys; i++) {
                assertTrue(store.put(key(i), segmentOf(value(1000, i))));
            }
            int[] deadPerSegment = {10, 30, 20};              // in the first three; none past half, none handed over
            for (int segment = 0; segment < deadPerSegment.length; segment++) {
                for (int i = 0; i < deadPerSegment[segment]; i++) {
                    int k = segment * perSegment + i;
                    assertTrue(store.put(key(k), segmentOf(value(1000, -k))));
                }
            }
            List<Path> files = segmentFiles(dir);
            int next = keys;
            while (store.stats().compactions() == 0) {        // new keys until a put finds the quota full
                assertTrue(next < keys + 3 * perSegment, "the quota never filled");
                assertTrue(store.put(key(next), segmentOf(value(1000, next))), "key " + next);
                next++;
            }
            DiskStoreStats stats = store.stats();
            assertEquals(1, stats.compactions(), "one segment freed enough: " + stats);
            assertEquals(0, stats.quotaRefusals(), stats.toString());
            assertFalse(Files.exists(files.get(1)), "the most dead segment went");
            assertTrue(Files.exists(files.get(0)) && Files.exists(files.get(2)), "the less dead ones stay");
            for (int k = 0; k < next; k++) {
                boolean overwritten = k < 3 * perSegment && k % perSegment < deadPerSegment[k / perSegment];
                assertArrayEquals(value(1000, overwritten ? -k : k), store.get(key(k)), "key " + k);
            }
            assertTrue(quota.usedBytes() <= quota.limitBytes(), quota.toString());
        }
    }

    @Test
    void tinyQuotaRefusesPutsWithNothingHalfWritten() throws IOException {
        DiskQuota quota = new DiskQuota(8 * 1024);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            int accepted = 0;
            while (store.put(key(accepted), segmentOf(value(1000, accepted)))) {
                accepted++;
            }
            assertTrue(accepted >= 6 && accepted <= 8, "accepted " + accepted);
            assertEquals(1, store.stats().quotaRefusals());
            assertFalse(store.containsKey(key(accepted)));
            assertEquals(accepted, store.size());
            long fileBytes = store.fileBytes();
            assertEquals(quota.usedBytes(), fileBytes);
            assertTrue(quota.usedBytes() <= quota.limitBytes());

            assertFalse(store.put(key(0), segmentOf(value(5000, 5))), "an overwrite that does not fit");
            assertEquals(2, store.stats().quotaRefusals());
            assertEquals(fileBytes, store.fileBytes());
            for (int i = 0; i < accepted; i++) {
                assertArrayEquals(value(1000, i), store.get(key(i)), "key " + i);
            }
        }
        assertEquals(0, quota.usedBytes());
    }

    @Test
    void overwritesUnderAFullQuotaSucceedByCompacting() throws IOException {
        DiskQuota quota = new DiskQuota(16 * 1024);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 5; i++) {
                    assertTrue(store.put(key(i), segmentOf(value(1000, round * 10L + i))), "round " + round);
                }
            }
            assertEquals(0, store.stats().quotaRefusals());
            assertTrue(store.stats().compactions() > 0);
            assertEquals(quota.usedBytes(), store.fileBytes());
            assertTrue(quota.usedBytes() <= quota.limitBytes(), "used " + quota.usedBytes());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(value(1000, 290L + i), store.get(key(i)));
            }
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(value(1000, 290L + i), reopened.get(key(i)));
            }
        }
    }

    @Test
    void twoStoresShareOneQuota() throws IOException {
        DiskQuota quota = new DiskQuota(32 * 1024);
        try (DiskStore a = DiskTestSupport.openCompactingInline(dir.resolve("a"), transientConfig(), quota);
             DiskStore b = DiskTestSupport.openCompactingInline(dir.resolve("b"), transientConfig(), quota)) {
            int accepted = 0;
            while (a.put(key(accepted), segmentOf(value(1000, accepted)))) {
                accepted++;
            }
            assertTrue(accepted > 20);
            assertFalse(b.put(key(0), segmentOf(value(1000, 0))));
            assertEquals(1, b.stats().quotaRefusals());
            assertEquals(0, b.size());
            assertEquals(quota.usedBytes(), a.fileBytes() + b.fileBytes());

            a.clear();
            assertTrue(b.put(key(0), segmentOf(value(1000, 0))));
            assertTrue(a.put(key(1), segmentOf(value(1000, 1))));
            assertEquals(quota.usedBytes(), a.fileBytes() + b.fileBytes());
        }
        assertEquals(0, quota.usedBytes());
    }

    @Test
    void reopeningAboveTheQuotaChargesTheFilesAndRefusesNewPuts() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            for (int i = 0; i < 40; i++) {
                store.put(key(i), segmentOf(value(1000, i)));
            }
        }
        DiskQuota small = new DiskQuota(8 * 1024);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), small)) {
            assertEquals(40, store.size());
            assertEquals(store.fileBytes(), small.usedBytes());
            assertFalse(store.put(key(100), segmentOf(value(10, 1))));
            assertNull(store.get(key(100)));
            assertTrue(store.remove(key(0)), "removals still work above the quota");
        }
        assertEquals(0, small.usedBytes());
    }

    private static void verify(DiskStore store) {
        for (int i = 0; i < 400; i++) {
            byte[] expected = i < 300 ? null : i < 350 ? value(1000, -i) : value(1000, i);
            assertArrayEquals(expected, store.get(key(i)), "key " + i);
        }
    }
}
