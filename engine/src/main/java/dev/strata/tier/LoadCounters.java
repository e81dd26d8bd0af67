package dev.strata.tier;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What a cache's loaders did, for {@link dev.strata.cache.CacheStats}: values loaded, loader calls that failed, and
 * the time spent in loader calls; each call is also a JDK Flight Recorder event ({@link TierEvents.Load}). A load is
 * rare beside a get (it runs the user's code, often I/O), so plain {@link LongAdder}s serve, and an event object per
 * call.
 *
 * <p>Thread-safe.
 */
final class LoadCounters {

    /** The kind of a {@code computeIfAbsent} loader's call, in its event. */
    static final String COMPUTE_IF_ABSENT = "computeIfAbsent";
    /** The kind of a bulk {@code getAll} loader's call. */
    static final String GET_ALL = "getAll";
    /** The kind of a refresh's reloader call. */
    static final String REFRESH = "refreshAfterWrite";

    private final String cacheName;
    private final LongAdder values = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /** @param cacheName the cache's name, for the events */
    LoadCounters(String cacheName) {
        this.cacheName = cacheName;
    }

    /**
     * Runs one loader call of {@code kind} ({@link #COMPUTE_IF_ABSENT}, {@link #GET_ALL}, {@link #REFRESH}) and counts
     * its time, and a failure if it threw or returned null. {@return what it returned} The values it loaded are
     * counted by {@link #loaded}.
     */
    <R> R run(String kind, Supplier<R> call) {
        TierEvents.Load event = new TierEvents.Load();
        event.begin();
        long start = System.nanoTime();
        R result = null;
        try {
            result = call.get();
            return result;
        } finally {
            nanos.add(System.nanoTime() - start);
            if (result == null) {
                failures.increment();
            }
            if (event.shouldCommit()) {
                event.cache = cacheName;
                event.kind = kind;
                event.failed = result == null;
                event.commit();
            }
        }
    }

    /** Counts {@code count} values a loader returned. */
    void loaded(long count) {
        values.add(count);
    }

    /** {@return the values loaders returned} */
    long values() {
        return values.sum();
    }

    /** {@return the loader calls that threw or returned null} */
    long failures() {
        return failures.sum();
    }

    /** {@return the nanoseconds spent in loader calls} */
    long nanos() {
        return nanos.sum();
    }
}
