package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.ProbationKeys.PER_SEGMENT;
import static dev.strata.tier.disk.ProbationKeys.TRIAL;
import static dev.strata.tier.disk.ProbationKeys.VALUE_BYTES;
import static dev.strata.tier.disk.ProbationKeys.assertAbsent;
import static dev.strata.tier.disk.ProbationKeys.assertPresent;
import static dev.strata.tier.disk.ProbationKeys.putAll;
import static dev.strata.tier.disk.ProbationKeys.rollLog;
import static dev.strata.tier.disk.ProbationKeys.segmentIdOf;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transient {@link DiskStore}'s S3-FIFO: records put on trial go to a probation log of their own segments, which
 * eviction empties first while it holds more than a tenth of the store's bytes; what was read there moves to the main
 * log, the rest leaves and is remembered by the ghost, so its next put goes to the main log. A persistent store's
 * probation log, which must also survive restarts, is tested in {@link PersistentProbationTest}. The stores here hand
 * their compactions to nobody, so the segments stay as the writes left them.
 */
class DiskStoreProbationTest {

    /** Keys from here on are put on trial to seal the probation segment being written. */
    private static final int ROLLING = 3 * TRIAL;

    @TempDir
    Path dir;

    /**
     * Two segments of main keys, then one of keys on trial, sealed by the next key on trial: the probation segment is
     * the youngest sealed one, but it holds a third of the bytes, so eviction takes it (and only its keys) before the
     * older main segments.
     */
    @Test
    void evictionTakesTheProbationSegmentFirstWhileItHoldsMoreThanATenth() throws IOException {
        try (DiskStore store = open(transientConfig())) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT, true);
            assertNotEquals(segmentIdOf(store, 0), segmentIdOf(store, TRIAL), "trial keys have a segment of their own");
            assertEquals(segmentIdOf(store, TRIAL), segmentIdOf(store, TRIAL + PER_SEGMENT - 1));
            assertEquals(0, rollLog(store, TRIAL + PER_SEGMENT, true, segmentIdOf(store, TRIAL)), "it was full");

            assertEquals(PER_SEGMENT, store.evictOldest());

            assertPresent(store, 0, 2 * PER_SEGMENT);
            assertAbsent(store, TRIAL, PER_SEGMENT);
            assertPresent(store, TRIAL + PER_SEGMENT, 1);
        }
    }

    /**
     * The segments being written go last: in a store of fewer than ten segments the one probation segment, still
     * being written, holds more than a tenth of the bytes, but eviction takes the main log's oldest and leaves the
     * keys just put on trial for their first read. (Taking it, a cache's put read right after it missed now and then
     * when its share of a quota shared with other caches was under ten segments.) Once the probation segment is
     * sealed, it goes first.
     */
    @Test
    void theProbationSegmentBeingWrittenIsEvictedAfterTheMainLog() throws IOException {
        try (DiskStore store = open(transientConfig())) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT / 2, true);

            assertEquals(PER_SEGMENT, store.evictOldest(), "the main log's oldest segment");
            assertAbsent(store, 0, PER_SEGMENT);
            assertPresent(store, TRIAL, PER_SEGMENT / 2);

            int filled = rollLog(store, TRIAL + PER_SEGMENT / 2, true, segmentIdOf(store, TRIAL));
            assertEquals(PER_SEGMENT / 2 + filled, store.evictOldest(), "the probation segment, sealed");
            assertAbsent(store, TRIAL, PER_SEGMENT / 2 + filled);
            assertPresent(store, PER_SEGMENT, PER_SEGMENT);
        }
    }

    /** A store whose every record lies in the segments being written evicts them, the probation one first. */
    @Test
    void aStoreOfOnlyTheSegmentsBeingWrittenEvictsThemProbationFirst() throws IOException {
        try (DiskStore store = open(transientConfig())) {
            putAll(store, 0, PER_SEGMENT / 2, false);
            putAll(store, TRIAL, PER_SEGMENT / 2, true);

            assertEquals(PER_SEGMENT / 2, store.evictOldest());
            assertAbsent(store, TRIAL, PER_SEGMENT / 2);
            assertPresent(store, 0, PER_SEGMENT / 2);
            assertEquals(PER_SEGMENT / 2, store.evictOldest());
            assertEquals(0, store.size());
            assertEquals(-1, store.evictOldest(), "nothing left to free");
        }
    }

    /**
     * Keys on trial read before their segment is evicted move to the main log, all of them (a probation segment has
     * no half-segment budget); the unread ones leave. The next eviction, with probation empty, takes the oldest main
     * segment and leaves the moved keys, which are the main log's newest.
     */
    @Test
    void trialKeysReadBeforeEvictionMoveToTheMainLog() throws IOException {
        try (DiskStore store = open(transientConfig())) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT, true);
            rollLog(store, TRIAL + PER_SEGMENT, true, segmentIdOf(store, TRIAL));
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k += 2) {
                assertNotNull(store.read(key(k), true, (bytes, stamp, visited) -> bytes.byteSize()));
            }

            assertEquals(PER_SEGMENT / 2, store.evictOldest(), "the unread half leaves");
            assertEquals((PER_SEGMENT + 1) / 2, store.stats().secondChances(), "the read half moved");
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k++) {
                assertValue(store, k, k % 2 == 0);
            }

            assertEquals(PER_SEGMENT, store.evictOldest(), "then the oldest main segment, whole: nothing read there");
            assertAbsent(store, 0, PER_SEGMENT);
            assertPresent(store, PER_SEGMENT, PER_SEGMENT);
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k++) {
                assertValue(store, k, k % 2 == 0);
            }
        }
    }

    /**
     * The ghost: keys evicted from probation unread and put on trial again go to the main log, so the probation
     * segment of new trial keys put after them leaves without them. Which of the returning keys the ghost still
     * remembers (one byte per bucket: two keys may share one) is what a ghost fed the same evictions answers.
     */
    @Test
    void keysEvictedFromProbationUnreadReturnToTheMainLog() throws IOException {
        int returning = 16;
        try (DiskStore store = open(transientConfig())) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            putAll(store, TRIAL, PER_SEGMENT, true);
            rollLog(store, ROLLING, true, segmentIdOf(store, TRIAL));
            assertEquals(PER_SEGMENT, store.evictOldest());
            GhostHashes oracle = new GhostHashes();
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k++) {
                oracle.add(DiskIndex.hash(key(k)));
            }

            putAll(store, TRIAL, returning, true);
            putAll(store, 2 * TRIAL, PER_SEGMENT - returning, true);
            int remembered = 0;
            for (int k = TRIAL; k < TRIAL + returning; k++) {
                remembered += oracle.remove(DiskIndex.hash(key(k))) ? 1 : 0;
            }
            assertTrue(remembered >= returning - 2, remembered + " of " + returning + " remembered");
            int sealing = rollLog(store, ROLLING + 1, true, segmentIdOf(store, ROLLING)) + 1;

            assertEquals(PER_SEGMENT - remembered + sealing, store.evictOldest(),
                    "the probation segment: new keys, forgotten ones, and those put until it was sealed");
            assertAbsent(store, 2 * TRIAL, PER_SEGMENT - returning);
            oracle = new GhostHashes();
            for (int k = TRIAL; k < TRIAL + PER_SEGMENT; k++) {
                oracle.add(DiskIndex.hash(key(k)));
            }
            for (int k = TRIAL; k < TRIAL + returning; k++) {
                assertValue(store, k, oracle.remove(DiskIndex.hash(key(k))));
            }
        }
    }

    /** A key the store holds is put to the main log even on trial: it is being replaced, so it was wanted. */
    @Test
    void aPutOnTrialOfAHeldKeyGoesToTheMainLog() throws IOException {
        try (DiskStore store = open(transientConfig())) {
            putAll(store, 0, 2 * PER_SEGMENT, false);
            store.put(key(0), segmentOf(value(VALUE_BYTES, 1)), true);
            putAll(store, TRIAL, PER_SEGMENT, true);
            rollLog(store, ROLLING, true, segmentIdOf(store, TRIAL));

            assertNotEquals(segmentIdOf(store, TRIAL), segmentIdOf(store, 0));
            assertEquals(PER_SEGMENT, store.evictOldest(), "the trial keys' segment");
            assertArrayEquals(value(VALUE_BYTES, 1), store.get(key(0)));
        }
    }

    private DiskStore open(DiskStoreConfig config) throws IOException {
        return DiskStore.open(dir, config, new DiskQuota(1L << 30), task -> { });
    }



    private static void assertValue(DiskStore store, int k, boolean present) {
        if (present) {
            assertArrayEquals(value(VALUE_BYTES, k), store.get(key(k)), "key " + k);
        } else {
            assertNull(store.get(key(k)), "key " + k);
        }
    }
}
