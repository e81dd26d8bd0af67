package dev.strata.bench.report;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A goal at one case over all its rounds: the median, least and greatest per-round ratio, each side's median score,
 * and the verdict. The verdict is the median ratio's: one slow round of either side moves the minimum or the maximum,
 * not the median.
 *
 * @param goal the goal
 * @param point the case
 * @param rounds how many rounds gave a ratio (both forks succeeded)
 * @param medianRatio the median of the per-round ratios, NaN without rounds
 * @param minRatio the least per-round ratio, NaN without rounds
 * @param maxRatio the greatest per-round ratio, NaN without rounds
 * @param strataMedian the median of Strata's scores over the case's rounds (operations per second)
 * @param otherMedian the median of the other side's scores over the case's rounds (operations per second)
 */
record GoalStats(Goal goal, Row point, int rounds, double medianRatio, double minRatio, double maxRatio,
        double strataMedian, double otherMedian) {

    /**
     * {@return the goal's statistics at a case, from the rounds of that case (rounds of other cases are ignored)}
     *
     * @param goal the goal
     * @param point the case
     * @param rounds the rounds, of any case
     */
    static GoalStats of(Goal goal, Row point, List<PairedRound> rounds) {
        List<PairedRound> own = rounds.stream().filter(round -> round.point().equals(point)).toList();
        double[] ratios = finite(own, round -> round.ratio(goal));
        return new GoalStats(goal, point, ratios.length, median(ratios),
                ratios.length == 0 ? Double.NaN : Arrays.stream(ratios).min().orElseThrow(),
                ratios.length == 0 ? Double.NaN : Arrays.stream(ratios).max().orElseThrow(),
                median(finite(own, round -> round.score(goal.strata()))),
                median(finite(own, round -> round.score(goal.other()))));
    }

    /**
     * {@return the median of the values that are not NaN (the mean of the middle two for an even count); NaN for none}
     *
     * @param values the values
     */
    static double median(double... values) {
        double[] sorted = Arrays.stream(values).filter(value -> !Double.isNaN(value)).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** {@return whether the median ratio meets the goal (never for a floor or without rounds)} */
    boolean met() {
        return goal.metBy(medianRatio);
    }

    /** {@return {@code met}, {@code not met}, {@code no data} (no round gave a ratio) or {@code floor}} */
    String verdict() {
        if (goal.isFloor()) {
            return "floor";
        }
        if (rounds == 0) {
            return "no data";
        }
        return met() ? "met" : "not met";
    }

    private static double[] finite(List<PairedRound> rounds, ToDoubleFunction<PairedRound> value) {
        return rounds.stream().mapToDouble(value).filter(v -> !Double.isNaN(v) && !Double.isInfinite(v)).toArray();
    }
}
