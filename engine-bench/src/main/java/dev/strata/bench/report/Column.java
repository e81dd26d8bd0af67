package dev.strata.bench.report;

import java.util.Map;
import java.util.Objects;

/**
 * One system in a comparison table: which benchmark class (and {@code tier} parameter) measures it, and which of its
 * methods measures each operation ({@code get}, {@code put}, {@code mix}).
 *
 * @param header the column header, e.g. {@code OHC}
 * @param kind Strata, a peer, or a raw limit (also the chart colour)
 * @param className the benchmark class's simple name
 * @param tierParam the required value of the {@code tier} parameter, or null for none
 * @param methods operation to benchmark method, e.g. {@code get -> copyOut}
 */
record Column(String header, Kind kind, String className, String tierParam, Map<String, String> methods) {

    /** What a column measures. */
    enum Kind {
        /** Strata itself. */
        STRATA,
        /** Another cache, on the same workload. */
        PEER,
        /** A raw limit: the same data with no cache around it. */
        RAW
    }

    /** The operations of the cache workload, each measured by the method of the same name. */
    static final Map<String, String> CACHE_OPERATIONS = Map.of("get", "get", "put", "put", "mix", "mix");

    Column {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(className, "className");
        methods = Map.copyOf(methods);
    }

    /**
     * {@return the configuration a header names in brackets, e.g. {@code ARENA} for {@code Strata off-heap (ARENA)};
     * the whole header when it has none}
     */
    String variant() {
        int open = header.lastIndexOf('(');
        return open >= 0 && header.endsWith(")") ? header.substring(open + 1, header.length() - 1) : header;
    }

    /**
     * {@return whether a result belongs to this column for the operation}
     *
     * @param result the result
     * @param operation {@code get}, {@code put} or {@code mix}
     */
    boolean matches(BenchResult result, String operation) {
        String method = methods.get(operation);
        return method != null
                && className.equals(result.className())
                && method.equals(result.method())
                && (tierParam == null || tierParam.equals(result.param("tier")));
    }
}
