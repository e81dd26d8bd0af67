package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * A cache's time to live: every put stamps its value with a deadline, {@code clock.millis() + timeToLive}, and from
 * that millisecond on the value is expired: no read returns it, and whoever meets it (a read, a put-if-absent, an
 * eviction, a compaction) removes it instead of moving it. Deadlines are milliseconds of the cache's clock, wall-clock
 * time by default, so they keep their meaning in a persistent cache's files across restarts.
 *
 * <p>The time to live is one for the whole cache, or computed per entry from its key and value by the user's
 * function. A computed time to live of zero or less stamps a deadline before all time: the value is expired at once,
 * and the cache stores nothing for it ({@link TieredCache}).
 *
 * <p>A <b>time to idle</b> ({@link #afterAccess}) is a time to live that reads renew as well: a read that finds a value
 * whose deadline is due for renewal ({@link #renewedDeadline}) has the cache rewrite the deadline where the value lies
 * ({@link Tiers#renewDeadline}). Rewriting on every read would write to shared memory, off the heap under the key's
 * stripe monitor and on disk a whole record, for each hit; so a read renews only once at least
 * {@link #renewalAfterMillis} have passed since the deadline was last set: 1/16 of the time to idle. An entry thus
 * expires no sooner than 15/16 of the time to idle after its last read, never later than the time to idle after it,
 * and exactly the time to idle after its last put or renewing read. In {@code ExpiryBenchmark} (a time to idle of an
 * hour, Zipf keys) a step of one second instead, which renewed a key in each second it was read, made hits 9-46%
 * slower than a time to live; with 1/16, which renews no key within a run, 3-18%.
 *
 * <p>Immutable and thread-safe, if the clock and the function are.
 */
final class Expiry {

    /** A zero-copy read's answer, in place of the reader's result, when the value it found had expired. */
    static final Object EXPIRED = new Object();
    /**
     * The deadline of a value whose computed time to live was zero or less: before every clock reading, so expired
     * for every test, and told apart from a real deadline without reading the clock ({@link #expiredAtOnce}).
     */
    private static final long AT_ONCE = Long.MIN_VALUE;

    /** A time to idle is renewed in steps of this share of it. */
    static final int RENEWAL_STEPS = 16;

    /** The one time to live of every value, in milliseconds; unused when {@link #timeToLiveOf} is set. */
    private final long timeToLiveMillis;
    /** Whether reads renew the deadline (a time to idle). */
    private final boolean renewedByReads;
    /** How long after its deadline was set a read renews it; 0 when reads do not. */
    private final long renewalAfterMillis;
    /** Computes each value's time to live from its key and value, or null for one time to live. */
    private final BiFunction<Object, Object, Duration> timeToLiveOf;
    private final InstantSource clock;

    /**
     * One time to live for every value.
     *
     * @param timeToLive how long a value lives after its put, at least one millisecond
     * @param clock the time source of deadlines
     */
    Expiry(Duration timeToLive, InstantSource clock) {
        this(timeToLive, clock, false);
    }

    private Expiry(Duration timeToLive, InstantSource clock, boolean renewedByReads) {
        this.timeToLiveMillis = millis(timeToLive);
        this.timeToLiveOf = null;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.renewedByReads = renewedByReads;
        this.renewalAfterMillis = renewedByReads
                ? Math.max(1, timeToLiveMillis / RENEWAL_STEPS) : 0;
    }

    /**
     * A time to idle: a value expires {@code timeToIdle} after the put that wrote it or the last read that renewed it.
     *
     * @param timeToIdle how long a value lives unread, at least one millisecond
     * @param clock the time source of deadlines
     * @return the expiry
     */
    static Expiry afterAccess(Duration timeToIdle, InstantSource clock) {
        return new Expiry(timeToIdle, clock, true);
    }

    /**
     * A time to live computed per value.
     *
     * @param timeToLiveOf computes a value's time to live from its key and value
     * @param clock the time source of deadlines
     */
    @SuppressWarnings("unchecked")
    Expiry(BiFunction<?, ?, Duration> timeToLiveOf, InstantSource clock) {
        this.timeToLiveMillis = 0;
        this.timeToLiveOf = (BiFunction<Object, Object, Duration>) Objects.requireNonNull(timeToLiveOf, "timeToLiveOf");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.renewedByReads = false;
        this.renewalAfterMillis = 0;
    }

    /**
     * {@return {@code timeToLive} in whole milliseconds, rounded up (a positive time to live is at least 1 ms), 0 for
     * zero or less, {@link Long#MAX_VALUE} for one longer than a long can count}
     */
    private static long millis(Duration timeToLive) {
        if (timeToLive.isNegative() || timeToLive.isZero()) {
            return 0;
        }
        try {
            long millis = timeToLive.toMillis();
            return timeToLive.toNanosPart() % 1_000_000 == 0 ? millis : millis + 1;
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * {@return {@code value} of {@code key} stamped with the deadline of a put now} A value whose computed time to
     * live is zero or less is expired at once ({@link #expiredAtOnce}).
     *
     * @throws NullPointerException if the time-to-live function returned null
     */
    <V> Expiring<V> stamp(Object key, V value) {
        long timeToLive = timeToLiveOf == null ? timeToLiveMillis : millis(computed(key, value));
        if (timeToLive == 0) {
            return new Expiring<>(value, AT_ONCE);
        }
        return new Expiring<>(value, deadlineFrom(clock.millis(), timeToLive));
    }

    /** {@return {@code now + timeToLive}, saturated: never in the past} */
    private static long deadlineFrom(long now, long timeToLive) {
        long deadline = now + timeToLive;
        return deadline < now ? Long.MAX_VALUE : deadline;
    }

    /** {@return whether reads renew deadlines: a time to idle} */
    boolean renewedByReads() {
        return renewedByReads;
    }

    /**
     * {@return the deadline a read now gives a value of a time-to-idle cache whose deadline is {@code expiresAt}, or
     * {@code expiresAt} itself if it is not due for renewal} Due once {@link #renewalAfterMillis} have passed since it
     * was set; never due for a time to live.
     */
    long renewedDeadline(long expiresAt) {
        if (!renewedByReads) {
            return expiresAt;
        }
        long renewed = deadlineFrom(clock.millis(), timeToLiveMillis);
        return renewed - expiresAt >= renewalAfterMillis ? renewed : expiresAt;
    }

    /**
     * {@return whether a value with deadline {@code expiresAt} was written at least {@code intervalMillis} ago} Its
     * write time is the deadline less the time to live, so this holds for one time to live shared by every value, not
     * a computed one nor a time to idle (whose deadlines reads move).
     */
    boolean due(long expiresAt, long intervalMillis) {
        return clock.millis() - (expiresAt - timeToLiveMillis) >= intervalMillis;
    }

    /** {@return how long after a deadline was set a read renews it, in milliseconds; 0 for a time to live} */
    long renewalAfterMillis() {
        return renewalAfterMillis;
    }

    private Duration computed(Object key, Object value) {
        Duration timeToLive = timeToLiveOf.apply(key, value);
        if (timeToLive == null) {
            throw new NullPointerException("expireAfterWrite: the time to live of key " + key
                    + " is null (expected: a duration; zero or less expires the entry at once)");
        }
        return timeToLive;
    }

    /**
     * {@return whether {@code stamped}, a value {@link #stamp} just stamped, was expired at once (its computed time to
     * live was zero or less)} Reads no clock.
     */
    static boolean expiredAtOnce(Object stamped) {
        return stamped instanceof Expiring<?> value && value.expiresAt() == AT_ONCE;
    }

    /** {@return whether a value with deadline {@code expiresAt} has expired} */
    boolean expired(long expiresAt) {
        return clock.millis() >= expiresAt;
    }

    /**
     * {@return whether {@code found} is an expired value} {@code found} is what a lookup found: an {@link Expiring}
     * value, {@link #EXPIRED}, or a zero-copy reader's result (never expired: the read checked before it called the
     * reader).
     */
    boolean expired(Object found) {
        return found == EXPIRED || found instanceof Expiring<?> value && expired(value.expiresAt());
    }

    /** {@return whether the value encoded at {@code offset} of {@code encoded} ({@link ExpiringCodec}) has expired} */
    boolean expired(MemorySegment encoded, long offset) {
        return expired(ExpiringCodec.deadline(encoded, offset));
    }

    @Override
    public String toString() {
        return (renewedByReads ? "expireAfterAccess=" : "expireAfterWrite=")
                + (timeToLiveOf == null ? timeToLiveMillis + " ms" : "per entry");
    }
}
