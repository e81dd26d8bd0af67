package dev.strata.bench.workload;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --name value} command lines of the measurement programs that are not JMH benchmarks. */
public final class Options {

    private Options() {
    }

    /**
     * {@return the options of {@code args}, by name (with its dashes), in order}
     *
     * @param args  the command line: {@code --name value} pairs
     * @param usage what the program accepts, for the message of a bad command line
     * @throws IllegalArgumentException if a name does not start with {@code --} or has no value
     */
    public static Map<String, String> parse(String[] args, String usage) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("argument: '" + args[i] + "' (expected: " + usage + ")");
            }
            options.put(args[i], args[i + 1]);
        }
        return options;
    }
}
