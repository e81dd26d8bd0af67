package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keys and values the probation tests ({@code DiskStoreProbationTest}, {@code PersistentProbationTest}) write in
 * small segments: key {@code k} is "key-NNNNN" with a value of {@link #VALUE_BYTES} derived from {@code k}, so a whole
 * number of records fills a segment.
 */
final class ProbationKeys {

    static final int VALUE_BYTES = 1000;
    /** Keys are "key-NNNNN" (9 bytes): every record is 21 + 9 + 1000 bytes. */
    static final int RECORD_BYTES = RecordFormat.recordBytes(9, VALUE_BYTES);
    /** Records of one 64 KiB segment (after its 16-byte header). */
    static final int PER_SEGMENT = (int) ((DiskTestSupport.SMALL_SEGMENT - 16) / RECORD_BYTES);
    /** Keys 0.. are put to the main log, keys from here on trial. */
    static final int TRIAL = 10_000;

    private ProbationKeys() {
    }

    /** Puts keys {@code first} to {@code first + count - 1}, each with its own value, on trial if {@code onTrial}. */
    static void putAll(DiskStore store, int first, int count, boolean onTrial) {
        for (int k = first; k < first + count; k++) {
            assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, k)), onTrial), "put " + k);
        }
    }

    /**
     * Puts keys from {@code first} on, each with its own value, on trial if {@code onTrial}, until one goes to another
     * segment than {@code writing}, the segment of that log being written: {@code writing} is then sealed, and open to
     * eviction (a store evicts the segments being written last). {@return how many of the keys went into
     * {@code writing}}
     */
    static int rollLog(DiskStore store, int first, boolean onTrial, long writing) {
        for (int k = first; ; k++) {
            assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, k)), onTrial), "put " + k);
            long segment = segmentIdOf(store, k);
            assertTrue(segment >= writing, "key " + k + " went to the log of segment " + writing);
            if (segment != writing) {
                return k - first;
            }
        }
    }

    /** {@return the id of the segment holding {@code k}'s current record} */
    static long segmentIdOf(DiskStore store, int k) {
        long stamp = store.stampOf(key(k));
        assertNotEquals(DiskStore.NO_STAMP, stamp, "key " + k + " is held");
        return stamp >>> 32;
    }

    /** Checks keys {@code first} to {@code first + count - 1} read as their own values. */
    static void assertPresent(DiskStore store, int first, int count) {
        for (int k = first; k < first + count; k++) {
            assertArrayEquals(value(VALUE_BYTES, k), store.get(key(k)), "key " + k);
        }
    }

    /** Checks keys {@code first} to {@code first + count - 1} are absent. */
    static void assertAbsent(DiskStore store, int first, int count) {
        for (int k = first; k < first + count; k++) {
            assertNull(store.get(key(k)), "key " + k);
        }
    }
}
