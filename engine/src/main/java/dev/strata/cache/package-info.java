/**
 * The user-facing cache: {@link dev.strata.cache.Cache} over up to three tiers (heap, off-heap, disk) that share one
 * engine's memory manager and disk quota. Caches are made by the engine ({@code engine.newCache(name, keyCodec,
 * valueCodec)}) and configured with {@link dev.strata.cache.Cache.Builder}.
 */
package dev.strata.cache;
