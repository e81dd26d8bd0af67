package dev.strata.cache;

/**
 * When a hit in a lower tier moves the entry up to the cache's highest tier.
 *
 * <p>Promotion decodes the value (which a hit does anyway), reserves room in the highest tier and removes the entry
 * from the tier it was in: a key lives in exactly one tier at a time.
 */
public enum Promotion {
    /** Every hit below the highest tier promotes: best for small hot sets, may churn on scans. */
    ON_HIT,
    /**
     * The default: the first hit below the highest tier marks the entry, the second promotes it. One-off reads (scans)
     * stay where they are.
     */
    ON_SECOND_HIT,
    /** Entries never move up: a lower-tier hit is served from where the entry is. */
    NEVER
}
