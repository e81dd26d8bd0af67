/**
 * Internal: the tiers under {@link dev.strata.cache.Cache} (heap, off-heap pages, disk) and the cache implementation
 * that moves entries between them. The engine holds one {@link dev.strata.tier.CacheManager}.
 */
package dev.strata.tier;
