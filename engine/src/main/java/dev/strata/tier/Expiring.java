package dev.strata.tier;

/**
 * A value of a cache with a time to live, as its tiers hold it: the user's value and the moment it expires. The heap
 * tier keeps this object; the off-heap and disk tiers keep its {@link ExpiringCodec} encoding, the deadline ahead of
 * the value's own bytes, so a value moving between tiers keeps the deadline its put gave it.
 *
 * @param value the user's value, never null
 * @param expiresAt the deadline, in milliseconds of the cache's clock ({@link Expiry}): expired from then on
 * @param <V> the user's value type
 */
record Expiring<V>(V value, long expiresAt) {
}
