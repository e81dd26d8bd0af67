package dev.strata.bench.report;

import dev.strata.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a run's results into the Markdown report: the machine and settings, the Strata tier ladder, one comparison
 * table per tier and operation (Strata vs each peer and vs the raw limit, ratios from the same run), the allocator
 * against netty, and every other result.
 *
 * <p>Stateless and thread-safe.
 */
final class MarkdownReport {

    private MarkdownReport() {
    }

    /**
     * Renders the report.
     *
     * @param title the title line, e.g. {@code 2026-05-01 quick}
     * @param results the results
     * @param settings the run settings
     * @param machine the machine
     * @param notes free-text notes (one paragraph each), e.g. that the machine was busy
     * @param chartFile the chart's file name, linked from the report, or null
     * @return the Markdown text
     */
    static String render(String title, List<BenchResult> results, ResultsFile.RunSettings settings,
            MachineInfo machine, List<String> notes, String chartFile) {
        StringBuilder out = new StringBuilder();
        out.append("# Strata benchmarks: ").append(title).append("\n\n");
        header(out, settings, machine, notes);
        if (chartFile != null) {
            out.append("![tier ladder and peers](").append(chartFile).append(")\n\n");
        }
        LadderSection.render(out, results);
        for (Tier tier : Tier.values()) {
            TierSection.render(out, results, tier);
        }
        AllocationSection.render(out, results);
        OtherSection.render(out, results);
        return out.toString();
    }

    private static void header(StringBuilder out, ResultsFile.RunSettings settings, MachineInfo machine,
            List<String> notes) {
        machineTable(out, settings, machine, List.of());
        for (String note : notes) {
            out.append("> ").append(note).append("\n\n");
        }
        out.append("Throughput in millions of operations per second (M ops/s; higher is better). In comparison tables ")
                .append("`n×` after a figure is Strata's first column divided by that column, measured in the same ")
                .append("run: above 1 Strata is faster; against a raw limit it is the share of the bound reached. ")
                .append("Keys are 16 bytes; every cache holds the whole working set (about 64 MiB of values).\n\n");
    }

    /**
     * Appends the table of the machine and the run settings, then a blank line.
     *
     * @param out where to append
     * @param settings the run settings
     * @param machine the machine
     * @param extraRows more rows, each {@code {label, value}}, before the load average
     */
    static void machineTable(StringBuilder out, ResultsFile.RunSettings settings, MachineInfo machine,
            List<String[]> extraRows) {
        out.append("| | |\n|---|---|\n");
        out.append("| CPUs | ").append(machine.cpus()).append(" × ").append(machine.cpuModel()).append(" |\n");
        out.append("| Memory | ").append(machine.memory()).append(" |\n");
        out.append("| JDK (benchmarks) | ").append(settings.jdkVersion()).append(", ").append(settings.vmName())
                .append(" |\n");
        out.append("| JDK (runner) | ").append(machine.jdk()).append(" |\n");
        out.append("| JMH | ").append(settings.forks()).append(" fork(s); warm-up ").append(settings.warmup())
                .append("; measurement ").append(settings.measurement()).append(" |\n");
        for (String[] row : extraRows) {
            out.append("| ").append(row[0]).append(" | ").append(row[1]).append(" |\n");
        }
        out.append("| Load average at the end | ").append(machine.loadAverage()).append(" |\n\n");
    }

    /** The Strata tier ladder. */
    private static final class LadderSection {
        static void render(StringBuilder out, List<BenchResult> results) {
            out.append("## Tier ladder (Strata)\n\n");
            boolean any = false;
            for (String operation : Catalog.OPERATIONS) {
                List<Row> rows = Row.of(results, Catalog.LADDER, operation);
                if (rows.isEmpty()) {
                    continue;
                }
                any = true;
                out.append("### ").append(operation).append("\n\n| value | keys | threads |");
                Catalog.LADDER.forEach(column -> out.append(' ').append(column.header()).append(" |"));
                out.append(" heap : off-heap : disk (time per op) |\n|---|---|---|");
                Catalog.LADDER.forEach(column -> out.append("---:|"));
                out.append("---|\n");
                for (Row row : rows) {
                    double[] scores = new double[Catalog.LADDER.size()];
                    out.append("| ").append(row.valueLabel()).append(" | ").append(row.keys()).append(" | ")
                            .append(row.threads()).append(" |");
                    for (int i = 0; i < scores.length; i++) {
                        scores[i] = score(row.find(results, Catalog.LADDER.get(i), operation));
                        out.append(' ').append(Format.mops(scores[i])).append(" |");
                    }
                    out.append(" 1 : ").append(factor(scores[0], scores[1])).append(" : ")
                            .append(factor(scores[0], scores[3])).append(" |\n");
                }
                out.append('\n');
            }
            if (!any) {
                out.append("_No Strata tier results in this run (the Strata tier benchmark is not built yet, or was ")
                        .append("not selected)._\n\n");
            }
        }

        /** How many times longer an operation takes on the lower tier than on the heap. */
        private static String factor(double heap, double lower) {
            String ratio = Format.ratio(heap, lower);
            return ratio.endsWith("×") ? ratio.substring(0, ratio.length() - 1) : ratio;
        }
    }

    /** Bytes allocated per operation (JMH's GC profiler) for Strata's tiers and every peer, where the run had it. */
    private static final class AllocationSection {
        static void render(StringBuilder out, List<BenchResult> results) {
            if (results.stream().allMatch(result -> Double.isNaN(result.allocBytesPerOp()))) {
                return;
            }
            out.append("## Allocation per operation\n\nBytes allocated on the heap per operation (`-prof gc`, ")
                    .append("`gc.alloc.rate.norm`); a get that returns a fresh `byte[]` allocates at least the value ")
                    .append("and its 16-byte header, and every benchmark wraps its key in one 24-byte object.\n\n");
            for (String operation : Catalog.OPERATIONS) {
                List<Column> columns = new java.util.ArrayList<>(Catalog.LADDER);
                for (Tier tier : Tier.values()) {
                    Catalog.columns(tier).stream().filter(c -> c.kind() == Column.Kind.PEER).forEach(columns::add);
                }
                List<Row> rows = Row.of(results, columns, operation);
                if (rows.isEmpty()) {
                    continue;
                }
                out.append("### ").append(operation).append(" (B/op)\n\n| value | keys | threads |");
                columns.forEach(column -> out.append(' ').append(column.header()).append(" |"));
                out.append("\n|---|---|---|");
                columns.forEach(column -> out.append("---:|"));
                out.append('\n');
                for (Row row : rows) {
                    double[] bytes = columns.stream().map(column -> row.find(results, column, operation))
                            .mapToDouble(result -> result == null ? Double.NaN : result.allocBytesPerOp()).toArray();
                    if (java.util.Arrays.stream(bytes).allMatch(Double::isNaN)) {
                        continue;
                    }
                    out.append("| ").append(row.valueLabel()).append(" | ").append(row.keys()).append(" | ")
                            .append(row.threads()).append(" |");
                    for (double b : bytes) {
                        out.append(' ').append(Double.isNaN(b) ? "—" : Format.significant(b)).append(" |");
                    }
                    out.append('\n');
                }
                out.append('\n');
            }
        }
    }

    /** One tier: Strata against peers and raw limits. */
    private static final class TierSection {
        static void render(StringBuilder out, List<BenchResult> results, Tier tier) {
            List<Column> all = Catalog.columns(tier);
            out.append("## ").append(title(tier)).append("\n\n");
            boolean any = false;
            for (String operation : Catalog.OPERATIONS) {
                List<Column> columns = new ArrayList<>();
                for (Column column : all) {
                    if (column == all.getFirst() || results.stream().anyMatch(r -> column.matches(r, operation))) {
                        columns.add(column);
                    }
                }
                List<Row> rows = Row.of(results, columns, operation);
                if (rows.isEmpty()) {
                    continue;
                }
                any = true;
                table(out, results, operation, columns, rows);
            }
            if (!any) {
                out.append("_No results for this tier in this run._\n\n");
            }
        }

        private static void table(StringBuilder out, List<BenchResult> results, String operation,
                List<Column> columns, List<Row> rows) {
            out.append("### ").append(operation).append("\n\n| value | keys | threads |");
            columns.forEach(column -> out.append(' ').append(column.header()).append(" |"));
            out.append("\n|---|---|---|");
            columns.forEach(column -> out.append("---:|"));
            out.append('\n');
            for (Row row : rows) {
                out.append("| ").append(row.valueLabel()).append(" | ").append(row.keys()).append(" | ")
                        .append(row.threads()).append(" |");
                double strata = score(row.find(results, columns.getFirst(), operation));
                for (int i = 0; i < columns.size(); i++) {
                    double score = score(row.find(results, columns.get(i), operation));
                    out.append(' ').append(Format.mops(score));
                    if (i > 0 && !Double.isNaN(score) && !Double.isNaN(strata)) {
                        out.append(" (").append(Format.ratio(strata, score)).append(')');
                    }
                    out.append(" |");
                }
                out.append('\n');
            }
            out.append('\n');
        }

        private static String title(Tier tier) {
            return switch (tier) {
                case HEAP -> "Heap tier: Strata vs Caffeine, Ehcache, and a HashMap";
                case OFF_HEAP -> "Off-heap tier: Strata vs OHC, Chronicle Map, Ehcache, and a raw slab copy";
                case DISK -> "Disk tier: Strata vs Ehcache, and raw file I/O";
            };
        }
    }

    /** The allocator against netty, and every result no other table shows. */
    private static final class OtherSection {
        static void render(StringBuilder out, List<BenchResult> results) {
            List<BenchResult> memory = results.stream()
                    .filter(r -> r.packageName().endsWith(".memory")).toList();
            out.append("## Page allocator vs netty (dev.strata.bench.memory)\n\n");
            if (memory.isEmpty()) {
                out.append("_No allocator results in this run._\n\n");
            } else {
                AllocatorComparison.render(out, memory);
            }
            List<BenchResult> others = results.stream()
                    .filter(r -> !r.packageName().endsWith(".memory") && !inTierTables(r)).toList();
            if (!others.isEmpty()) {
                out.append("## Other benchmarks\n\n");
                list(out, others);
            }
        }

        static void list(StringBuilder out, List<BenchResult> results) {
            out.append("| benchmark | parameters | threads | score | unit |\n|---|---|---:|---:|---|\n");
            for (BenchResult result : results) {
                out.append("| ").append(result.className()).append('.').append(result.method()).append(" | ")
                        .append(result.params().isEmpty() ? "" : result.params().toString()).append(" | ")
                        .append(result.threads()).append(" | ").append(scoreWithError(result)).append(" | ")
                        .append(result.unit()).append(" |\n");
            }
            out.append('\n');
        }

        private static boolean inTierTables(BenchResult result) {
            for (Tier tier : Tier.values()) {
                for (Column column : Catalog.columns(tier)) {
                    for (String operation : Catalog.OPERATIONS) {
                        if (column.matches(result, operation)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }
    }

    static String scoreWithError(BenchResult result) {
        String score = Format.significant(result.score());
        return Double.isNaN(result.scoreError()) || result.scoreError() == 0
                ? score : score + " ± " + Format.significant(result.scoreError());
    }

    static double score(BenchResult result) {
        return result == null ? Double.NaN : result.opsPerSecond();
    }

    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
