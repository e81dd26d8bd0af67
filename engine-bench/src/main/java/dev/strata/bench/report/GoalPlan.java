package dev.strata.bench.report;

import dev.strata.bench.workload.KeyDistribution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a goals run measures and how: every case (value size × thread count, Zipfian keys) in every round, each round
 * one short fork of every competitor of every group, back to back, in {@link GoalGroup#order}'s rotated order.
 * Rounds are the outer loop, so a round's ratios come from forks minutes apart at most and different rounds sample the
 * machine at different times.
 *
 * @param rounds how many paired rounds
 * @param valueSizes value sizes in bytes
 * @param threads thread counts
 * @param warmupIterations warm-up iterations per fork
 * @param warmupSeconds seconds per warm-up iteration
 * @param measurementIterations measured iterations per fork
 * @param measurementSeconds seconds per measured iteration
 * @param groups the goal groups
 */
record GoalPlan(int rounds, List<Integer> valueSizes, List<Integer> threads, int warmupIterations, int warmupSeconds,
        int measurementIterations, int measurementSeconds, List<GoalGroup> groups) {

    /** The key distribution of every goal case. */
    static final String KEYS = KeyDistribution.ZIPF.name();

    /**
     * Seconds a fork costs beyond its iterations, on average: starting the JVM, pre-touching its 2 GiB heap, filling
     * the cache with 64 MiB of values and checking every key, and closing it. Measured on the 2-core machine: 1 to 7 s,
     * Chronicle Map's the longest.
     */
    static final int FORK_OVERHEAD_SECONDS = 4;

    GoalPlan {
        valueSizes = List.copyOf(valueSizes);
        threads = List.copyOf(threads);
        groups = List.copyOf(groups);
        positive("rounds", rounds);
        positive("warm-up iterations", warmupIterations);
        positive("warm-up seconds", warmupSeconds);
        positive("measurement iterations", measurementIterations);
        positive("measurement seconds", measurementSeconds);
        if (valueSizes.isEmpty() || threads.isEmpty() || groups.isEmpty()) {
            throw new IllegalArgumentException("goal plan: value sizes " + valueSizes + ", threads " + threads
                    + " and groups must not be empty");
        }
        valueSizes.forEach(size -> positive("value size", size));
        threads.forEach(count -> positive("thread count", count));
    }

    /**
     * {@return the default plan for the given rounds, value sizes and threads: issue 4's goal groups, each fork
     * 2 × 1 s of warm-up and 3 × 1 s measured}
     *
     * @param rounds how many paired rounds
     * @param valueSizes value sizes in bytes
     * @param threads thread counts
     */
    static GoalPlan of(int rounds, List<Integer> valueSizes, List<Integer> threads) {
        return new GoalPlan(rounds, valueSizes, threads, 2, 1, 3, 1, GoalGroup.ALL);
    }

    /** {@return the cases of one round, value size first, then thread count} */
    List<Row> cases() {
        List<Row> cases = new ArrayList<>();
        for (int valueSize : valueSizes) {
            for (int count : threads) {
                cases.add(new Row(valueSize, KEYS, count));
            }
        }
        return cases;
    }

    /**
     * {@return the competitors of a round, in the order they run}
     *
     * @param round the round, from 0
     */
    List<Competitor> order(int round) {
        return GoalGroup.order(groups, round);
    }

    /** {@return every goal, in report order} */
    List<Goal> goals() {
        return GoalGroup.goals(groups);
    }

    /** {@return how many forks the whole run starts} */
    int forks() {
        return rounds * cases().size() * order(0).size();
    }

    /** {@return a fork's length: its iterations and {@link #FORK_OVERHEAD_SECONDS}} */
    Duration forkDuration() {
        return Duration.ofSeconds((long) warmupIterations * warmupSeconds
                + (long) measurementIterations * measurementSeconds + FORK_OVERHEAD_SECONDS);
    }

    /** {@return the estimated length of the whole run} */
    Duration estimate() {
        return forkDuration().multipliedBy(forks());
    }

    /**
     * {@return every fork's settings, as the report's header shows them}
     *
     * @param jdkVersion the benchmark JVM's version
     * @param vmName the benchmark JVM's name
     */
    ResultsFile.RunSettings settings(String jdkVersion, String vmName) {
        return new ResultsFile.RunSettings(jdkVersion, vmName, 1, warmupIterations + " x " + warmupSeconds + " s",
                measurementIterations + " x " + measurementSeconds + " s");
    }

    /** {@return the plan for people: cases, the order of each round, forks and the time estimate} */
    String describe() {
        StringBuilder out = new StringBuilder();
        List<String> caseLabels = cases().stream()
                .map(row -> row.valueLabel() + " t=" + row.threads()).toList();
        out.append(String.format(Locale.ROOT, "Strata goals, paired rounds: %d round(s) x %d case(s) x %d benchmarks = "
                + "%d forks of %d s each, about %d min%n", rounds, caseLabels.size(), order(0).size(), forks(),
                forkDuration().toSeconds(), estimate().toMinutes() + 1));
        out.append("Cases (").append(KEYS).append(" keys): ").append(String.join(", ", caseLabels)).append('\n');
        out.append(String.format(Locale.ROOT, "Each fork: warm-up %d x %d s, measurement %d x %d s%n",
                warmupIterations, warmupSeconds, measurementIterations, measurementSeconds));
        int distinctOrders = Math.min(rounds, orderPeriod());
        for (int round = 0; round < distinctOrders; round++) {
            out.append("Round ").append(round + 1).append(": ")
                    .append(String.join(", ", order(round).stream().map(Competitor::label).toList())).append('\n');
        }
        if (rounds > distinctOrders) {
            out.append("(the order repeats every ").append(distinctOrders).append(" rounds)\n");
        }
        return out.toString();
    }

    /** {@return after how many rounds the order repeats} */
    private int orderPeriod() {
        int period = groups.size();
        for (GoalGroup group : groups) {
            period = lcm(period, group.competitors().size());
        }
        return period;
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("goal plan: " + what + " " + value + " (expected: 1 or more)");
        }
    }
}
