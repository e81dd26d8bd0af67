package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Record stamps ({@link DiskStore#stampOf}) and the visited bit of {@link DiskStore#read(MemorySegment, boolean,
 * DiskStore.RecordReader)}. */
class DiskStoreStampAndVisitTest {

    @TempDir
    Path dir;

    /** What one read reported. */
    private record Seen(byte[] value, long stamp, boolean visited) {
    }

    @Test
    void aStampNamesTheKeysCurrentRecordAndReadReportsTheSameOne() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1 << 30))) {
            assertEquals(DiskStore.NO_STAMP, store.stampOf(key("a")));
            store.put(key("a"), segmentOf(value(10, 1)));
            long first = store.stampOf(key("a"));
            assertNotEquals(DiskStore.NO_STAMP, first);
            assertEquals(first, store.stampOf(key("a")), "a lookup does not change it");
            Seen seen = read(store, "a", false);
            assertEquals(first, seen.stamp());
            assertArrayEquals(value(10, 1), seen.value());

            store.put(key("a"), segmentOf(value(10, 1)));                  // the same bytes again: a new record
            long second = store.stampOf(key("a"));
            assertNotEquals(first, second);
            assertNotEquals(DiskStore.NO_STAMP, second);
            assertEquals(second, read(store, "a", true).stamp());
            assertTrue(store.remove(key("a")));
            assertEquals(DiskStore.NO_STAMP, store.stampOf(key("a")));
            assertNull(store.read(key("a"), true, (value, stamp, visited) -> {
                throw new AssertionError("called for an absent key");
            }));
            store.put(key("a"), segmentOf(value(10, 1)));
            assertFalse(Set.of(first, second, DiskStore.NO_STAMP).contains(store.stampOf(key("a"))));

            assertThrows(NullPointerException.class, () -> store.stampOf(null));
            assertThrows(NullPointerException.class, () -> store.read(null, true, (v, s, b) -> v));
            assertThrows(NullPointerException.class, () -> store.read(key("a"), true, null));
        }
        DiskStore closed = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1 << 30));
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.stampOf(key("a")));
        assertThrows(IllegalStateException.class, () -> closed.read(key("a"), true, (v, s, b) -> v));
    }

    @Test
    void stampsOfKeysAtTheSameOffsetsOfDifferentSegmentsDiffer() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1 << 30))) {
            int keys = 500;                                            // 1,030-byte records: about 8 segments
            Set<Long> stamps = new HashSet<>();
            for (int i = 0; i < keys; i++) {
                store.put(key(i), segmentOf(value(1000, i)));
            }
            for (int i = 0; i < keys; i++) {
                long stamp = store.stampOf(key(i));
                assertNotEquals(DiskStore.NO_STAMP, stamp);
                assertTrue(stamps.add(stamp), "key " + i + " shares stamp " + stamp);
            }
            assertTrue(DiskTestSupport.segmentFiles(dir).size() >= 7);
        }
    }

    @Test
    void theFirstMarkingReadReportsUnvisitedTheSecondVisitedAndOnlyMarkingReadsMark() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1 << 30))) {
            store.put(key("a"), segmentOf(value(100, 1)));
            assertFalse(read(store, "a", false).visited());
            assertFalse(read(store, "a", false).visited(), "a read that does not mark leaves it unvisited");
            assertArrayEquals(value(100, 1), store.get(key("a")));
            assertFalse(read(store, "a", true).visited(), "the first marking read");
            Seen second = read(store, "a", true);
            assertTrue(second.visited(), "the second");
            assertArrayEquals(value(100, 1), second.value());
            assertTrue(read(store, "a", false).visited());
            assertEquals(RecordFormat.recordBytes(1, 100), store.liveBytes());

            store.put(key("a"), segmentOf(value(100, 2)));
            Seen overwritten = read(store, "a", true);
            assertFalse(overwritten.visited(), "a new record starts unvisited");
            assertArrayEquals(value(100, 2), overwritten.value());
            assertTrue(read(store, "a", false).visited());
            store.remove(key("a"));
            store.put(key("a"), segmentOf(value(100, 2)));
            assertFalse(read(store, "a", true).visited(), "removed and put again");

            Boolean readOnly = store.read(key("a"), true, (value, stamp, visited) -> value.isReadOnly());
            assertEquals(Boolean.TRUE, readOnly);
        }
    }

    /**
     * A compaction moves the key's record: a new stamp, and the visited bit comes along. Compactions run only when
     * {@code compact()} is called (the compactor executor drops what writes hand it).
     */
    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void aCompactionGivesTheRecordANewStampAndKeepsItsVisitedBit(boolean persistent) throws IOException {
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        try (DiskStore store = DiskStore.open(dir, config, new DiskQuota(1 << 30), task -> { })) {
            for (int i = 0; i < 60; i++) {                             // most of the first segment
                store.put(key(i), segmentOf(value(1000, i)));
            }
            assertFalse(read(store, key(0), true).visited());
            assertFalse(read(store, key(1), false).visited());
            long[] before = {store.stampOf(key(0)), store.stampOf(key(1))};
            for (int i = 2; i < 60; i++) {                             // the rest dies, and the segment rolls
                store.put(key(i), segmentOf(value(1000, -i)));
            }
            store.compact();
            assertTrue(store.stats().compactions() >= 1, "compactions: " + store.stats().compactions());
            Seen zero = read(store, key(0), false);
            Seen one = read(store, key(1), false);
            assertNotEquals(before[0], zero.stamp());
            assertNotEquals(before[1], one.stamp());
            assertEquals(store.stampOf(key(0)), zero.stamp());
            assertTrue(zero.visited(), "the copy keeps the bit");
            assertFalse(one.visited());
            assertArrayEquals(value(1000, 0), zero.value());
            assertArrayEquals(value(1000, 1), one.value());
        }
    }

    /**
     * The bit a compaction carried over still earns its record a second chance when the segment it was copied to is
     * evicted: that segment notes it may hold visited records, so the eviction does not skip its scan for them.
     */
    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void aVisitedRecordCopiedByACompactionGetsItsSecondChance(boolean persistent) throws IOException {
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        try (DiskStore store = DiskStore.open(dir, config, new DiskQuota(1 << 30), task -> { })) {
            for (int i = 0; i < 60; i++) {
                store.put(key(i), segmentOf(value(1000, i)));
            }
            read(store, key(0), true);
            for (int i = 2; i < 60; i++) {
                store.put(key(i), segmentOf(value(1000, -i)));
            }
            store.compact();
            assertTrue(read(store, key(0), false).visited(), "the copy keeps the bit");
            while (store.containsKey(key(1))) {
                assertTrue(store.evictOldest() >= 0, "a segment to evict");
            }
            assertEquals(1, store.stats().secondChances(), store.stats().toString());
            assertArrayEquals(value(1000, 0), read(store, key(0), false).value(), "key 0 was copied forward");
        }
    }

    private static Seen read(DiskStore store, String key, boolean mark) {
        return read(store, key(key), mark);
    }

    private static Seen read(DiskStore store, MemorySegment key, boolean mark) {
        return store.read(key, mark, (value, stamp, visited) ->
                new Seen(value.toArray(ValueLayout.JAVA_BYTE), stamp, visited));
    }
}
