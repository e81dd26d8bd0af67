package dev.strata.tier;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What a cache's loaders did, for {@link dev.strata.cache.CacheStats}: values loaded, loader calls that failed, and
 * the time spent in loader calls. A load is rare beside a get (it runs the user's code, often I/O), so plain
 * {@link LongAdder}s serve.
 *
 * <p>Thread-safe.
 */
final class LoadCounters {

    private final LongAdder values = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /**
     * Runs one loader call and counts its time, and a failure if it threw or returned null. {@return what it returned}
     * The values it loaded are counted by {@link #loaded}.
     */
    <R> R run(Supplier<R> call) {
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
