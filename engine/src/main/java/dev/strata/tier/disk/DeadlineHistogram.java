package dev.strata.tier.disk;

import java.util.function.LongPredicate;

/**
 * The bytes of a segment's value records by deadline, in at most {@value #BUCKETS} buckets: what lets the expiry
 * sweeper find a segment most of whose records have expired without reading one, when its latest deadline (which
 * says when all have) is far off, as in a cache whose time to live is computed per entry.
 *
 * <p>Each bucket holds the bytes of some records and the earliest and latest of their deadlines; the buckets are kept
 * in deadline order and do not overlap. A record adds its bytes to the bucket whose deadlines span its own, or to a new
 * one; when that makes one too many, the two neighbouring buckets that together span the least time become one. So a
 * bucket never says its bytes have expired before all its records have: {@link #bytesExpired} is a lower bound on the
 * bytes of expired records, late by at most the span of the bucket that holds them. A fixed time to live gives each
 * segment a run of deadlines as long as the segment took to fill, cut into sixteen spans of about the same length;
 * deadlines far apart (a minute and a day) never share a bucket while closer ones are left to merge.
 *
 * <p>Not thread-safe: filled by the segment's one appender at a time (the store's writer lock, the compactor writing
 * its copies, or the thread scanning the segment at open), and read once the segment is sealed, which publishes it
 * (the sealing is a volatile write after the last record's, the reader's check of it a volatile read), or by the
 * appender itself.
 */
final class DeadlineHistogram {

    /** The most buckets a histogram keeps. */
    static final int BUCKETS = 16;

    /** Each bucket's earliest deadline, ascending; one spare slot for the bucket an insert adds before a merge. */
    private final long[] earliest = new long[BUCKETS + 1];
    /** Each bucket's latest deadline: at or after its earliest, before the next bucket's earliest. */
    private final long[] latest = new long[BUCKETS + 1];
    /** Each bucket's record bytes. */
    private final long[] bytes = new long[BUCKETS + 1];
    private int count;

    /**
     * Adds a record of {@code recordBytes} whose value expires at {@code deadline}.
     *
     * @throws IllegalArgumentException if {@code recordBytes} is negative
     */
    void add(long deadline, long recordBytes) {
        if (recordBytes < 0) {
            throw new IllegalArgumentException("deadline " + deadline + ", recordBytes " + recordBytes
                    + " (expected: recordBytes >= 0)");
        }
        int at = firstEndingAtOrAfter(deadline);
        if (at < count && earliest[at] <= deadline) {
            bytes[at] += recordBytes;                   // within the bucket's span
            return;
        }
        System.arraycopy(earliest, at, earliest, at + 1, count - at);
        System.arraycopy(latest, at, latest, at + 1, count - at);
        System.arraycopy(bytes, at, bytes, at + 1, count - at);
        earliest[at] = deadline;
        latest[at] = deadline;
        bytes[at] = recordBytes;
        if (++count > BUCKETS) {
            mergeNarrowestPair();
        }
    }

    /**
     * Restores a bucket as {@link #bucket} gave it: {@code recordBytes} of records whose deadlines lie from {@code
     * earliest} to {@code latest}, after every bucket restored so far.
     *
     * @throws IllegalArgumentException if {@code recordBytes} is negative, {@code latest} is before {@code earliest},
     *                                  the bucket does not begin after the last one ends, or there are
     *                                  {@value #BUCKETS} already
     */
    void restore(long earliest, long latest, long recordBytes) {
        if (recordBytes < 0 || latest < earliest || count > 0 && earliest <= this.latest[count - 1]
                || count == BUCKETS) {
            throw new IllegalArgumentException("deadlines " + earliest + " to " + latest + ", recordBytes "
                    + recordBytes + " after " + count + " buckets (expected: earliest <= latest, recordBytes >= 0, "
                    + "after the last bucket, at most " + BUCKETS + " buckets)");
        }
        this.earliest[count] = earliest;
        this.latest[count] = latest;
        bytes[count++] = recordBytes;
    }

    /**
     * {@return the bytes of the buckets whose latest deadline {@code expired} says has passed} {@code expired} must say
     * so of every deadline before one it says so of (as a clock's "now is at or past it" does): the buckets are tried
     * in deadline order, up to the first that has not expired.
     */
    long bytesExpired(LongPredicate expired) {
        long sum = 0;
        for (int i = 0; i < count && expired.test(latest[i]); i++) {
            sum += bytes[i];
        }
        return sum;
    }

    /** {@return the latest deadline of any record added: the last bucket's; {@link Long#MIN_VALUE} if none was} */
    long latest() {
        return count == 0 ? Long.MIN_VALUE : latest[count - 1];
    }

    /** {@return how many buckets there are} */
    int buckets() {
        return count;
    }

    /**
     * {@return bucket {@code i}, {@code i} below {@link #buckets()}, as its earliest deadline, latest deadline and
     * bytes}
     */
    long[] bucket(int i) {
        return new long[] {earliest[i], latest[i], bytes[i]};
    }

    /** {@return the first bucket whose latest deadline is {@code deadline} or later; {@link #count} if none} */
    private int firstEndingAtOrAfter(long deadline) {
        int at = count;
        while (at > 0 && latest[at - 1] >= deadline) {   // from the end: deadlines mostly arrive in order
            at--;
        }
        return at;
    }

    /** Makes the two neighbours that together span the least time one bucket. */
    private void mergeNarrowestPair() {
        int narrowest = 0;
        for (int i = 1; i < count - 1; i++) {
            if (Long.compareUnsigned(spanOfPair(i), spanOfPair(narrowest)) < 0) {
                narrowest = i;
            }
        }
        merge(narrowest);
    }

    /** {@return the time buckets {@code i} and {@code i + 1} span together, exact as an unsigned number} */
    private long spanOfPair(int i) {
        return latest[i + 1] - earliest[i];
    }

    /** Makes buckets {@code i} and {@code i + 1} one. */
    private void merge(int i) {
        latest[i] = latest[i + 1];
        bytes[i] += bytes[i + 1];
        int after = count - i - 2;
        System.arraycopy(earliest, i + 2, earliest, i + 1, after);
        System.arraycopy(latest, i + 2, latest, i + 1, after);
        System.arraycopy(bytes, i + 2, bytes, i + 1, after);
        count--;
    }
}
