package dev.strata.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The goals mode's Markdown: the machine and the command, how the rounds were paired, one table per goal group (each
 * competitor's median score, and per goal the median ratio, its range over the rounds and the verdict), then every
 * round's ratios.
 *
 * <p>Stateless and thread-safe.
 */
final class GoalsReport {

    private GoalsReport() {
    }

    /**
     * Renders the report.
     *
     * @param title the title, e.g. {@code 2026-12-01}
     * @param run the run
     * @return the Markdown text
     */
    static String render(String title, GoalsRun run) {
        GoalPlan plan = run.plan();
        StringBuilder out = new StringBuilder();
        out.append("# Strata goals, paired rounds: ").append(title).append("\n\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Rounds", run.completedRounds() + " of " + plan.rounds() + " planned"});
        rows.add(new String[] {"Cases", String.join(", ", plan.valueSizes().stream().map(Format::bytes).toList())
                + " × " + plan.threads().stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("")
                + " thread(s); " + GoalPlan.KEYS + " keys"});
        rows.add(new String[] {"Run", run.started() + " to " + run.finished()});
        MarkdownReport.machineTable(out, plan.settings(run.jdkVersion(), run.vmName()), run.machine(), rows);
        out.append("```sh\n").append(run.command()).append("\n```\n\n");
        for (String note : run.notes()) {
            out.append("> ").append(note).append("\n\n");
        }
        out.append("Each round runs one fork of every benchmark below for one case, back to back, the benchmarks a ")
                .append("ratio compares next to each other; round after round the order rotates, so no benchmark ")
                .append("always runs first. A ratio is Strata's score divided by the other's from the same round, so ")
                .append("a drift of the machine's speed between rounds cancels out. A goal is met when the median ")
                .append("of its per-round ratios reaches the target; the range is the least and greatest round. ")
                .append("Scores are each benchmark's median over the rounds, in M ops/s (higher is better).\n\n");
        List<GoalStats> stats = run.stats();
        long goals = stats.stream().filter(s -> !s.goal().isFloor()).count();
        long met = stats.stream().filter(GoalStats::met).count();
        out.append(String.format(Locale.ROOT, "**Goals met (by the median ratio): %d of %d.**%n%n", met, goals));
        for (GoalGroup group : plan.groups()) {
            group(out, run, group, stats);
        }
        rounds(out, run);
        if (!run.failures().isEmpty()) {
            out.append("## Failed forks\n\n");
            run.failures().forEach(failure -> out.append("- ").append(failure).append('\n'));
            out.append('\n');
        }
        return out.toString();
    }

    private static void group(StringBuilder out, GoalsRun run, GoalGroup group, List<GoalStats> stats) {
        out.append("## ").append(group.title()).append("\n\n");
        List<Competitor> strata = group.strataCompetitors();
        List<String> targets = new ArrayList<>();
        for (Goal goal : group.goals()) {
            if (goal.strata().equals(strata.getFirst())) {
                targets.add(goal.isFloor() ? goal.other().column().header() + " is the floor"
                        : goal.targetLabel() + " " + goal.other().column().header());
            }
        }
        out.append(String.join(" and ", strata.stream().map(Competitor::label).toList()))
                .append(strata.size() > 1 ? ", each: " : ": ").append(String.join("; ", targets))
                .append(".\n\n| value | threads | rounds |");
        group.competitors().forEach(c -> out.append(' ').append(c.column().header()).append(" |"));
        group.goals().forEach(goal -> out.append(' ').append(group.ratioHeader(goal)).append(" |"));
        out.append("\n|---|---:|---:|");
        group.competitors().forEach(c -> out.append("---:|"));
        group.goals().forEach(goal -> out.append("---|"));
        out.append('\n');
        for (Row point : run.plan().cases()) {
            List<PairedRound> own = run.rounds().stream().filter(round -> round.point().equals(point)).toList();
            out.append("| ").append(point.valueLabel()).append(" | ").append(point.threads()).append(" | ")
                    .append(own.size()).append(" |");
            for (Competitor competitor : group.competitors()) {
                double median = GoalStats.median(own.stream().mapToDouble(round -> round.score(competitor)).toArray());
                out.append(' ').append(Format.mops(median)).append(" |");
            }
            for (Goal goal : group.goals()) {
                GoalStats goalStats = stats.stream()
                        .filter(s -> s.goal().equals(goal) && s.point().equals(point)).findFirst().orElseThrow();
                out.append(' ').append(cell(goalStats, own.size())).append(" |");
            }
            out.append('\n');
        }
        out.append('\n');
    }

    /**
     * {@return one goal's cell: the median ratio, the range in brackets (with the count when fewer rounds than the
     * case's gave a ratio) and the verdict; for a floor no verdict; a dash without rounds}
     *
     * @param stats the goal at the case
     * @param caseRounds how many rounds the case ran
     */
    static String cell(GoalStats stats, int caseRounds) {
        if (stats.rounds() == 0) {
            return stats.goal().isFloor() ? "—" : "— no data";
        }
        StringBuilder cell = new StringBuilder(ratio(stats.medianRatio()));
        cell.append(" (").append(Format.significant(stats.minRatio())).append('–')
                .append(ratio(stats.maxRatio()));
        if (stats.rounds() < caseRounds) {
            cell.append(", ").append(stats.rounds()).append(stats.rounds() == 1 ? " round" : " rounds");
        }
        cell.append(')');
        if (!stats.goal().isFloor()) {
            cell.append(stats.met() ? " **met**" : " not met");
        }
        return cell.toString();
    }

    private static void rounds(StringBuilder out, GoalsRun run) {
        List<Goal> goals = run.plan().goals();
        out.append("## Every round\n\nEach round's ratios, Strata ÷ the other, in the order the rounds ran.\n\n")
                .append("| value | threads | round | started |");
        for (GoalGroup group : run.plan().groups()) {
            group.goals().forEach(goal -> out.append(' ').append(lower(group.title())).append(' ')
                    .append(group.ratioHeader(goal)).append(" |"));
        }
        out.append("\n|---|---:|---:|---|");
        goals.forEach(goal -> out.append("---:|"));
        out.append('\n');
        for (PairedRound round : run.rounds()) {
            out.append("| ").append(round.point().valueLabel()).append(" | ").append(round.point().threads())
                    .append(" | ").append(round.number()).append(" | ").append(time(round.started())).append(" |");
            goals.forEach(goal -> out.append(' ').append(ratio(round.ratio(goal))).append(" |"));
            out.append('\n');
        }
        out.append('\n');
    }

    private static String ratio(double value) {
        return Double.isNaN(value) ? "—" : Format.significant(value) + "×";
    }

    private static String lower(String text) {
        return MarkdownReport.lower(text.substring(0, 1)) + text.substring(1);
    }

    /** {@return the time of day of an ISO local date-time, e.g. {@code 18:50:12}; the text itself if it has none} */
    private static String time(String dateTime) {
        int t = dateTime.indexOf('T');
        return t < 0 ? dateTime : dateTime.substring(t + 1, Math.min(dateTime.length(), t + 9));
    }
}
