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
 * row, with Strata's speed relative to netty's pooled allocator computed in the same run (throughput ratio, or time
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
        Map<String, Map<String, BenchResult>> rows = new LinkedHashMap<>();
        List<String> subjects = new ArrayList<>();
        for (BenchResult result : results) {
            Grouping grouping = group(result);
            rows.computeIfAbsent(grouping.key(), key -> new LinkedHashMap<>()).put(grouping.subject(), result);
            if (!subjects.contains(grouping.subject())) {
                subjects.add(grouping.subject());
            }
        }
        out.append("| benchmark |");
        subjects.forEach(subject -> out.append(' ').append(subject).append(" |"));
        out.append(" Strata vs netty |\n|---|");
        subjects.forEach(subject -> out.append("---:|"));
        out.append("---:|\n");
        for (Map.Entry<String, Map<String, BenchResult>> row : rows.entrySet()) {
            out.append("| ").append(row.getKey()).append(" |");
            for (String subject : subjects) {
                BenchResult result = row.getValue().get(subject);
                out.append(' ').append(result == null ? "—"
                        : MarkdownReport.scoreWithError(result) + " " + result.unit()).append(" |");
            }
            out.append(' ').append(strataVsNetty(row.getValue())).append(" |\n");
        }
        out.append('\n');
    }

    private static String strataVsNetty(Map<String, BenchResult> row) {
        BenchResult strata = firstContaining(row, "strata");
        BenchResult netty = firstContaining(row, "netty");
        if (strata == null || netty == null || !strata.unit().equals(netty.unit())) {
            return "—";
        }
        return strata.mode().equals("thrpt")
                ? Format.ratio(strata.score(), netty.score())
                : Format.ratio(netty.score(), strata.score());
    }

    private static BenchResult firstContaining(Map<String, BenchResult> row, String word) {
        for (Map.Entry<String, BenchResult> entry : row.entrySet()) {
            if (entry.getKey().toLowerCase(Locale.ROOT).contains(word)) {
                return entry.getValue();
            }
        }
        return null;
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
