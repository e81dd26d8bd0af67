package dev.strata.tier;

import dev.strata.MemoryMode;

/**
 * One cache's own maximum size in one memory mode ({@code Cache.Builder.maximumSize}), with what it holds there now:
 * a row of the engine's memory plan, under that mode's storage pool. Immutable.
 *
 * @param cache the cache's name
 * @param mode the memory mode of its tier (HEAP: ON_HEAP, OFF_HEAP: OFF_HEAP)
 * @param maximumBytes its maximum there, in bytes (off the heap, whole pages)
 * @param heldBytes what it holds there now: heap storage memory its credit took, or pages × page size
 */
public record CacheMaximum(String cache, MemoryMode mode, long maximumBytes, long heldBytes) {
}
