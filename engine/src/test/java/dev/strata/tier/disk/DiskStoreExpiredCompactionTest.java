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
 * A transient store's compaction drops the live records whose value its expiry test calls expired, instead of copying
 * them; a persistent store copies them all (dropping one without a tombstone could bring an older record back).
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
    void persistentCompaction_copiesExpiredRecordsLikeLiveOnes() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1L << 30))) {
            writeAndCompact(store);
            DiskStoreStats stats = store.stats();
            assertTrue(stats.compactions() >= 6, stats::toString);
            assertEquals(0, stats.expiredRecords(), stats::toString);
            for (int i = 0; i < KEYS; i += 4) {
                assertArrayEquals(valueOf(i), read(store, i), "key " + i);
            }
            assertEquals(KEYS / 4 + 1, store.size());
        }
    }
}
