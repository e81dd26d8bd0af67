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
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DiskStore#compactExpiredSegments}: a store that tracks deadlines finds the sealed segments whose records have
 * all expired without reading them, and their compaction drops every record (a persistent store keeping what a
 * reopen needs); a segment with one live record is left alone, and so is the segment being written until every value
 * in it has expired. It also finds the segments where the expired records make up the compaction threshold, by their
 * bytes by deadline, which a compaction for quota goes by below it. A persistent store reopened knows its segments'
 * deadlines, from its snapshot or its scan, unless they were written without. A value here is a little-endian
 * deadline followed by filler bytes; "now" is a number the test sets.
 */
class DiskStoreExpiredSegmentsTest {

    private static final ValueLayout.OfLong DEADLINE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** About 64 of these fill one of the test configuration's segments. */
    private static final int VALUE_BYTES = 1000;
    private static final int EXPIRING = 300;
    private static final int LIVE = 100;

    @TempDir
    Path dir;

    private long now;

    private static byte[] valueOf(int i, long deadline) {
        byte[] bytes = value(VALUE_BYTES, i);
        MemorySegment.ofArray(bytes).set(DEADLINE, 0, deadline);
        return bytes;
    }

    /** How a persistent store is reopened. */
    enum Reopening {
        /** From the snapshot its close wrote. */
        AFTER_CLOSE,
        /** From its files alone, every record scanned. */
        AFTER_CRASH,
        /** From a copy of its files taken while it ran, after a checkpoint and more writes: both ways at once. */
        AFTER_CRASH_SINCE_CHECKPOINT
    }

    private DiskStore open(boolean persistent) throws IOException {
        return open(dir, persistent, true);
    }

    private DiskStore open(Path directory, boolean persistent, boolean deadlines) throws IOException {
        DiskStoreConfig config = persistent ? persistentConfig() : transientConfig();
        DiskStore store = DiskTestSupport.openCompactingInline(directory,
                deadlines ? config.withDeadlines(v -> v.get(DEADLINE, 0)) : config, new DiskQuota(1L << 30));
        store.dropExpiredWhenCompacting(v -> v.get(DEADLINE, 0) <= now);
        return store;
    }

    private int expiredLeft(DiskStore store) {
        int left = 0;
        for (int i = 0; i < EXPIRING; i++) {
            left += store.containsKey(key(i)) ? 1 : 0;
        }
        return left;
    }

    private int compactExpired(DiskStore store) {
        return store.compactExpiredSegments(deadline -> deadline <= now);
    }

    /** Keys 0..299 expire at 100 and fill about five segments; keys 1000..1099 live until 1000 and seal them. */
    private static void write(DiskStore store) {
        for (int i = 0; i < EXPIRING; i++) {
            assertTrue(store.put(key(i), segmentOf(valueOf(i, 100))));
        }
        for (int i = 1000; i < 1000 + LIVE; i++) {
            assertTrue(store.put(key(i), segmentOf(valueOf(i, 1000))));
        }
    }

    /** Two keys of three expire at 100, the third lives until 5000. */
    private static long twoOfThreeExpiring(int i) {
        return i % 3 == 2 ? 5000 : 100;
    }

    /** Writes keys {@code 0..count-1}, each with the deadline {@code deadlineOf} gives it. */
    private static void write(DiskStore store, int count, IntToLongFunction deadlineOf) {
        for (int i = 0; i < count; i++) {
            assertTrue(store.put(key(i), segmentOf(valueOf(i, deadlineOf.applyAsLong(i)))));
        }
    }

    /**
     * {@return how many of keys {@code 0..count-1} whose deadline is before {@code now} are still held} Checks that
     * every other one reads back.
     */
    private int expiredLeft(DiskStore store, int count, IntToLongFunction deadlineOf) {
        int left = 0;
        for (int i = 0; i < count; i++) {
            long deadline = deadlineOf.applyAsLong(i);
            if (deadline > now) {
                assertArrayEquals(valueOf(i, deadline), store.get(key(i)), "live key " + i);
            } else {
                left += store.containsKey(key(i)) ? 1 : 0;
            }
        }
        return left;
    }

    /**
     * Checks, for a store holding keys 0..299 of which two in three expire at 100 ({@link #twoOfThreeExpiring}), that
     * a sweep finds nothing at 99 and their sealed segments at 200, and that the live keys read back. {@return how many
     * expired keys are left: at most the segment being written holds some}
     */
    private int assertMostlyExpiredSegmentsFound(DiskStore store) {
        now = 99;
        assertEquals(0, compactExpired(store), "nothing has expired yet");
        now = 200;
        assertTrue(compactExpired(store) >= 4, "the sealed segments of the expiring keys");
        int left = expiredLeft(store, EXPIRING, DiskStoreExpiredSegmentsTest::twoOfThreeExpiring);
        assertTrue(left < 64, "at most the segment being written keeps some: " + left);
        return left;
    }

    /**
     * Every segment holds keys that live on, so none has a latest deadline that passed; two thirds of each expired,
     * past the compaction threshold of half, and the sealed ones are found by their bytes by deadline. Then everything
     * expires: the segments still appended to (a persistent store's active one, a transient store's compaction output
     * holding the copies) are sealed and compacted too, and nothing is left.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void segmentsMostlyExpired_areCompacted_andTheRestOnceExpired(boolean persistent) throws IOException {
        try (DiskStore store = open(persistent)) {
            write(store, EXPIRING, DiskStoreExpiredSegmentsTest::twoOfThreeExpiring);
            int left = assertMostlyExpiredSegmentsFound(store);
            DiskStoreStats stats = store.stats();
            assertEquals(2 * EXPIRING / 3 - left, stats.expiredRecords(), stats::toString);
            assertEquals(EXPIRING / 3 + left, store.size(), stats::toString);
            now = 5000;
            assertTrue(compactExpired(store) >= 1, "the rest");
            assertEquals(0, store.size(), () -> store.stats().toString());
            assertEquals(EXPIRING, store.stats().expiredRecords(), () -> store.stats().toString());
            assertTrue(store.put(key("after"), segmentOf(valueOf(1, 9000))), "the store goes on");
            assertArrayEquals(valueOf(1, 9000), store.get(key("after")));
        }
    }

    /**
     * One key in three expired: under the threshold, so the sweep compacts nothing, but it notes the bytes, and a put
     * that finds the quota full compacts those segments to make room instead of being refused. Nobody else compacts.
     */
    @Test
    void expiredBytesUnderTheThreshold_areWhatAFullQuotaCompacts() throws IOException {
        IntToLongFunction oneOfThreeExpiring = i -> i % 3 == 0 ? 100 : 5000;
        int perSegment = (int) ((DiskStoreConfig.MIN_SEGMENT_BYTES - RecordFormat.SEGMENT_HEADER_BYTES)
                / RecordFormat.recordBytes(key(0).byteSize(), VALUE_BYTES));
        DiskStoreConfig config = transientConfig().withDeadlines(v -> v.get(DEADLINE, 0));
        try (DiskStore store = DiskStore.open(dir, config, new DiskQuota(7 * DiskStoreConfig.MIN_SEGMENT_BYTES),
                task -> { })) {
            store.dropExpiredWhenCompacting(v -> v.get(DEADLINE, 0) <= now);
            int keys = 5 * perSegment;
            write(store, keys, oneOfThreeExpiring);
            now = 200;
            assertEquals(0, compactExpired(store), "a third is under the threshold");
            int next = keys;
            while (store.stats().compactions() == 0) {        // new keys until a put finds the quota full
                assertTrue(next < keys + 3 * perSegment, "the quota never filled");
                assertTrue(store.put(key(next), segmentOf(valueOf(next, 5000))), "key " + next);
                next++;
            }
            DiskStoreStats stats = store.stats();
            assertEquals(0, stats.quotaRefusals(), stats.toString());
            assertEquals(0, stats.evictedRecords(), stats.toString());
            assertTrue(stats.expiredRecords() > 0, stats.toString());
            int written = next;
            assertEquals(keys / 3 - stats.expiredRecords(), expiredLeft(store, written,
                    i -> i < keys ? oneOfThreeExpiring.applyAsLong(i) : 5000));
        }
    }

    /** Its compactions would copy the expired records, and the next sweep would find them again, and again. */
    @Test
    void aStoreNotToldToDropExpiredValues_compactsNothingByDeadline() throws IOException {
        DiskStoreConfig config = transientConfig().withDeadlines(v -> v.get(DEADLINE, 0));
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30))) {
            write(store);
            now = 5000;
            assertEquals(0, compactExpired(store));
            assertEquals(EXPIRING + LIVE, store.size());
            assertEquals(0, store.stats().compactions());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void segmentsWhoseRecordsAllExpired_areCompactedAway_andNothingElse(boolean persistent) throws IOException {
        try (DiskStore store = open(persistent)) {
            write(store);
            now = 99;
            assertEquals(0, compactExpired(store), "nothing has expired yet");
            now = 200;
            long filesBefore = store.fileBytes();
            int queued = compactExpired(store);
            assertTrue(queued >= 4, "the sealed segments of the expired keys: " + queued);
            DiskStoreStats stats = store.stats();
            long expiredLeft = expiredLeft(store);           // only in the segment the live keys' writes began in
            assertTrue(expiredLeft < 64, "at most one segment's worth left: " + expiredLeft);
            assertEquals(EXPIRING - expiredLeft, stats.expiredRecords(), stats::toString);
            assertEquals(LIVE + expiredLeft, store.size(), stats::toString);
            assertTrue(store.fileBytes() < filesBefore, store.fileBytes() + " against " + filesBefore);
            for (int i = 1000; i < 1000 + LIVE; i++) {
                assertArrayEquals(valueOf(i, 1000), store.get(key(i)), "live key " + i);
            }
            assertEquals(0, compactExpired(store), "a segment with one live record stays; nothing is found twice");
        }
    }

    @Test
    void aPersistentStoreReopens_withoutTheExpiredKeys() throws IOException {
        try (DiskStore store = open(true)) {
            write(store);
            now = 200;
            compactExpired(store);
        }
        try (DiskStore store = open(true)) {
            int left = expiredLeft(store);
            assertTrue(left < 64, "the expired keys stayed gone: " + left + " left");
            for (int i = 1000; i < 1000 + LIVE; i++) {
                assertArrayEquals(valueOf(i, 1000), store.get(key(i)), "live key " + i);
            }
        }
    }

    /**
     * Writes keys 0..299 with the deadlines {@code deadlineOf} gives them, then keys 1000..1099 live until 1000, into a
     * persistent store, and reopens it as {@code reopening} says. {@return the reopened store}
     */
    private DiskStore writeAndReopen(Reopening reopening, IntToLongFunction deadlineOf) throws IOException {
        Path reopened = reopening == Reopening.AFTER_CRASH_SINCE_CHECKPOINT ? dir.resolve("copy") : dir;
        Path original = reopened == dir ? dir : dir.resolve("original");
        try (DiskStore store = open(original, true, true)) {
            for (int i = 0; i < EXPIRING; i++) {
                assertTrue(store.put(key(i), segmentOf(valueOf(i, deadlineOf.applyAsLong(i)))));
                if (i == EXPIRING / 2 && reopening == Reopening.AFTER_CRASH_SINCE_CHECKPOINT) {
                    store.checkpoint();                // names the sealed segments of the first half
                }
            }
            for (int i = 1000; i < 1000 + LIVE; i++) {
                assertTrue(store.put(key(i), segmentOf(valueOf(i, 1000))));
            }
            if (reopening == Reopening.AFTER_CRASH_SINCE_CHECKPOINT) {
                DiskTestSupport.copySegmentFiles(original, reopened);
                Files.copy(original.resolve(IndexSnapshot.FILE_NAME), reopened.resolve(IndexSnapshot.FILE_NAME));
            }
        }
        if (reopening == Reopening.AFTER_CRASH) {
            DiskTestSupport.asAfterACrash(dir);
        }
        DiskStore store = open(reopened, true, true);
        assertEquals(reopening != Reopening.AFTER_CRASH, store.restoredFromSnapshot());
        assertEquals(EXPIRING + LIVE, store.size());
        return store;
    }

    /**
     * Nothing expires before the store is reopened; then its segments, every one sealed by the open, are found as
     * those of a store that never closed: the expired ones at 200, all at 5000.
     */
    @ParameterizedTest
    @EnumSource(Reopening.class)
    void aReopenedStore_knowsItsSegmentsDeadlines(Reopening reopening) throws IOException {
        try (DiskStore store = writeAndReopen(reopening, i -> 100)) {
            now = 99;
            assertEquals(0, compactExpired(store), "nothing has expired yet");
            now = 200;
            assertTrue(compactExpired(store) >= 4, "the segments of the expired keys");
            int left = expiredLeft(store);
            assertTrue(left < 64, "at most one segment's worth left: " + left);
            assertEquals(LIVE + left, store.size());
            for (int i = 1000; i < 1000 + LIVE; i++) {
                assertArrayEquals(valueOf(i, 1000), store.get(key(i)), "live key " + i);
            }
            now = 5000;
            assertTrue(compactExpired(store) >= 2, "the rest");
            assertEquals(0, store.size(), () -> store.stats().toString());
        }
    }

    /**
     * The same with two keys of three expiring at 100 and the third at 5000: the segments' bytes by deadline come back
     * from the snapshot, or the scan, and the sweep finds the mostly expired ones.
     */
    @ParameterizedTest
    @EnumSource(Reopening.class)
    void aReopenedStore_knowsItsSegmentsBytesByDeadline(Reopening reopening) throws IOException {
        try (DiskStore store = writeAndReopen(reopening, DiskStoreExpiredSegmentsTest::twoOfThreeExpiring)) {
            int left = assertMostlyExpiredSegmentsFound(store);
            assertEquals(EXPIRING / 3 + LIVE + left, store.size(), () -> store.stats().toString());
        }
    }

    /**
     * A store that did not track deadlines wrote none to its snapshot: a store that does, reopening its files from it,
     * does not know them and compacts nothing by deadline; reopening them by a scan, it reads each record's.
     */
    @Test
    void segmentsWrittenWithoutDeadlines_areNotFoundUntilAScanReadsThem() throws IOException {
        try (DiskStore store = open(dir, true, false)) {
            write(store);
        }
        try (DiskStore store = open(dir, true, true)) {
            now = 5000;
            assertEquals(0, compactExpired(store), "the snapshot named no deadline");
            assertEquals(EXPIRING + LIVE, store.size());
        }
        DiskTestSupport.asAfterACrash(dir);
        try (DiskStore store = open(dir, true, true)) {
            now = 5000;
            assertTrue(compactExpired(store) >= 6, "every segment, scanned");
            assertEquals(0, store.size());
        }
    }

    /**
     * A key's earlier record, live until 5000, lies in the first segment (which it keeps from being found); its later
     * record, expired at 100, lies in a later segment of expired records. Compacting that segment away must leave a
     * tombstone in a persistent store, or the earlier value would come back on reopening.
     */
    @Test
    void anEarlierRecordOfAnExpiredKey_doesNotComeBackOnReopening() throws IOException {
        try (DiskStore store = open(true)) {
            assertTrue(store.put(key("k"), segmentOf(valueOf(7, 5000))));
            for (int i = 0; i < 70; i++) {
                assertTrue(store.put(key(i), segmentOf(valueOf(i, 100))));       // past the end of segment 1
            }
            assertTrue(store.put(key("k"), segmentOf(valueOf(8, 100))));          // in segment 2, over it
            for (int i = 70; i < 210; i++) {
                assertTrue(store.put(key(i), segmentOf(valueOf(i, 100))));       // segments 2 and 3, sealed
            }
            for (int i = 1000; i < 1000 + LIVE; i++) {
                assertTrue(store.put(key(i), segmentOf(valueOf(i, 5000))));
            }
            now = 200;
            assertTrue(compactExpired(store) >= 2, "segments 2 and 3");
            assertNull(store.get(key("k")));
        }
        try (DiskStore store = open(true)) {
            now = 200;
            assertNull(store.get(key("k")), "the earlier record stayed down");
            assertArrayEquals(valueOf(1050, 5000), store.get(key(1050)), "the live keys are there");
        }
    }
}
