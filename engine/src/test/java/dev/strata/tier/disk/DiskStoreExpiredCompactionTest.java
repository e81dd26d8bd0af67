package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's compaction drops the live records whose value its expiry test calls expired, instead of copying them; a
 * persistent store writes a tombstone in their place, so that no earlier record of the key comes back on reopening.
 */
class DiskStoreExpiredCompactionTest {

    private static final int KEYS = 400;
    private static final byte EXPIRED = 1;

    @TempDir
    Path dir;

    /** Every fourth key stays; of those, every second one's value starts with {@link #EXPIRED}. */
    private static byte[] valueOf(int i) {
        byte[] bytes = value(1000, i);
        bytes[0] = i % 8 == 0 ? EXPIRED : 0;
        return bytes;
    }

    /** Writes the keys, removes three in four, seals the last of their segments and compacts. */
    private static void writeAndCompact(DiskStore store) {
        store.dropExpiredWhenCompacting(v -> v.get(ValueLayout.JAVA_BYTE, 0) == EXPIRED);
        for (int i = 0; i < KEYS; i++) {
            assertTrue(store.put(key(i), segmentOf(valueOf(i))));
        }
        for (int i = 0; i < KEYS; i++) {
            if (i % 4 != 0) {
                assertTrue(store.remove(key(i)));
            }
        }
        for (int j = 0; j < 70; j++) {                 // a segment's worth of one key: all but the last dead
            assertTrue(store.put(key("filler"), segmentOf(value(1000, -j))));
        }
        store.compact();
    }

    private static byte[] read(DiskStore store, int i) {
        return store.read(key(i), (MemorySegment v) -> v.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void transientCompaction_dropsExpiredRecordsInsteadOfCopyingThem() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), new DiskQuota(1L << 30))) {
            writeAndCompact(store);
            DiskStoreStats stats = store.stats();
            assertTrue(stats.compactions() >= 6, stats::toString);
            assertEquals(KEYS / 8, stats.expiredRecords(), stats::toString);
            for (int i = 0; i < KEYS; i += 4) {
                if (i % 8 == 0) {
                    assertNull(read(store, i), "expired key " + i);
                } else {
                    assertArrayEquals(valueOf(i), read(store, i), "key " + i);
                }
            }
            assertEquals(KEYS / 8 + 1, store.size());
        }
    }

    @Test
    void persistentCompaction_dropsExpiredRecordsToo() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            writeAndCompact(store);
            DiskStoreStats stats = store.stats();
            assertTrue(stats.compactions() >= 6, stats::toString);
            assertEquals(KEYS / 8, stats.expiredRecords(), stats::toString);
            for (int i = 0; i < KEYS; i += 4) {
                assertArrayEquals(i % 8 == 0 ? null : valueOf(i), read(store, i), "key " + i);
            }
            assertEquals(KEYS / 8 + 1, store.size());
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            for (int i = 0; i < KEYS; i += 4) {
                assertArrayEquals(i % 8 == 0 ? null : valueOf(i), read(store, i), "key " + i + " after reopening");
            }
            assertEquals(KEYS / 8 + 1, store.size());
        }
    }

    /**
     * A key's earlier record, unexpired, lies in an older segment; its current record expired and is compacted away.
     * The tombstone written in its place keeps the earlier record from coming back when the store reopens.
     */
    @Test
    void persistentCompaction_writesATombstoneSoAnEarlierRecordStaysDown() throws IOException {
        byte[] earlier = value(1000, 7);
        byte[] expired = value(1000, 8);
        expired[0] = EXPIRED;
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            store.dropExpiredWhenCompacting(v -> v.get(ValueLayout.JAVA_BYTE, 0) == EXPIRED);
            assertTrue(store.put(key("k"), segmentOf(earlier)));
            for (int i = 0; i < 70; i++) {                  // the rest of segment 1, kept live: it is never compacted
                assertTrue(store.put(key(i), segmentOf(valueOf(i * 8 + 1))));
            }
            assertTrue(store.put(key("k"), segmentOf(expired)));          // in segment 2, over the earlier record
            for (int i = 1000; i < 1070; i++) {
                assertTrue(store.put(key(i), segmentOf(valueOf(i * 8 + 1))));   // fills and seals segment 2
            }
            for (int i = 1000; i < 1070; i++) {
                store.remove(key(i));                        // segment 2 due: compacted, "k" expired in it
            }
            store.compact();
            DiskStoreStats stats = store.stats();
            assertEquals(1, stats.expiredRecords(), stats::toString);
            assertNull(store.get(key("k")));
        }
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            assertNull(store.get(key("k")), "the earlier record stayed down");
            assertArrayEquals(valueOf(8 + 1), store.get(key(1)), "segment 1's other keys are there");
        }
    }
}
