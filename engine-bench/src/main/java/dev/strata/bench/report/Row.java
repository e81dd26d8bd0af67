package dev.strata.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import java.util.TreeSet;

/**
 * One workload point of a comparison table: value size, key distribution and thread count.
 *
 * @param valueSize the value size in bytes
 * @param keys the key distribution ({@code UNIFORM}, {@code ZIPF})
 * @param threads the number of benchmark threads
 */
record Row(int valueSize, String keys, int threads) {

    /** The keys column of a row measured only by benchmarks without a key distribution (sequential writes). */
    static final String ANY_KEYS = "—";

    private static final Comparator<Row> ORDER = Comparator.comparingInt(Row::valueSize)
            .thenComparing(Row::keys).thenComparingInt(Row::threads);

    /**
     * {@return whether the result was measured at this point; a result without a {@code keys} parameter (a sequential
     * write) matches every distribution, and a row of {@link #ANY_KEYS} matches only such results}
     *
     * @param result the result
     */
    boolean matches(BenchResult result) {
        String resultKeys = result.param("keys");
        return result.threads() == threads
                && String.valueOf(valueSize).equals(result.param("valueSize"))
                && (resultKeys == null ? true : resultKeys.equals(keys));
    }

    /**
     * {@return the distinct rows the columns were measured at, in value-size, distribution, thread order}
     *
     * @param results all results
     * @param columns the table's columns
     * @param operation the operation
     */
    static List<Row> of(List<BenchResult> results, List<Column> columns, String operation) {
        TreeSet<Row> rows = new TreeSet<>(ORDER);
        List<Row> keyless = new ArrayList<>();
        for (BenchResult result : results) {
            if (result.param("valueSize") == null
                    || columns.stream().noneMatch(column -> column.matches(result, operation))) {
                continue;
            }
            int valueSize = Integer.parseInt(result.param("valueSize"));
            if (result.param("keys") == null) {
                keyless.add(new Row(valueSize, ANY_KEYS, result.threads()));
            } else {
                rows.add(new Row(valueSize, result.param("keys"), result.threads()));
            }
        }
        for (Row row : keyless) {
            if (rows.stream().noneMatch(r -> r.valueSize == row.valueSize && r.threads == row.threads)) {
                rows.add(row);
            }
        }
        return List.copyOf(rows);
    }

    /**
     * {@return the result of a column at this row, or null}
     *
     * @param results all results
     * @param column the column
     * @param operation the operation
     */
    BenchResult find(List<BenchResult> results, Column column, String operation) {
        for (BenchResult result : results) {
            if (column.matches(result, operation) && matches(result)) {
                return result;
            }
        }
        return null;
    }

    /** {@return the value size for people: {@code 100 B}, {@code 1 KiB}, {@code 16 KiB}} */
    String valueLabel() {
        return Format.bytes(valueSize);
    }

}
