package dev.strata.bench.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
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

    /**
     * Writes a measurement's Markdown table to {@code <date>-<name>.md} in the directory {@code --out} names, else in
     * {@code engine-bench/results} (from the project's root) or {@code results} (from the module's).
     *
     * @param options the parsed command line
     * @param name the table's name in the file name
     * @param table the Markdown
     * @return the file written
     * @throws IOException if the directory or the file cannot be written
     */
    public static Path writeResult(Map<String, String> options, String name, CharSequence table) throws IOException {
        Path directory = Path.of(options.getOrDefault("--out",
                Files.isDirectory(Path.of("engine-bench")) ? "engine-bench/results" : "results"));
        Files.createDirectories(directory);
        Path file = directory.resolve(LocalDate.now() + "-" + name + ".md");
        Files.writeString(file, table, StandardCharsets.UTF_8);
        return file;
    }
}
