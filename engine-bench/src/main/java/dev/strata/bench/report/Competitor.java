package dev.strata.bench.report;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One benchmark a goal round runs: a report column (which system) and an operation, bound to the benchmark class that
 * measures it, so that the round can ask JMH for exactly that method and tier.
 *
 * @param column the system, as the report's {@link Catalog} names it
 * @param operation {@code get} or {@code put}
 * @param benchmarkClass the JMH benchmark class; its simple name is the column's class name
 */
record Competitor(Column column, String operation, Class<?> benchmarkClass) {

    Competitor {
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(benchmarkClass, "benchmarkClass");
        if (column.methods().get(operation) == null) {
            throw new IllegalArgumentException("competitor: column '" + column.header() + "' has no method for '"
                    + operation + "'");
        }
        if (!benchmarkClass.getSimpleName().equals(column.className())) {
            throw new IllegalArgumentException("competitor: class " + benchmarkClass.getName()
                    + " does not measure column '" + column.header() + "' (" + column.className() + ")");
        }
    }

    /** {@return the fully qualified benchmark method, e.g. {@code dev.strata.bench.peer.OhcBenchmark.get}} */
    String benchmark() {
        return benchmarkClass.getName() + "." + column.methods().get(operation);
    }

    /** {@return a JMH include that selects this benchmark method and no other} */
    String include() {
        return "^" + Pattern.quote(benchmark()) + "$";
    }

    /** {@return the JMH parameters that select this system beyond the case's: the Strata tier, if any} */
    Map<String, String> params() {
        return column.tierParam() == null ? Map.of() : Map.of("tier", column.tierParam());
    }

    /** {@return a short label for progress and plans, e.g. {@code OHC get}} */
    String label() {
        return column.header() + " " + operation;
    }

    /**
     * {@return whether a result is this competitor's}
     *
     * @param result the result
     */
    boolean matches(BenchResult result) {
        return column.matches(result, operation);
    }
}
