package dev.strata.bench.report;

import java.util.List;
import java.util.Objects;

/**
 * One paired round of one case: one fork of each competitor, run back to back, and the ratios taken inside it. A
 * competitor whose fork failed has no result; the ratios that need it are NaN.
 *
 * @param number the round, from 1
 * @param point the case (value size, Zipfian keys, thread count)
 * @param started when the round's first fork started (ISO-8601 local date-time), or {@code "?"}
 * @param results the forks' results, in the order they ran
 */
record PairedRound(int number, Row point, String started, List<BenchResult> results) {

    PairedRound {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(started, "started");
        results = List.copyOf(results);
    }

    /**
     * {@return the competitor's throughput in this round (operations per second), or NaN if it has no result}
     *
     * @param competitor the competitor
     */
    double score(Competitor competitor) {
        return MarkdownReport.score(point.find(results, competitor.column(), competitor.operation()));
    }

    /**
     * {@return the goal's ratio in this round (Strata's score divided by the other's), or NaN if either is missing}
     *
     * @param goal the goal
     */
    double ratio(Goal goal) {
        double other = score(goal.other());
        return other == 0 ? Double.NaN : score(goal.strata()) / other;
    }
}
