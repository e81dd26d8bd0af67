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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-threaded behaviour of {@link DiskStore}: the basic operations, sizes, accounting and lifecycle. */
class DiskStoreTest {

    @TempDir
    Path dir;

    /**
     * A remove whose tombstone cannot be written (here the next segment file cannot be created: a directory is in its
     * place) throws, and the key is gone all the same while the store is open: a cache that removed a key must not read
     * its old value again. A reopen from the clean close's index snapshot keeps it removed; only a reopen that scans the
     * files (as after a crash) brings the record back, since no tombstone reached the file.
     */
    @Test
    void aRemoveWhoseTombstoneFailsStillRemovesTheKeyWhileOpen() throws IOException {
        MemorySegment key = key(1);
        int fillsTheSegment = (int) (DiskTestSupport.SMALL_SEGMENT - RecordFormat.SEGMENT_HEADER_BYTES
                - RecordFormat.HEADER_BYTES - key.byteSize() - 5);
        byte[] written = value(fillsTheSegment, 1);
        Path blocker = dir.resolve(Segment.fileName(2));
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 20))) {
            assertTrue(store.put(key, segmentOf(written)));
            java.nio.file.Files.createDirectory(blocker);            // the tombstone needs segment 2, which cannot be

            assertThrows(java.io.UncheckedIOException.class, () -> store.remove(key));

            assertTrue(store.get(key) == null, "removed while the store is open");
            assertEquals(0, store.size());
            assertEquals(0, store.liveBytes());
            assertFalse(store.remove(key), "nothing left to remove");
        }
        java.nio.file.Files.deleteIfExists(blocker);
        Path crashed = java.nio.file.Files.createDirectory(dir.resolve("crashed"));
        for (Path segment : segmentFiles(dir)) {       // the files as a crash would have left them: no snapshot
            java.nio.file.Files.copy(segment, crashed.resolve(segment.getFileName()));
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 20))) {
            assertTrue(store.restoredFromSnapshot());
            assertNull(store.get(key), "the clean close's snapshot of the index keeps the removal");
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(crashed, persistentConfig(),
                new DiskQuota(1L << 20))) {
            assertArrayEquals(written, store.get(key), "no tombstone reached the file: the record comes back whole");
        }
    }

    @Test
    void putGetRemoveOverwrite() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            assertNull(store.get(key("a")));
            assertTrue(store.put(key("a"), segmentOf(value(10, 1))));
            assertArrayEquals(value(10, 1), store.get(key("a")));
            assertTrue(store.containsKey(key("a")));
            assertEquals(1, store.size());

            assertTrue(store.put(key("a"), segmentOf(value(20, 2))));
            assertArrayEquals(value(20, 2), store.get(key("a")));
            assertEquals(1, store.size());
            assertEquals(RecordFormat.recordBytes(1, 20), store.liveBytes());

            assertTrue(store.remove(key("a")));
            assertFalse(store.remove(key("a")));
            assertNull(store.get(key("a")));
            assertFalse(store.containsKey(key("a")));
            assertEquals(0, store.size());
            assertEquals(0, store.liveBytes());
            assertEquals(quota.usedBytes(), store.fileBytes());
        }
        assertEquals(0, quota.usedBytes());
    }

    @Test
    void valuesFromZeroBytesToOneMebibyteFromHeapAndNativeMemory() throws IOException {
        int[] sizes = {0, 1, 100, 4095, 4096, 65535, 65536, 262_143, 262_144, 262_145, 1 << 20};
        try (Arena arena = Arena.ofConfined();
             DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            for (int i = 0; i < sizes.length; i++) {
                byte[] expected = value(sizes[i], i);
                assertTrue(store.put(key("heap-" + i), segmentOf(expected)));
                MemorySegment offHeap = arena.allocate(Math.max(1, sizes[i])).asSlice(0, sizes[i]);
                offHeap.copyFrom(segmentOf(value(sizes[i], -i)));
                assertTrue(store.put(key("native-" + i), offHeap));
            }
            for (int i = 0; i < sizes.length; i++) {
                assertArrayEquals(value(sizes[i], i), store.get(key("heap-" + i)), "heap value of " + sizes[i]);
                assertArrayEquals(value(sizes[i], -i), store.get(key("native-" + i)), "native value of " + sizes[i]);
                int expectedSize = sizes[i];
                Integer readSize = store.read(key("native-" + i), v -> {
                    assertTrue(v.isReadOnly());
                    return (int) v.byteSize();
                });
                assertEquals(expectedSize, readSize);
            }
            assertTrue(segmentFiles(dir).size() > 5, "large values get segments of their own");
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            for (int i = 0; i < sizes.length; i++) {
                assertArrayEquals(value(sizes[i], i), reopened.get(key("heap-" + i)));
                assertArrayEquals(value(sizes[i], -i), reopened.get(key("native-" + i)));
            }
        }
    }

    @Test
    void manyEntriesAcrossSmallSegments() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1L << 30))) {
            for (int i = 0; i < 2000; i++) {
                assertTrue(store.put(key(i), segmentOf(value(i % 700, i))));
            }
            assertTrue(segmentFiles(dir).size() >= 10, "files: " + segmentFiles(dir).size());
            for (int i = 0; i < 2000; i++) {
                assertArrayEquals(value(i % 700, i), store.get(key(i)), "key " + i);
            }
            assertEquals(2000, store.size());
            assertEquals(2000, store.stats().recordsRead());
            Set<String> keys = new HashSet<>();
            store.forEachKey(1,
                    key -> keys.add(new String(key.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)));
            assertEquals(2000, keys.size());
            assertTrue(keys.contains("key-01999"));
        }
    }

    @Test
    void readPassesAReadOnlyViewOnlyValidInsideTheCall() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1L << 30))) {
            store.put(key("big"), segmentOf(value(200_000, 7)));
            MemorySegment[] leaked = new MemorySegment[1];
            Long sum = store.read(key("big"), v -> {
                leaked[0] = v;
                assertThrows(IllegalArgumentException.class, () -> v.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
                return v.byteSize();
            });
            assertEquals(200_000L, sum);
            assertThrows(IllegalStateException.class, () -> leaked[0].get(ValueLayout.JAVA_BYTE, 0));
            assertNull(store.read(key("absent"), v -> "never called"));
        }
    }

    @Test
    void interruptedThreadsNeitherFailNorBreakTheFilesForOthers() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            store.put(key("a"), segmentOf(value(1000, 1)));
            store.put(key("b"), segmentOf(value(1000, 2)));
            Thread.currentThread().interrupt();
            try {
                assertArrayEquals(value(1000, 1), store.get(key("a")));
                assertTrue(store.put(key("c"), segmentOf(value(1000, 3))));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept for the caller");
            } finally {
                Thread.interrupted();
            }
            assertArrayEquals(value(1000, 2), store.get(key("b")));
            assertArrayEquals(value(1000, 3), store.get(key("c")));
            assertEquals(0, store.stats().ioErrors());
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertEquals(3, reopened.size());
        }
    }

    /**
     * A thread whose interrupt status is set starts segments of its own: in new files and in spares (both written and
     * forced with {@code fsyncOnWrite}, the directory too), where an interrupt would close the channel of a file just
     * created. Every put succeeds, nothing counts as an I/O error, and the status is still set afterwards.
     */
    @Test
    void anInterruptedThreadStartsSegmentsInNewAndReusedFiles() throws IOException {
        DiskStoreConfig config = persistentConfig().withFsyncOnWrite(true);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30))) {
            for (int round = 0; store.spareFiles() == 0; round++) {
                assertTrue(round < 50, "compaction left a spare file within 50 rounds of overwrites");
                for (int i = 0; i < 40; i++) {
                    store.put(key(i), segmentOf(value(1000, round)));
                }
            }
            long reused = store.reusedFiles();
            int files = segmentFiles(dir).size();
            Thread.currentThread().interrupt();
            try {
                for (int i = 0; i < 300; i++) {
                    assertTrue(store.put(key(1000 + i), segmentOf(value(1000, i))), "put " + i);
                }
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept for the caller");
            } finally {
                Thread.interrupted();
            }
            assertTrue(store.reusedFiles() > reused, "a segment started in a spare");
            assertTrue(segmentFiles(dir).size() > files + 1, "segments started in new files");
            for (int i = 0; i < 300; i++) {
                assertArrayEquals(value(1000, i), store.get(key(1000 + i)));
            }
            assertEquals(0, store.stats().ioErrors());
        }
    }

    /** A thread whose interrupt status is set opens a persistent store: it locks the directory and recovers. */
    @Test
    void anInterruptedThreadOpensAndRecoversAStore() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            store.put(key("a"), segmentOf(value(1000, 1)));
        }
        assertEquals(1, segmentFiles(dir).size(), "one file: recovered on the opening thread itself");
        Thread.currentThread().interrupt();
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(),
                new DiskQuota(1L << 30))) {
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept for the caller");
            Thread.interrupted();
            assertArrayEquals(value(1000, 1), reopened.get(key("a")));
            assertEquals(0, reopened.stats().ioErrors());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void clearDeletesEverything() throws IOException {
        DiskQuota quota = new DiskQuota(1L << 30);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            for (int i = 0; i < 300; i++) {
                store.put(key(i), segmentOf(value(500, i)));
            }
            store.clear();
            assertEquals(0, store.size());
            assertEquals(0, store.liveBytes());
            assertEquals(0, store.fileBytes());
            assertEquals(0, quota.usedBytes());
            assertTrue(segmentFiles(dir).isEmpty());
            assertTrue(store.put(key(1), segmentOf(value(5, 5))));
            assertArrayEquals(value(5, 5), store.get(key(1)));
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertEquals(1, reopened.size());
        }
    }

    @Test
    void nonPersistentStoreDeletesItsFilesOnCloseAndWipesThemOnOpen() throws IOException {
        try (DiskStore persistent = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            persistent.put(key("left over"), segmentOf(value(10, 1)));
        }
        assertFalse(segmentFiles(dir).isEmpty());
        DiskQuota quota = new DiskQuota(1L << 30);
        DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota);
        assertTrue(segmentFiles(dir).isEmpty(), "non-persistent open wipes old segment files");
        assertNull(store.get(key("left over")));
        for (int i = 0; i < 500; i++) {
            store.put(key(i), segmentOf(value(300, i)));
        }
        assertTrue(segmentFiles(dir).size() > 1);
        store.close();
        assertTrue(segmentFiles(dir).isEmpty());
        assertEquals(0, quota.usedBytes());
    }

    @Test
    void nullArgumentsAreRejectedWithTheirNames() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1 << 20))) {
            MemorySegment k = key("k");
            assertEquals("key", assertThrows(NullPointerException.class, () -> store.put(null, k)).getMessage());
            assertEquals("value", assertThrows(NullPointerException.class, () -> store.put(k, null)).getMessage());
            assertEquals("key", assertThrows(NullPointerException.class, () -> store.get(null)).getMessage());
            assertEquals("key", assertThrows(NullPointerException.class, () -> store.remove(null)).getMessage());
            assertEquals("key", assertThrows(NullPointerException.class, () -> store.containsKey(null)).getMessage());
            assertEquals("reader", assertThrows(NullPointerException.class, () -> store.read(k, null)).getMessage());
        }
        DiskStoreConfig config = transientConfig();
        DiskQuota quota = new DiskQuota(1);
        assertEquals("directory", assertThrows(NullPointerException.class,
                () -> DiskTestSupport.openCompactingInline(null, config, quota)).getMessage());
        assertEquals("config", assertThrows(NullPointerException.class,
                () -> DiskTestSupport.openCompactingInline(dir, null, quota)).getMessage());
        assertEquals("quota", assertThrows(NullPointerException.class,
                () -> DiskTestSupport.openCompactingInline(dir, config, null)).getMessage());
    }

    @Test
    void aDirectoryServesOneStoreAtATime() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            store.put(key("k"), segmentOf(value(3, 3)));
            IllegalStateException busy = assertThrows(IllegalStateException.class,
                    () -> DiskTestSupport.openCompactingInline(dir, transientConfig(), quota));
            assertTrue(busy.getMessage().contains("not in use by another disk store"), busy.getMessage());
            assertArrayEquals(value(3, 3), store.get(key("k")), "the refused open wiped nothing");
        }
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), quota)) {
            assertEquals(1, reopened.size());
        }
    }

    @Test
    void useAfterCloseThrowsAndSecondCloseIsANoOp() throws IOException {
        DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1 << 20));
        store.put(key("k"), segmentOf(value(3, 3)));
        store.close();
        store.close();
        MemorySegment k = key("k");
        assertThrows(IllegalStateException.class, () -> store.put(k, k));
        assertThrows(IllegalStateException.class, () -> store.get(k));
        assertThrows(IllegalStateException.class, () -> store.read(k, v -> v));
        assertThrows(IllegalStateException.class, () -> store.remove(k));
        assertThrows(IllegalStateException.class, () -> store.containsKey(k));
        assertThrows(IllegalStateException.class, () -> store.forEachKey(1, key -> { }));
        assertThrows(IllegalStateException.class, store::clear);
        assertThrows(IllegalStateException.class, store::compact);
    }

    @Test
    void badConfigurationIsRejectedWithTheValueAndTheRule() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> new DiskStoreConfig(1000, true, 0.5, false, null));
        assertTrue(small.getMessage().startsWith("segmentBytes: 1000 (expected: from 65536"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DiskStoreConfig(2L << 30, true, 0.5, false, null));
        assertThrows(IllegalArgumentException.class, () -> DiskStoreConfig.defaults().withCompactionThreshold(0));
        assertThrows(IllegalArgumentException.class, () -> DiskStoreConfig.defaults().withCompactionThreshold(1.5));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> DiskStoreConfig.defaults().withCompactionThreshold(Double.NaN));
        assertEquals("compactionThreshold: NaN (expected: in (0, 1])", nan.getMessage());
        DiskStoreConfig defaults = DiskStoreConfig.defaults();
        assertEquals(64L << 20, defaults.segmentBytes());
        assertEquals(0.5, defaults.compactionThreshold());
        assertFalse(defaults.fsyncOnWrite());
    }

    @Test
    void quotaRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new DiskQuota(0));
        DiskQuota quota = new DiskQuota(100);
        assertThrows(IllegalArgumentException.class, () -> quota.tryReserve(-1));
        assertTrue(quota.tryReserve(100));
        assertFalse(quota.tryReserve(1));
        assertThrows(IllegalStateException.class, () -> quota.release(101));
        quota.release(100);
        assertEquals(0, quota.usedBytes());
        assertEquals(100, quota.limitBytes());
    }

    @Test
    void fsyncOnWriteStoresTheSameWay() throws IOException {
        DiskStoreConfig config = persistentConfig().withFsyncOnWrite(true);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1 << 20))) {
            store.put(key("k"), segmentOf(value(100, 1)));
            assertTrue(store.remove(key("k")));
            store.put(key("k2"), segmentOf(value(100, 2)));
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1 << 20))) {
            assertNull(store.get(key("k")));
            assertArrayEquals(value(100, 2), store.get(key("k2")));
        }
    }
}
