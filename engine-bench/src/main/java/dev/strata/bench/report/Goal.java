package dev.strata.bench.report;

import java.util.Objects;

/**
 * One ratio the goals mode measures: Strata's competitor divided by another, both from the same paired round, and the
 * least median ratio that meets the goal. A goal without a target is a floor (Strata's share of a raw limit), reported
 * but never met or missed.
 *
 * @param strata Strata's benchmark (the numerator)
 * @param other the peer or raw limit (the denominator)
 * @param target the least median ratio that meets the goal, or NaN for a floor
 */
record Goal(Competitor strata, Competitor other, double target) {

    Goal {
        Objects.requireNonNull(strata, "strata");
        Objects.requireNonNull(other, "other");
        if (!Double.isNaN(target) && !(target > 0)) {
            throw new IllegalArgumentException("goal: target " + target + " (expected: a positive ratio, or NaN)");
        }
    }

    /** {@return whether this is a floor (no target), not a goal} */
    boolean isFloor() {
        return Double.isNaN(target);
    }

    /**
     * {@return whether a median ratio meets this goal; false for a floor and for a missing (NaN) median}
     *
     * @param medianRatio the median of the per-round ratios
     */
    boolean metBy(double medianRatio) {
        return !isFloor() && !Double.isNaN(medianRatio) && medianRatio >= target;
    }

    /** {@return the target for people, e.g. {@code ≥ 1.5×}, or {@code floor}} */
    String targetLabel() {
        return isFloor() ? "floor" : "≥ " + trim(target) + "×";
    }

    /** {@return the ratio's column header, e.g. {@code vs OHC}, or {@code of raw hash index} for a floor} */
    String ratioHeader() {
        return (isFloor() ? "of " : "vs ") + other.column().header();
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
