package dev.strata.it.harness;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a finished child JVM left behind.
 *
 * @param command the full command line it ran with
 * @param exitCode its exit code (a scenario exits 0 only if all its checks held)
 * @param stdout everything it wrote to standard output
 * @param stderr everything it wrote to standard error
 * @param values the {@code key=value} facts from its result file, in the order written
 */
public record ChildResult(List<String> command, int exitCode, String stdout, String stderr, Map<String, String> values) {

    private static final int MAX_OUTPUT_SHOWN = 6000;

    /** Copies the command and the facts (keeping their order) so the record is immutable. */
    public ChildResult {
        command = List.copyOf(command);
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * {@return the value of a fact}
     *
     * @param key the fact's key
     * @throws AssertionError naming the key and describing the run, if the child did not write it
     */
    public String value(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new AssertionError("child wrote no '" + key + "'\n" + describe());
        }
        return value;
    }

    /**
     * {@return the value of a numeric fact}
     *
     * @param key the fact's key
     * @throws AssertionError if the child did not write it or it is not a {@code long}
     */
    public long longValue(String key) {
        String value = value(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new AssertionError("'" + key + "' is " + value + ", not a number\n" + describe(), e);
        }
    }

    /** {@return the command, exit code, facts and output, for assertion messages} */
    public String describe() {
        return describe(command, exitCode, stdout, stderr, values);
    }

    static String describe(List<String> command, int exitCode, String stdout, String stderr, Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        text.append("command: ").append(String.join(" ", command)).append('\n');
        text.append("exit code: ").append(exitCode).append('\n');
        text.append("results:\n");
        values.forEach((k, v) -> text.append("  ").append(k).append(" = ").append(v).append('\n'));
        text.append("stdout:\n").append(tail(stdout)).append('\n');
        text.append("stderr:\n").append(tail(stderr)).append('\n');
        return text.toString();
    }

    private static String tail(String output) {
        return output.length() <= MAX_OUTPUT_SHOWN ? output
                : "[... " + (output.length() - MAX_OUTPUT_SHOWN) + " chars cut ...]\n"
                        + output.substring(output.length() - MAX_OUTPUT_SHOWN);
    }
}
