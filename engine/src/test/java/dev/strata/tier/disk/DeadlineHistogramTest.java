package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DeadlineHistogram}: bytes by deadline in at most sixteen buckets, never counted as expired before their
 * record's deadline, and not much after it where the deadlines allow.
 */
class DeadlineHistogramTest {

    private static final long MINUTE = 60_000;
    private static final long DAY = 24 * 60 * MINUTE;

    /** Checks that {@code histogram} has at most sixteen buckets, in order, apart, holding {@code totalBytes}. */
    private static void assertWellFormed(DeadlineHistogram histogram, long totalBytes) {
        assertTrue(histogram.buckets() <= DeadlineHistogram.BUCKETS, "buckets: " + histogram.buckets());
        long sum = 0;
        for (int i = 0; i < histogram.buckets(); i++) {
            long[] bucket = histogram.bucket(i);
            assertTrue(bucket[0] <= bucket[1], "bucket " + i + " ends before it begins");
            assertTrue(i == 0 || histogram.bucket(i - 1)[1] < bucket[0], "bucket " + i + " overlaps the one before");
            sum += bucket[2];
        }
        assertEquals(totalBytes, sum, "no byte lost or counted twice");
    }

    /** {@return the bytes of {@code records} (deadline to bytes) whose deadline is at or before {@code now}} */
    private static long bytesDueBy(TreeMap<Long, Long> records, long now) {
        return records.headMap(now, true).values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void fewDeadlines_areCountedExactly_inDeadlineOrder() {
        DeadlineHistogram histogram = new DeadlineHistogram();
        histogram.add(300, 10);
        histogram.add(100, 5);
        histogram.add(200, 7);
        histogram.add(100, 1);
        assertEquals(3, histogram.buckets());
        assertArrayEquals(new long[] {100, 100, 6}, histogram.bucket(0));
        assertArrayEquals(new long[] {200, 200, 7}, histogram.bucket(1));
        assertArrayEquals(new long[] {300, 300, 10}, histogram.bucket(2));
        assertEquals(0, histogram.bytesExpired(deadline -> deadline <= 99));
        assertEquals(6, histogram.bytesExpired(deadline -> deadline <= 100));
        assertEquals(13, histogram.bytesExpired(deadline -> deadline <= 299));
        assertEquals(23, histogram.bytesExpired(deadline -> true));
    }

    /**
     * Random deadlines: whatever is merged, a record's bytes are never counted as expired before its deadline, no
     * byte is lost, and there are never more than sixteen buckets.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomDeadlines_neverCountARecordExpiredEarly(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DeadlineHistogram histogram = new DeadlineHistogram();
        TreeMap<Long, Long> records = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < 5_000; i++) {
            long deadline = random.nextBoolean() ? random.nextLong(1_000) : random.nextLong(1_000_000);
            long bytes = 1 + random.nextInt(2_000);
            histogram.add(deadline, bytes);
            records.merge(deadline, bytes, Long::sum);
            total += bytes;
            if (i % 97 == 0) {
                assertWellFormed(histogram, total);
                long now = random.nextLong(1_000_001);
                long counted = histogram.bytesExpired(deadline1 -> deadline1 <= now);
                assertTrue(counted <= bytesDueBy(records, now), "at " + now + ": " + counted + " counted");
            }
        }
        assertWellFormed(histogram, total);
        assertEquals(total, histogram.bytesExpired(deadline -> true));
    }

    /**
     * A time to live of a minute for some keys and a day for the others, in one segment: the minute's records are all
     * counted once their last deadline passes, however many came.
     */
    @Test
    void deadlinesFarApart_neverShareABucket() {
        DeadlineHistogram histogram = new DeadlineHistogram();
        long start = 1_700_000_000_000L;
        long shortBytes = 0;
        for (int i = 0; i < 10_000; i++) {
            long written = start + i * 6;                // one a 6 ms, a minute in all
            boolean minute = i % 3 != 0;
            histogram.add(written + (minute ? MINUTE : DAY), 100);
            shortBytes += minute ? 100 : 0;
        }
        assertWellFormed(histogram, 10_000 * 100L);
        long lastShort = start + 9_999 * 6 + MINUTE;
        assertEquals(shortBytes, histogram.bytesExpired(deadline -> deadline <= lastShort));
        assertEquals(shortBytes, histogram.bytesExpired(deadline -> deadline <= start + DAY - 1));
    }

    /**
     * One time to live, deadlines in write order: the buckets cut the run into spans of about equal length, so a
     * record is counted at most an eighth of the run after its deadline.
     */
    @Test
    void deadlinesInOrder_areCountedLateByAnEighthOfTheirRunAtMost() {
        DeadlineHistogram histogram = new DeadlineHistogram();
        TreeMap<Long, Long> records = new TreeMap<>();
        int run = 100_000;
        for (long deadline = 0; deadline < run; deadline++) {
            histogram.add(deadline, 10);
            records.put(deadline, 10L);
        }
        assertWellFormed(histogram, run * 10L);
        assertEquals(DeadlineHistogram.BUCKETS, histogram.buckets());
        for (long now = 0; now < run; now += 101) {
            long at = now;
            long counted = histogram.bytesExpired(deadline -> deadline <= at);
            assertTrue(counted <= bytesDueBy(records, now), "never early, at " + now);
            assertTrue(counted >= bytesDueBy(records, now - run / 8), "at " + now + ": " + counted + " counted");
        }
    }

    /**
     * Deadlines at both ends of a long and either side of zero, five close together in each place: the time between
     * the two ends (more than a long holds, signed) is no reason to merge them.
     */
    @Test
    void theWholeRangeOfDeadlines_isKeptInOrder() {
        DeadlineHistogram histogram = new DeadlineHistogram();
        long[] places = {Long.MAX_VALUE - 4, Long.MIN_VALUE, -1_000_000, 1_000_000};
        for (int i = 0; i < 5; i++) {
            for (long place : places) {
                histogram.add(place + i, 1);
            }
        }
        assertWellFormed(histogram, 20);
        assertEquals(10, histogram.bytesExpired(deadline -> deadline < 0), "the negative places, exactly");
        assertEquals(15, histogram.bytesExpired(deadline -> deadline < Long.MAX_VALUE - 4));
        assertEquals(20, histogram.bytesExpired(deadline -> true));
    }

    @Test
    void restoredBuckets_comeBackAsTheyWere_andOnlyInOrder() {
        DeadlineHistogram written = new DeadlineHistogram();
        assertEquals(Long.MIN_VALUE, written.latest(), "no record: no deadline");
        for (long deadline = 0; deadline < 1000; deadline += 7) {
            written.add(deadline, deadline % 5);
        }
        DeadlineHistogram restored = new DeadlineHistogram();
        for (int i = 0; i < written.buckets(); i++) {
            long[] bucket = written.bucket(i);
            restored.restore(bucket[0], bucket[1], bucket[2]);
        }
        assertEquals(written.buckets(), restored.buckets());
        for (int i = 0; i < written.buckets(); i++) {
            assertArrayEquals(written.bucket(i), restored.bucket(i));
        }
        assertEquals(994, restored.latest());
        IllegalArgumentException overlapping = assertThrows(IllegalArgumentException.class,
                () -> restored.restore(990, 2000, 1));
        assertTrue(overlapping.getMessage().contains("deadlines 990 to 2000"), overlapping.getMessage());
        assertThrows(IllegalArgumentException.class, () -> restored.restore(5000, 6000, 1), "a seventeenth bucket");
    }

    @Test
    void negativeBytes_orABucketEndingBeforeItBegins_areRefused() {
        DeadlineHistogram histogram = new DeadlineHistogram();
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> histogram.add(5, -3));
        assertTrue(negative.getMessage().contains("recordBytes -3"), negative.getMessage());
        IllegalArgumentException backwards = assertThrows(IllegalArgumentException.class,
                () -> histogram.restore(9, 8, 1));
        assertTrue(backwards.getMessage().contains("deadlines 9 to 8"), backwards.getMessage());
        assertEquals(0, histogram.buckets());
    }
}
