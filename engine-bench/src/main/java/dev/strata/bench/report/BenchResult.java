package dev.strata.bench.report;

import java.util.Map;
import java.util.Objects;

/**
 * One JMH result (one benchmark method with one set of parameters and one thread count), as read from JMH's JSON.
 *
 * @param benchmark the fully qualified method, e.g. {@code dev.strata.bench.peer.OhcBenchmark.get}
 * @param mode JMH's mode label ({@code thrpt}, {@code avgt}, ...)
 * @param threads the number of benchmark threads
 * @param params the {@code @Param} values, sorted by name
 * @param score the primary metric's score
 * @param scoreError the primary metric's 99.9% error half-width, or NaN when JMH had too few samples
 * @param unit the score's unit, e.g. {@code ops/us}
 * @param allocBytesPerOp bytes allocated per operation ({@code gc.alloc.rate.norm} of JMH's GC profiler), or NaN when
 *     the run had no GC profiler
 */
record BenchResult(String benchmark, String mode, int threads, Map<String, String> params, double score,
        double scoreError, String unit, double allocBytesPerOp) {

    BenchResult {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(mode, "mode");
        params = Map.copyOf(params);
        Objects.requireNonNull(unit, "unit");
    }

    /** {@return the benchmark class's simple name, with its outer classes, e.g. {@code PageAllocBenchmark.OneThread}} */
    String className() {
        String[] parts = benchmark.split("\\.");
        int first = firstClassSegment(parts);
        return String.join(".", java.util.Arrays.copyOfRange(parts, first, parts.length - 1));
    }

    /** {@return the package, e.g. {@code dev.strata.bench.peer}} */
    String packageName() {
        String[] parts = benchmark.split("\\.");
        return String.join(".", java.util.Arrays.copyOfRange(parts, 0, firstClassSegment(parts)));
    }

    /** The first segment naming a class (by Java convention, capitalised); the method's class if none is. */
    private static int firstClassSegment(String[] parts) {
        for (int i = 0; i < parts.length - 1; i++) {
            if (!parts[i].isEmpty() && Character.isUpperCase(parts[i].charAt(0))) {
                return i;
            }
        }
        return Math.max(0, parts.length - 2);
    }

    /** {@return the method name, e.g. {@code get}} */
    String method() {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /**
     * {@return the parameter's value, or null when the benchmark has no such parameter}
     *
     * @param name the parameter
     */
    String param(String name) {
        return params.get(name);
    }

    /** {@return the score in operations per second, or NaN if the unit is not a throughput unit} */
    double opsPerSecond() {
        return switch (unit) {
            case "ops/s" -> score;
            case "ops/ms" -> score * 1e3;
            case "ops/us" -> score * 1e6;
            case "ops/ns" -> score * 1e9;
            case "ops/min" -> score / 60.0;
            default -> Double.NaN;
        };
    }
}
