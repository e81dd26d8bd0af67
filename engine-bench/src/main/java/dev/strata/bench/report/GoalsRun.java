package dev.strata.bench.report;

import java.util.List;
import java.util.Objects;

/**
 * Everything a goals run measured, as the JSON file keeps it and the Markdown report shows it.
 *
 * @param plan what was planned
 * @param command the command line that ran it
 * @param started when the run started (ISO-8601 local date-time)
 * @param finished when the last round ended, or {@code "?"} while the run goes on
 * @param jdkVersion the benchmark JVMs' version, or {@code "?"} before the first result
 * @param vmName the benchmark JVMs' name, or {@code "?"}
 * @param machine the machine, when the files were last written
 * @param notes free-text notes for the report (one paragraph each), e.g. that the machine was busy
 * @param rounds every case's rounds so far, in the order they ran
 * @param failures the forks that failed, one line each
 */
record GoalsRun(GoalPlan plan, String command, String started, String finished, String jdkVersion, String vmName,
        MachineInfo machine, List<String> notes, List<PairedRound> rounds, List<String> failures) {

    GoalsRun {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(machine, "machine");
        notes = List.copyOf(notes);
        rounds = List.copyOf(rounds);
        failures = List.copyOf(failures);
    }

    /** {@return how many rounds have run (the highest round number), 0 before the first} */
    int completedRounds() {
        return rounds.stream().mapToInt(PairedRound::number).max().orElse(0);
    }

    /** {@return every goal at every case, goals in report order, cases in plan order} */
    List<GoalStats> stats() {
        return plan.goals().stream()
                .flatMap(goal -> plan.cases().stream().map(point -> GoalStats.of(goal, point, rounds)))
                .toList();
    }
}
