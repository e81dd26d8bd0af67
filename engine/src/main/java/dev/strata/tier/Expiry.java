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

    /** The one time to live of every value, in milliseconds; unused when {@link #timeToLiveOf} is set. */
    private final long timeToLiveMillis;
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
        this.timeToLiveMillis = millis(timeToLive);
        this.timeToLiveOf = null;
        this.clock = Objects.requireNonNull(clock, "clock");
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
        long now = clock.millis();
        long deadline = now + timeToLive;
        return new Expiring<>(value, deadline < now ? Long.MAX_VALUE : deadline);   // saturates: never in the past
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
        return "expireAfterWrite=" + (timeToLiveOf == null ? timeToLiveMillis + " ms" : "per entry");
    }
}
