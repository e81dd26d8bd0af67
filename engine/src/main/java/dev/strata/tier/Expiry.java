package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * A cache's time to live: every put stamps its value with a deadline, {@code clock.millis() + timeToLive}, and from
 * that millisecond on the value is expired: no read returns it, and whoever meets it (a read, a put-if-absent, an
 * eviction, a compaction) removes it instead of moving it. Deadlines are milliseconds of the cache's clock, wall-clock
 * time by default, so they keep their meaning in a persistent cache's files across restarts.
 *
 * <p>Immutable and thread-safe, if the clock is.
 */
final class Expiry {

    /** A zero-copy read's answer, in place of the reader's result, when the value it found had expired. */
    static final Object EXPIRED = new Object();

    private final long timeToLiveMillis;
    private final InstantSource clock;

    /**
     * @param timeToLive how long a value lives after its put, at least one millisecond
     * @param clock the time source of deadlines
     */
    Expiry(Duration timeToLive, InstantSource clock) {
        this.timeToLiveMillis = millis(timeToLive);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** {@return {@code timeToLive} in milliseconds, {@link Long#MAX_VALUE} for one longer than a long can count} */
    private static long millis(Duration timeToLive) {
        try {
            return timeToLive.toMillis();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** {@return {@code value} stamped with the deadline of a put now} */
    <V> Expiring<V> stamp(V value) {
        long now = clock.millis();
        long deadline = now + timeToLiveMillis;
        return new Expiring<>(value, deadline < now ? Long.MAX_VALUE : deadline);   // saturates: never in the past
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

    /** {@return the time to live, in milliseconds} */
    long timeToLiveMillis() {
        return timeToLiveMillis;
    }
}
