package dev.strata.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The allocator table: results of {@code dev.strata.bench.memory} grouped so that runs differing only in <em>which</em>
 * allocator ran (a method name or parameter value naming netty, Strata, chronicle-bytes, a direct buffer, ...) share a
 * row, with the speed of each Strata variant relative to each netty variant computed in the same run (throughput ratio, or time
 * ratio inverted for average-time modes).
 *
 * <p>Stateless and thread-safe.
 */
final class AllocatorComparison {

    /** Words that name an allocator, in the order they are tried. */
    private static final List<String> SUBJECTS = List.of("strata", "netty", "chronicle", "allocatedirect", "direct",
            "arena", "heap");

    private AllocatorComparison() {
    }

    static void render(StringBuilder out, List<BenchResult> results) {
        Map<String, List<BenchResult>> byClass = new LinkedHashMap<>();
        for (BenchResult result : results) {
            byClass.computeIfAbsent(result.className(), name -> new ArrayList<>()).add(result);
        }
        byClass.forEach((className, classResults) -> {
            out.append("### ").append(className).append("\n\n");
            table(out, classResults);
        });
    }

    private static void table(StringBuilder out, List<BenchResult> results) {
        Map<String, Map<String, BenchResult>> rows = new LinkedHashMap<>();
        List<String> subjects = new ArrayList<>();
        for (BenchResult result : results) {
            Grouping grouping = group(result);
            rows.computeIfAbsent(grouping.key(), key -> new LinkedHashMap<>()).put(grouping.subject(), result);
            if (!subjects.contains(grouping.subject())) {
                subjects.add(grouping.subject());
            }
        }
        List<String> stratas = subjects.stream().filter(s -> lower(s).contains("strata")).toList();
        List<String> nettys = subjects.stream().filter(s -> lower(s).contains("netty")).toList();
        out.append("| benchmark |");
        subjects.forEach(subject -> out.append(' ').append(subject).append(" |"));
        for (String strata : stratas) {
            for (String netty : nettys) {
                out.append(' ').append(strata).append(" vs ").append(netty).append(" |");
            }
        }
        out.append("\n|---|");
        subjects.forEach(subject -> out.append("---:|"));
        out.append("---:|".repeat(stratas.size() * nettys.size()));
        out.append('\n');
        for (Map.Entry<String, Map<String, BenchResult>> row : rows.entrySet()) {
            out.append("| ").append(row.getKey()).append(" |");
            for (String subject : subjects) {
                BenchResult result = row.getValue().get(subject);
                out.append(' ').append(result == null ? "—"
                        : MarkdownReport.scoreWithError(result) + " " + result.unit()).append(" |");
            }
            for (String strata : stratas) {
                for (String netty : nettys) {
                    out.append(' ').append(speedUp(row.getValue().get(strata), row.getValue().get(netty)))
                            .append(" |");
                }
            }
            out.append('\n');
        }
        out.append('\n');
    }

    /** Strata's speed relative to the other: throughput ratio, or inverted time ratio for time modes. */
    private static String speedUp(BenchResult strata, BenchResult other) {
        if (strata == null || other == null || !strata.unit().equals(other.unit())) {
            return "—";
        }
        return strata.mode().equals("thrpt")
                ? Format.ratio(strata.score(), other.score())
                : Format.ratio(other.score(), strata.score());
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /** Which allocator a result measured, and the key of everything else about it. */
    record Grouping(String subject, String key) {
    }

    static Grouping group(BenchResult result) {
        for (String word : SUBJECTS) {
            if (result.method().toLowerCase(Locale.ROOT).contains(word)) {
                return new Grouping(result.method(), describe(result, "*", null));
            }
            for (Map.Entry<String, String> param : result.params().entrySet()) {
                if (param.getValue().toLowerCase(Locale.ROOT).contains(word)) {
                    return new Grouping(param.getValue(), describe(result, result.method(), param.getKey()));
                }
            }
        }
        return new Grouping(result.className(), describe(result, result.method(), null));
    }

    private static String describe(BenchResult result, String method, String hiddenParam) {
        Map<String, String> params = new TreeMap<>(result.params());
        if (hiddenParam != null) {
            params.remove(hiddenParam);
        }
        return result.className() + "." + method + (params.isEmpty() ? "" : " " + params)
                + (result.threads() > 1 ? " (" + result.threads() + " threads)" : "");
    }
}
