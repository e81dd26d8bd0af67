package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store keeps the files of compacted segments as spares and writes its next segments into them: the old records past
 * a reused segment's end are never read back (not by a get, a compaction's scan or an eviction's), and stay counted
 * in the quota until overwritten, so the quota always equals the files' sizes; a store the quota refuses deletes
 * spares (its own or another store's) first; eviction and close delete files; a store opening its directory deletes
 * the spares a crash left. A persistent store's spares and restarts: {@code DiskStorePersistentSpareFilesTest}.
 */
class DiskStoreSpareFilesTest {

    private static final int KEYS = 40;
    private static final int VALUE_BYTES = 1000;

    @TempDir
    Path dir;

    @Test
    void aCompactedSegmentsFileIsKeptAndTheNextSegmentIsWrittenIntoIt() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            int round = 0;
            while (store.stats().compactions() == 0) {
                overwrite(store, round++);
            }
            assertTrue(store.spareFiles() > 0, "a compacted segment's file is a spare");
            assertTrue(spareFiles().size() == store.spareFiles(), spareFiles().toString());
            assertFilesMatchQuota(store, quota);

            long spares = store.stats().compactions();
            for (int more = 0; more < 20; more++) {
                overwrite(store, round++);
                assertFilesMatchQuota(store, quota);
                assertContents(store, round - 1);
            }
            assertTrue(store.stats().compactions() > spares, "more compactions ran, over reused files");
            assertTrue(store.spareFiles() <= SpareFiles.CAPACITY);
            assertEquals(0, store.stats().corruptRecords(), "no old record past a segment's end was read");
        }
        assertEquals(0, quota.usedBytes());
        assertEquals(List.of(), dataFiles(), "close deletes segments and spares alike");
    }

    @Test
    void oldRecordsPastAReusedSegmentsEndAreNeverReadBack() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            overwriteUntilASpare(store);
            for (int i = 0; i < KEYS; i++) {                       // a few records into a reused file, then removals
                assertTrue(store.put(key(1000 + i), segmentOf(value(10, i))));
            }
            for (int i = 0; i < KEYS; i++) {
                store.remove(key(i));
            }
            store.compact();
            for (int victim = 0; store.evictOldest() > 0 && victim < 100; victim++) {
                assertFilesMatchQuota(store, quota);               // the evictions' scans stop at each end
            }
            assertEquals(0, store.stats().corruptRecords());
            for (int i = 0; i < KEYS; i++) {
                byte[] found = store.get(key(1000 + i));
                if (found != null) {
                    assertArrayEquals(value(10, i), found);
                }
                assertEquals(null, store.get(key(i)), "a removed key stays removed");
            }
        }
    }

    @Test
    void aStoreTheQuotaRefusesDeletesSparesFirstItsOwnOrAnothers() throws IOException {
        DiskQuota quota = new DiskQuota(12 * DiskTestSupport.SMALL_SEGMENT);
        try (DiskStore a = DiskTestSupport.openCompactingInline(dir.resolve("a"), transientConfig(), quota);
             DiskStore b = DiskTestSupport.openCompactingInline(dir.resolve("b"), transientConfig(), quota)) {
            overwriteUntilASpare(a);
            long spareBytes = a.fileBytes() - segmentBytes(dir.resolve("a"));
            assertTrue(spareBytes > 0);
            int accepted = 0;
            while (b.put(key(accepted), segmentOf(value(VALUE_BYTES, accepted)))) {
                accepted++;
            }
            assertEquals(0, a.spareFiles(), "b took the room of a's spares before it was refused");
            assertEquals(0, a.stats().quotaRefusals());
            assertEquals(KEYS, a.size(), "no entry of a's was lost for it");
            assertEquals(quota.usedBytes(), a.fileBytes() + b.fileBytes());
            assertTrue(quota.usedBytes() <= quota.limitBytes());
        }
        assertEquals(0, quota.usedBytes());
    }

    @Test
    void anEvictedSegmentsFileIsDeletedNotKept() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            overwrite(store, 0);
            overwrite(store, 1);
            int spares = store.spareFiles();
            long before = quota.usedBytes();
            assertTrue(store.evictOldest() > 0);
            assertEquals(spares, store.spareFiles());
            assertTrue(quota.usedBytes() < before, "the eviction freed quota");
            assertFilesMatchQuota(store, quota);
        }
    }

    @Test
    void openingDeletesTheSparesACrashLeft() throws IOException {
        Files.write(dir.resolve("spare-7.data"), new byte[1000]);
        Files.write(dir.resolve("other.txt"), new byte[10]);
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            assertEquals(List.of(), spareFiles());
            assertEquals(0, store.fileBytes());
        }
        assertTrue(Files.exists(dir.resolve("other.txt")), "a file that is not the store's stays");
    }

    @Test
    void aSpareThatCannotBeReusedIsDiscardedAndANewFileMade() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            int round = overwriteUntilASpare(store);
            for (Path spare : spareFiles()) {
                Files.delete(spare);                               // behind the store's back
            }
            overwrite(store, round++);
            overwrite(store, round++);
            assertContents(store, round - 1);
            assertFalse(dataFiles().isEmpty());
            assertEquals(quota.usedBytes(), store.fileBytes());
        }
        assertEquals(0, quota.usedBytes());
    }

    /** Overwrites every key, round after round, until a compaction left a spare. {@return the next round} */
    private static int overwriteUntilASpare(DiskStore store) {
        int round = 0;
        while (store.spareFiles() == 0) {
            overwrite(store, round++);
        }
        return round;
    }

    private static void overwrite(DiskStore store, int round) {
        for (int i = 0; i < KEYS; i++) {
            assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, round * 1000L + i))), "round " + round);
        }
    }

    private static void assertContents(DiskStore store, int round) {
        for (int i = 0; i < KEYS; i++) {
            assertArrayEquals(value(VALUE_BYTES, round * 1000L + i), store.get(key(i)), "key " + i);
        }
    }

    private void assertFilesMatchQuota(DiskStore store, DiskQuota quota) throws IOException {
        store.writeWaiting();                          // the newest records reach the files when their buffer fills
        long onDisk = 0;
        for (Path file : dataFiles()) {
            onDisk += Files.size(file);
        }
        assertEquals(onDisk, store.fileBytes(), "the store's files, segments and spares");
        assertEquals(quota.usedBytes(), store.fileBytes());
    }

    private static long segmentBytes(Path directory) throws IOException {
        long total = 0;
        for (Path file : Recovery.segmentFiles(directory)) {
            total += Files.size(file);
        }
        return total;
    }

    private List<Path> dataFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".data")).sorted().toList();
        }
    }

    private List<Path> spareFiles() throws IOException {
        return DiskTestSupport.spareFiles(dir);
    }
}
