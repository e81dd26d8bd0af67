package dev.strata.it.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The format of a scenario's result file: one {@code key=value} line per measured fact, in the order written.
 *
 * <p>Keys are dotted names without {@code =} or line breaks. Values may hold anything: a backslash is written as
 * {@code \\} and a line break as {@code \n}, so every fact stays on one line. A key written twice keeps its last
 * value. Stateless and thread-safe.
 */
public final class ResultFile {

    private ResultFile() {
    }

    /**
     * {@return one encoded line, with its trailing line break}
     *
     * @param key a dotted name, without {@code =}, line breaks or leading/trailing blanks
     * @param value the value, any text
     * @throws IllegalArgumentException if the key is unusable
     */
    public static String line(String key, String value) {
        if (key.isBlank() || key.contains("=") || key.contains("\n") || key.contains("\r") || !key.equals(key.strip())) {
            throw new IllegalArgumentException("key: '" + key + "' (expected: not blank, no '=', no line break)");
        }
        String escaped = value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
        return key + "=" + escaped + "\n";
    }

    /**
     * {@return the facts in {@code file}, in the order first written; empty if the file does not exist}
     *
     * @param file the result file
     * @throws IOException if the file exists but cannot be read
     * @throws IllegalArgumentException if a line has no {@code =}
     */
    public static Map<String, String> parse(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return values;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("result line: '" + line + "' in " + file + " (expected: key=value)");
            }
            values.put(line.substring(0, eq), unescape(line.substring(eq + 1)));
        }
        return values;
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(switch (next) {
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> next;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
