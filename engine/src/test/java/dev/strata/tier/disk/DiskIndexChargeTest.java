package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the disk index charges its keys: {@link IndexTable#keyCharge} per key while it holds the key, reported to its
 * consumer change by change, through every way a key arrives or leaves (put, the two removals, a segment's removal,
 * clear, recovery's settling and its tombstone markers), checked against a model; and how the arrays' real heap
 * compares with the charge.
 */
class DiskIndexChargeTest {

    @TempDir
    Path directory;

    private final DiskQuota quota = new DiskQuota(1 << 30);
    private final AtomicLong reported = new AtomicLong();
    private final DiskIndex index = new DiskIndex(reported::addAndGet);
    private Segment first;
    private Segment second;

    @BeforeEach
    void createSegments() throws IOException {
        first = DiskTestSupport.newSegment(directory, quota, 1);
        second = DiskTestSupport.newSegment(directory, quota, 2);
    }

    @AfterEach
    void retireSegments() {
        first.retire(true);
        second.retire(true);
    }

    @Test
    void aKeyIsChargedItsSlotItsBytesAndTheirLength() {
        assertEquals(36, IndexTable.SLOT_CHARGE, "20 bytes of slot at 9/16 full");
        assertEquals(36 + 4 + 16, IndexTable.keyCharge(16));
        index.put(text("sixteen-byte-key"), new Location(first, 16, 40));
        assertCharged(IndexTable.keyCharge(16));
        index.put(text("sixteen-byte-key"), new Location(first, 56, 40));
        assertCharged(IndexTable.keyCharge(16));                        // an overwrite: the same key, no new charge
        index.put(text("k"), new Location(first, 96, 40));
        assertCharged(IndexTable.keyCharge(16) + IndexTable.keyCharge(1));
        index.remove(text("sixteen-byte-key"));
        assertCharged(IndexTable.keyCharge(1));
        index.remove(text("k"), new Location(first, 97, 40));         // not its location: stays
        assertCharged(IndexTable.keyCharge(1));
        index.remove(text("k"), new Location(first, 96, 40));
        assertCharged(0);
    }

    @Test
    void randomChangesKeepTheChargeEqualToTheModelsKeys() {
        Map<String, Location> model = new HashMap<>();
        Random random = new Random(7);
        for (int step = 0; step < 200_000; step++) {
            String key = "key-" + random.nextInt(20_000) + "-".repeat(random.nextInt(3));
            int action = random.nextInt(10);
            if (action < 6) {
                Location location = new Location(random.nextBoolean() ? first : second, 16 + step, 40);
                index.put(text(key), location);
                model.put(key, location);
            } else if (action < 9) {
                index.remove(text(key));
                model.remove(key);
            } else {
                Location expected = model.get(key);
                if (expected != null && index.remove(text(key), expected)) {
                    model.remove(key);
                }
            }
            if (step % 50_000 == 0) {
                assertCharged(charge(model));
            }
        }
        assertCharged(charge(model));
        index.removeAll(segment -> segment == first, removed -> { });
        model.values().removeIf(location -> location.segment() == first);
        assertCharged(charge(model));
        index.clear();
        assertCharged(0);
    }

    @Test
    void recoveryChargesTheKeysItKeepsAndNotItsTombstones() {
        index.settle(text("alive"), first, 16, 40, 1);
        index.settle(text("removed"), first, 56, 40, 2);
        index.settle(text("removed"), null, 0, 30, 3);                 // a tombstone stands as a marker until the end
        index.settle(text("never-put"), null, 0, 30, 4);
        index.endRecovery();
        assertCharged(IndexTable.keyCharge("alive".length()));
    }

    @Test
    void theArraysTakeWithinAHalfAndTwiceTheCharge() {
        for (int keys = 1; keys <= 300_000; keys++) {
            index.put(text("key-" + (10_000_000 + keys)), new Location(first, 16, 40));
            if (keys % 25_000 == 0) {
                double ratio = (double) index.heapBytes() / index.chargedBytes();
                assertTrue(ratio > 0.5 && ratio < 2, keys + " keys: arrays " + index.heapBytes() + " bytes, charged "
                        + index.chargedBytes());
            }
        }
    }

    @Test
    void theQuotaRefusesToChargeBelowZero() {
        DiskQuota limited = new DiskQuota(1 << 20, 100);
        limited.chargeIndex(60);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> limited.chargeIndex(-61));
        assertTrue(e.getMessage().contains("-61") && e.getMessage().contains("60"), e.getMessage());
        assertEquals(60, limited.indexBytes(), "a refused charge changes nothing");
        assertTrue(limited.indexAdmits(40));
        assertTrue(!limited.indexAdmits(41));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new DiskQuota(1, 0));
        assertEquals("indexLimitBytes: 0 (expected: >= 1)", bad.getMessage());
    }

    private void assertCharged(long expected) {
        assertEquals(expected, index.chargedBytes(), "the tables' own charge");
        assertEquals(expected, reported.get(), "the sum of the changes reported");
    }

    private static long charge(Map<String, Location> model) {
        return model.keySet().stream().mapToLong(key -> IndexTable.keyCharge(key.length())).sum();
    }

    private static MemorySegment text(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }
}
