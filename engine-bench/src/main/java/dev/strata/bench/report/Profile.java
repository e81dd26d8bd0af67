package dev.strata.bench.report;

import java.util.List;
import java.util.Map;

/**
 * What a runner profile runs, and how long: {@link #QUICK} is a smoke (a few minutes: one fork, short iterations, one
 * value size and key distribution, one thread); {@link #FULL} is the publishable run (every parameter, 1 and 2
 * threads, proper warm-up).
 *
 * @param includes benchmark regular expressions (JMH include syntax)
 * @param forks forks per benchmark
 * @param warmupIterations warm-up iterations
 * @param warmupSeconds seconds per warm-up iteration
 * @param measurementIterations measured iterations
 * @param measurementSeconds seconds per measured iteration
 * @param threadCounts thread counts for the cache workloads: a count of 1 is the pass that runs everything with the
 *     benchmarks' own {@code @Threads}; each larger count is one more pass over {@link #MULTI_THREAD_SET} only
 * @param params parameter overrides (applied to every benchmark that has the parameter)
 */
record Profile(List<String> includes, int forks, int warmupIterations, int warmupSeconds, int measurementIterations,
        int measurementSeconds, List<Integer> threadCounts, Map<String, List<String>> params) {

    /** Every package of benchmarks in the jar. */
    static final String ALL = "dev\\.strata\\.bench\\.(tier|peer|raw|memory|codec|exec|disk|listener|conditional|walk)\\..*";

    /** The tier ladder, peers, raw limits and the allocator (what the report's tables need). */
    static final String REPORT_SET = "dev\\.strata\\.bench\\.(tier|peer|raw|memory)\\..*";

    /** The workloads run again at more than one thread (the others choose their threads with {@code @Threads}). */
    static final String MULTI_THREAD_SET = "dev\\.strata\\.bench\\.(tier|peer|raw)\\..*";

    /**
     * The expiry settings the quick and standard profiles run {@code ExpiryBenchmark} with: all but the refresh, whose
     * hits differ from a time to live's by one clock read (measured by name, or in the full profile).
     */
    private static final List<String> REPORT_EXPIRIES = List.of("NONE", "FIXED", "PER_ENTRY", "IDLE");

    /** A smoke: one fork, 1 × 1 s warm-up, 2 × 1 s measured, 1 KiB values, Zipfian keys, 64 KiB pages, 1 thread. */
    static final Profile QUICK = new Profile(List.of(REPORT_SET), 1, 1, 1, 2, 1, List.of(1),
            Map.of("valueSize", List.of("1024"), "keys", List.of("ZIPF"), "pageSize", List.of("65536"),
                    "expiry", REPORT_EXPIRIES));

    /**
     * The report in about half an hour: every value size, Zipfian keys, 64 KiB pages, 1 and 2 threads, 2 × 1 s warm-up,
     * 3 × 1 s measured; the tier ladder, peers, raw limits and the allocator (what the README's tables need).
     */
    static final Profile STANDARD = new Profile(List.of(REPORT_SET), 1, 2, 1, 3, 1, List.of(1, 2),
            Map.of("keys", List.of("ZIPF"), "pageSize", List.of("65536"), "expiry", REPORT_EXPIRIES));

    /** The publishable run: all parameters, 1 and 2 threads, 4 × 1 s warm-up, 5 × 1 s measured. */
    static final Profile FULL = new Profile(List.of(ALL), 1, 4, 1, 5, 1, List.of(1, 2), Map.of());

    Profile {
        includes = List.copyOf(includes);
        threadCounts = List.copyOf(threadCounts);
        params = Map.copyOf(params);
    }

    /**
     * {@return the profile of that name}
     *
     * @param name {@code quick}, {@code standard} or {@code full}
     * @throws IllegalArgumentException for any other name
     */
    static Profile named(String name) {
        return switch (name) {
            case "quick" -> QUICK;
            case "standard" -> STANDARD;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("profile: '" + name
                    + "' (expected: quick, standard or full)");
        };
    }

    /** {@return this profile with other includes} @param regexes the includes */
    Profile withIncludes(List<String> regexes) {
        return new Profile(regexes, forks, warmupIterations, warmupSeconds, measurementIterations,
                measurementSeconds, threadCounts, params);
    }

    /** {@return this profile with other thread counts} @param counts the thread counts */
    Profile withThreads(List<Integer> counts) {
        return new Profile(includes, forks, warmupIterations, warmupSeconds, measurementIterations,
                measurementSeconds, counts, params);
    }

    /** {@return this profile with another fork count} @param count forks per benchmark */
    Profile withForks(int count) {
        return new Profile(includes, count, warmupIterations, warmupSeconds, measurementIterations,
                measurementSeconds, threadCounts, params);
    }
}
