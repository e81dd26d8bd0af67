package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a store tells of the records it drops by itself ({@link DiskStore#reportDrops}) and of those a clear removes
 * ({@link DiskStore#clear(DiskStore.Dropped)}), and whether a write replaced a record ({@link DiskStore.Stored}): each
 * key's current record once, with its value, and never a record already replaced or removed.
 */
class DiskStoreDropsTest {

    private static final int KEYS = 300;

    @TempDir
    Path dir;

    /** The records told, by key text: their value bytes, and whether they were told expired. */
    private static final class Told implements DiskStore.Dropped {
        final Map<String, byte[]> values = new HashMap<>();
        final Map<String, Boolean> expired = new HashMap<>();
        int twice;

        @Override
        public synchronized void dropped(MemorySegment key, MemorySegment value, boolean wasExpired) {
            String text = new String(key.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            if (values.put(text, value.toArray(ValueLayout.JAVA_BYTE)) != null) {
                twice++;
            }
            expired.put(text, wasExpired);
        }
    }

    private static String text(int i) {
        return String.format("key-%05d", i);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aWriteSaysWhetherItReplacedARecord(boolean persistent) throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir,
                persistent ? persistentConfig() : transientConfig(), new DiskQuota(1L << 30))) {
            assertEquals(DiskStore.Stored.ADDED, store.store(key(1), segmentOf(value(100, 1)), false));
            assertEquals(DiskStore.Stored.REPLACED, store.store(key(1), segmentOf(value(100, 2)), true));
            assertEquals(DiskStore.Stored.REPLACED, store.store(key(1), 50, target ->
                    MemorySegment.copy(segmentOf(value(50, 3)), 0, target, 0, 50), false));
            assertTrue(store.remove(key(1)));
            assertEquals(DiskStore.Stored.ADDED, store.store(key(1), 50, target ->
                    MemorySegment.copy(segmentOf(value(50, 4)), 0, target, 0, 50), false));
        }
    }

    @Test
    void aFullQuotaRefusesAWrite() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(),
                new DiskQuota(DiskTestSupport.SMALL_SEGMENT * 2))) {
            DiskStore.Stored last = DiskStore.Stored.ADDED;
            for (int i = 0; i < 10_000 && last != DiskStore.Stored.REFUSED; i++) {
                last = store.store(key(i), segmentOf(value(1000, i)), false);
            }
            assertEquals(DiskStore.Stored.REFUSED, last);
        }
    }

    /** Evicting every segment tells each key's current record once, and none of the records written over. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void evictionsTellEachCurrentRecordOnce(boolean persistent) throws IOException {
        Told told = new Told();
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir,
                persistent ? persistentConfig() : transientConfig(), new DiskQuota(1L << 30))) {
            store.reportDrops(told, null);
            for (int i = 0; i < KEYS; i++) {
                assertTrue(store.put(key(i), segmentOf(value(700, i))));
            }
            for (int i = 0; i < KEYS; i += 3) {
                assertTrue(store.put(key(i), segmentOf(value(700, -i))));        // written over: the old one dead
            }
            for (int i = 1; i < KEYS; i += 3) {
                assertTrue(store.remove(key(i)));
            }
            while (store.evictOldest() >= 0) {
                // until no segment holds a record
            }
            assertEquals(0, store.size());
        }
        assertEquals(0, told.twice, "told twice");
        assertEquals(KEYS - (KEYS + 2) / 3, told.values.size(), "told: the keys not removed");
        for (int i = 0; i < KEYS; i++) {
            if (i % 3 == 1) {
                assertTrue(!told.values.containsKey(text(i)), "removed key " + i);
            } else {
                assertArrayEquals(value(700, i % 3 == 0 ? -i : i), told.values.get(text(i)), "key " + i);
                assertEquals(false, told.expired.get(text(i)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClearTellsEachEntryOnceThenRemovesThem(boolean persistent) throws IOException {
        Told told = new Told();
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir,
                persistent ? persistentConfig() : transientConfig(), new DiskQuota(1L << 30))) {
            for (int i = 0; i < KEYS; i++) {
                assertTrue(store.put(key(i), segmentOf(value(500, i))));
                assertTrue(store.put(key(i), segmentOf(value(500, -i))));
            }
            store.clear(told);
            assertEquals(0, store.size());
            assertTrue(store.put(key(0), segmentOf(value(10, 0))), "the store takes writes after the clear");
        }
        assertEquals(0, told.twice);
        assertEquals(KEYS, told.values.size());
        for (int i = 0; i < KEYS; i++) {
            assertArrayEquals(value(500, -i), told.values.get(text(i)), "key " + i);
        }
    }

    /** A compaction that drops expired records tells them as expired; the live ones it copies are not told. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void compactionTellsTheExpiredRecordsItDrops(boolean persistent) throws IOException {
        Told told = new Told();
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir,
                persistent ? persistentConfig() : transientConfig(), new DiskQuota(1L << 30))) {
            store.reportDrops(told, null);
            store.dropExpiredWhenCompacting(v -> v.get(ValueLayout.JAVA_BYTE, 0) == 1);
            for (int i = 0; i < KEYS; i++) {
                byte[] bytes = value(1000, i);
                bytes[0] = (byte) (i % 2);                     // odd keys expired
                assertTrue(store.put(key(i), segmentOf(bytes)));
            }
            for (int i = 0; i < KEYS; i += 2) {
                assertTrue(store.remove(key(i)));              // dead bytes: the segments are due for compaction
            }
            for (int j = 0; j < 70; j++) {
                assertTrue(store.put(key("filler"), segmentOf(value(1000, -j - 1000))));
            }
            store.compact();
        }
        assertEquals(0, told.twice);
        assertTrue(told.values.size() > KEYS / 4, "expired records told: " + told.values.size());
        told.values.forEach((text, bytes) -> {
            int i = Integer.parseInt(text.substring(4));
            assertEquals(1, i % 2, text + " told but not expired");
            assertEquals(true, told.expired.get(text));
            byte[] expected = value(1000, i);
            expected[0] = 1;
            assertArrayEquals(expected, bytes, text);
        });
    }
}
