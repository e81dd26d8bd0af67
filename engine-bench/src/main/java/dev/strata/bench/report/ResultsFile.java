package dev.strata.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads JMH's JSON result format ({@code ResultFormatType.JSON}): an array of objects with {@code benchmark},
 * {@code mode}, {@code threads}, {@code params} and {@code primaryMetric.score/scoreError/scoreUnit}, plus run settings
 * (JDK, forks, iterations) that the report repeats.
 *
 * <p>Stateless and thread-safe.
 */
final class ResultsFile {

    /**
     * The run settings found in the first result.
     *
     * @param jdkVersion the benchmark JVM's version
     * @param vmName the benchmark JVM's name
     * @param forks forks per benchmark
     * @param warmup warm-up iterations and time, e.g. {@code 1 x 1 s}
     * @param measurement measurement iterations and time
     */
    record RunSettings(String jdkVersion, String vmName, int forks, String warmup, String measurement) {
    }

    private ResultsFile() {
    }

    /**
     * Parses a JMH JSON document.
     *
     * @param json the document
     * @return the results in file order
     * @throws IllegalArgumentException if the document is not JMH JSON
     */
    static List<BenchResult> parse(String json) {
        List<BenchResult> results = new ArrayList<>();
        for (Object item : array(json)) {
            results.add(result((Map<?, ?>) item));
        }
        return results;
    }

    /**
     * Reads one result object of JMH's JSON (as {@link Json#parse} returns it).
     *
     * @param entry the object
     * @return the result
     * @throws IllegalArgumentException if a required field is missing
     */
    static BenchResult result(Map<?, ?> entry) {
        Map<?, ?> metric = (Map<?, ?>) required(entry, "primaryMetric");
        Map<String, String> params = new TreeMap<>();
        if (entry.get("params") instanceof Map<?, ?> raw) {
            raw.forEach((name, value) -> params.put(String.valueOf(name), String.valueOf(value)));
        }
        return new BenchResult(
                (String) required(entry, "benchmark"),
                (String) required(entry, "mode"),
                (int) number(required(entry, "threads")),
                params,
                number(required(metric, "score")),
                number(metric.get("scoreError")),
                (String) required(metric, "scoreUnit"),
                allocBytesPerOp(entry));
    }

    /** {@return the GC profiler's bytes allocated per operation, or NaN when the entry has none} */
    private static double allocBytesPerOp(Map<?, ?> entry) {
        if (entry.get("secondaryMetrics") instanceof Map<?, ?> secondary
                && secondary.get("gc.alloc.rate.norm") instanceof Map<?, ?> norm && norm.get("score") != null) {
            return number(norm.get("score"));
        }
        return Double.NaN;
    }

    /**
     * Reads the run settings (from the first result).
     *
     * @param json the document
     * @return the settings; fields are {@code "?"} or 0 when absent
     */
    static RunSettings settings(String json) {
        List<?> array = array(json);
        if (array.isEmpty()) {
            return new RunSettings("?", "?", 0, "?", "?");
        }
        Map<?, ?> first = (Map<?, ?>) array.getFirst();
        return new RunSettings(
                text(first.get("jdkVersion")),
                text(first.get("vmName")),
                (int) number(first.get("forks")),
                iterations(first, "warmupIterations", "warmupTime"),
                iterations(first, "measurementIterations", "measurementTime"));
    }

    private static String text(Object value) {
        return value == null ? "?" : String.valueOf(value);
    }

    private static String iterations(Map<?, ?> entry, String count, String time) {
        return (int) number(entry.get(count)) + " x " + entry.get(time);
    }

    private static List<?> array(String json) {
        if (!(Json.parse(json) instanceof List<?> array)) {
            throw new IllegalArgumentException("JMH JSON: expected an array of results at the top level");
        }
        return array;
    }

    private static Object required(Map<?, ?> map, String key) {
        Object value = map.get(key);
        if (value == null) {
            throw new IllegalArgumentException("JMH JSON: a result has no '" + key + "' (keys: " + map.keySet() + ")");
        }
        return value;
    }

    private static double number(Object value) {
        if (value instanceof Double d) {
            return d;
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return value == null ? 0 : Double.NaN;
    }
}
