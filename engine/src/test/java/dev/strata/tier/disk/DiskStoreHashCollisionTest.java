package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.flipByte;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two keys with one 32-bit hash. A read finds a record by hash alone and lets the record's key decide; these keys
 * make it find the other key's record first, so the read must look again comparing keys, never return the other
 * value, never count the other record as corrupt, and drop a record as corrupt only when the key's own one fails.
 */
class DiskStoreHashCollisionTest {

    private static final int VALUE_BYTES = 100;

    @TempDir
    Path dir;

    private MemorySegment first;
    private MemorySegment second;

    @BeforeEach
    void findKeys() {
        MemorySegment[] keys = DiskTestSupport.keysWithOneHash();
        first = keys[0];
        second = keys[1];
        assertEquals(DiskIndex.hash(first), DiskIndex.hash(second));
        assertNotEquals(-1, first.mismatch(second), "two different keys");
    }

    @Test
    void eachKeyReadsItsOwnValueAndVisitedBit() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertTrue(store.put(first, segmentOf(value(VALUE_BYTES, 1))));
            assertNull(store.get(second), "absent, though its hash is present");
            assertTrue(store.put(second, segmentOf(value(VALUE_BYTES, 2))));

            assertArrayEquals(value(VALUE_BYTES, 2), store.get(second), "the other key's record comes first by hash");
            assertArrayEquals(value(VALUE_BYTES, 1), store.get(first));
            DiskStore.RecordReader<Boolean> visitedBefore = (v, stamp, visited) -> visited;
            assertEquals(Boolean.FALSE, store.read(second, true, visitedBefore), "a first marking read");
            assertEquals(Boolean.TRUE, store.read(second, true, visitedBefore), "its own bit was set");
            assertEquals(0, store.stats().corruptRecords(), "the other key's record is not corrupt");

            assertTrue(store.remove(first));
            assertNull(store.get(first));
            assertArrayEquals(value(VALUE_BYTES, 2), store.get(second));
            assertEquals(1, store.size());
        }
    }

    /**
     * A bad record is dropped only once the lookup that compares keys finds it again: the second key's bad record
     * goes, the first key's intact one stays; then the first key's own bad record goes too.
     */
    @Test
    void onlyTheKeysOwnBadRecordIsDropped() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertTrue(store.put(first, segmentOf(value(VALUE_BYTES, 1))));
            assertTrue(store.put(second, segmentOf(value(VALUE_BYTES, 2))));
            long recordBytes = RecordFormat.HEADER_BYTES + first.byteSize() + VALUE_BYTES;
            long secondValue = RecordFormat.SEGMENT_HEADER_BYTES + recordBytes + recordBytes - 1;
            flipByte(segmentFiles(dir).getFirst(), secondValue);

            assertNull(store.get(second));
            assertEquals(1, store.stats().corruptRecords());
            assertFalse(store.containsKey(second));
            assertArrayEquals(value(VALUE_BYTES, 1), store.get(first), "the intact record of the other key stays");

            flipByte(segmentFiles(dir).getFirst(), RecordFormat.SEGMENT_HEADER_BYTES + recordBytes - 1);
            assertNull(store.get(first));
            assertEquals(2, store.stats().corruptRecords());
            assertEquals(0, store.size());
        }
    }
}
