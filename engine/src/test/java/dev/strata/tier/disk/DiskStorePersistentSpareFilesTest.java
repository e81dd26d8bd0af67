package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.copySegmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.spareFiles;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent store writes its new segments into the files of compacted ones too, and a restart finds exactly what
 * the store held, after a clean close and after a crash in the middle of a reused file: no record of a file's earlier
 * segment comes back, and nothing is counted as corrupt or torn. Files of the version before CRC masks are still read.
 * (How the scan tells a segment's end in a reused file: {@code SegmentTest}.)
 */
class DiskStorePersistentSpareFilesTest {

    private static final int KEYS = 40;
    private static final int VALUE_BYTES = 1000;

    @TempDir
    Path dir;

    @Test
    void aCleanRestartAfterWritesIntoReusedFilesFindsExactlyTheEntriesAndCutsNothing() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        Map<Integer, byte[]> model = new TreeMap<>();
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int round = 0; store.reusedFiles() < 3; round++) {
                overwrite(store, round, model);
            }
            for (int i = 0; i < KEYS; i += 7) {
                assertTrue(store.remove(key(i)));
                model.remove(i);
            }
            assertEquals(quota.usedBytes(), store.fileBytes());
        }
        assertEquals(0, quota.usedBytes());
        assertEquals(List.of(), spareFiles(dir), "close deletes the spares");
        Map<Path, Long> sizesAtClose = fileSizes(dir);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertHolds(store, model);
            assertEquals(0, store.stats().corruptRecords());
            assertEquals(0, store.stats().tornTails());
            assertEquals(sizesAtClose, fileSizes(dir), "close cut every old byte off: recovery cut nothing");
        }
    }

    /**
     * The process dies while the active segment is a reused file with records of the file's earlier segment past its
     * end, after evictions left keys with no record on disk but old copies in such files. The copy of the files is
     * what a crash leaves behind (every write is in the page cache before it returns).
     */
    @Test
    void aCrashInTheMiddleOfAReusedFileBringsNoOldRecordBackAndCountsNothing() throws IOException {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        Map<Integer, byte[]> model = new TreeMap<>();
        DiskStore store = DiskTestSupport.openCompactingInline(live, persistentConfig(), new DiskQuota(1L << 30));
        int round = 0;
        while (store.reusedFiles() < 2 || store.spareFiles() == 0) {
            overwrite(store, round++, model);
        }
        long dropped = 0;
        for (int evictions = 0; evictions < 10 && dropped == 0; evictions++) {
            dropped += Math.max(0, store.evictOldest());
        }
        assertTrue(dropped > 0, "an eviction dropped keys");
        long reused = store.reusedFiles();
        for (int i = 0; store.reusedFiles() == reused; i++) {
            assertTrue(i < 200, "a new segment, in a spare, within 200 puts");
            assertTrue(store.put(key(1000 + i), segmentOf(value(VALUE_BYTES + 5 * i, i))));
        }
        for (int i = 0; i < 5; i++) {                               // the end falls inside an old record
            assertTrue(store.put(key(2000 + i), segmentOf(value(77, i))));
        }
        Map<Integer, byte[]> expected = new LinkedHashMap<>();
        for (int k : keysUsed()) {
            expected.put(k, store.get(key(k)));
        }
        copySegmentFiles(live, crashed);
        assertTrue(spareFiles(crashed).size() + Recovery.segmentFiles(crashed).size() > 0);
        try (DiskStore recovered = DiskTestSupport.openCompactingInline(crashed, persistentConfig(),
                new DiskQuota(1L << 30))) {
            long present = 0;
            for (Map.Entry<Integer, byte[]> entry : expected.entrySet()) {
                assertArrayEquals(entry.getValue(), recovered.get(key(entry.getKey())), "key " + entry.getKey());
                present += entry.getValue() == null ? 0 : 1;
            }
            assertTrue(present < expected.size(), "the evictions dropped keys, which must stay dropped");
            assertEquals(present, recovered.size());
            assertEquals(0, recovered.stats().corruptRecords());
            assertEquals(0, recovered.stats().tornTails());
            assertEquals(List.of(), spareFiles(crashed), "the spares the crash left are deleted");
        }
        store.close();
    }

    /**
     * A crash between the pages of a write into a reused file leaves the record's first page new and the rest of it,
     * and everything past it, old: no end of file follows it, as in a new file. Recovery cuts it off and counts one
     * torn tail, not corrupt records, and keeps every record before it.
     */
    @Test
    void aWriteTornByACrashInAReusedFileIsOneTornTailNotCorruption() throws IOException {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        Map<Integer, byte[]> model = new TreeMap<>();
        try (DiskStore store = DiskTestSupport.openCompactingInline(live, persistentConfig(),
                new DiskQuota(1L << 30))) {
            for (int round = 0; store.spareFiles() == 0; round++) {
                overwrite(store, round, model);
            }
            long reused = store.reusedFiles();
            for (int i = 0; store.reusedFiles() == reused; i++) {
                assertTrue(i < 200, "a new segment, in a spare, within 200 puts");
                overwriteOne(store, i % KEYS, i, model);
            }
            byte[] large = value(12_000, 99);
            assertTrue(store.put(key(5000), segmentOf(large)));
            long stamp = store.stampOf(key(5000));
            copySegmentFiles(live, crashed);
            long offset = stamp & 0xFFFF_FFFFL;
            Path file = crashed.resolve(Segment.fileName(stamp >>> 32));
            int recordBytes = RecordFormat.recordBytes(key(5000).byteSize(), large.length);
            assertTrue(Files.size(file) > offset + recordBytes + RecordFormat.HEADER_BYTES, "old bytes past it");
            int pageInto = 4096 - (int) (offset % 4096);             // the record's first page was written, no more
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(value(recordBytes - pageInto + RecordFormat.HEADER_BYTES, 7)),
                        offset + pageInto);
            }
        }
        try (DiskStore recovered = DiskTestSupport.openCompactingInline(crashed, persistentConfig(),
                new DiskQuota(1L << 30))) {
            assertHolds(recovered, model);
            assertEquals(null, recovered.get(key(5000)), "the torn write");
            assertEquals(1, recovered.stats().tornTails());
            assertEquals(0, recovered.stats().corruptRecords());
        }
    }

    /** A segment of version 1, whose records' CRCs are not masked, is read, compacted and read again. */
    @Test
    void aSegmentOfTheVersionBeforeCrcMasksIsStillRead() throws IOException {
        int count = 30;
        writeVersionOneSegment(dir.resolve(Segment.fileName(1)), count);
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int i = 0; i < count; i++) {
                assertArrayEquals(value(VALUE_BYTES, i), store.get(key(i)), "key " + i);
            }
            for (int i = 0; i < count; i += 2) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, 100 + i))));
            }
            store.compact();
            assertTrue(store.stats().compactions() > 0, "the old segment was compacted, its copies re-masked");
            assertEquals(0, store.stats().corruptRecords());
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int i = 0; i < count; i++) {
                assertArrayEquals(value(VALUE_BYTES, i % 2 == 0 ? 100 + i : i), store.get(key(i)), "key " + i);
            }
            assertEquals(0, store.stats().corruptRecords());
        }
    }

    /** Writes segment 1 as version 1 wrote it: that version in the header, and CRCs with no mask. */
    private static void writeVersionOneSegment(Path file, int count) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] header = new byte[RecordFormat.SEGMENT_HEADER_BYTES];
        MemorySegment headerBytes = MemorySegment.ofArray(header);
        RecordFormat.writeSegmentHeader(headerBytes, 1, false);
        headerBytes.set(RecordFormat.U16, 4, RecordFormat.UNMASKED_SEGMENT_VERSION);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             RecordWriter writer = new RecordWriter()) {
            channel.write(ByteBuffer.wrap(header), 0);
            long at = header.length;
            for (int i = 0; i < count; i++) {
                MemorySegment key = key(i);
                MemorySegment value = segmentOf(value(VALUE_BYTES, i));
                int recordBytes = RecordFormat.recordBytes(key.byteSize(), value.byteSize());
                writer.write(channel, at, 0, 0, (byte) 0, i + 1, key, value, recordBytes);
                at += recordBytes;
            }
        }
    }

    /** Overwrites every key with a value whose size changes from round to round, so records rarely line up. */
    private static void overwrite(DiskStore store, int round, Map<Integer, byte[]> model) {
        for (int i = 0; i < KEYS; i++) {
            byte[] value = value(VALUE_BYTES + 13 * (round % 7), round * 1000L + i);
            assertTrue(store.put(key(i), segmentOf(value)), "round " + round);
            model.put(i, value);
        }
    }

    private static void overwriteOne(DiskStore store, int key, long seed, Map<Integer, byte[]> model) {
        byte[] value = value(VALUE_BYTES + (int) (seed % 5) * 7, seed);
        assertTrue(store.put(key(key), segmentOf(value)));
        model.put(key, value);
    }

    private static void assertHolds(DiskStore store, Map<Integer, byte[]> model) {
        assertEquals(model.size(), store.size());
        for (int i = 0; i < KEYS; i++) {
            assertArrayEquals(model.get(i), store.get(key(i)), "key " + i);
        }
    }

    /** {@return every key the crash test may have written} */
    private static int[] keysUsed() {
        return IntStream.concat(IntStream.concat(IntStream.range(0, KEYS), IntStream.range(1000, 1200)),
                IntStream.range(2000, 2005)).toArray();
    }

    private static Map<Path, Long> fileSizes(Path directory) throws IOException {
        Map<Path, Long> sizes = new TreeMap<>();
        for (Path file : Recovery.segmentFiles(directory)) {
            sizes.put(file.getFileName(), Files.size(file));
        }
        return sizes;
    }
}
