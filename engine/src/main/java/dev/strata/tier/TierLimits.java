package dev.strata.tier;

import dev.strata.Tier;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What each of a cache's tiers may hold, and the largest entry it admits: the tier's room (its region, or the disk
 * quota) bounded by the cache's own maximum size there, if it has one. A tier with a tier below it admits entries up to
 * 1/{@value #LARGE_ENTRY_FRACTION} of its capacity (so one huge value cannot flush it); the lowest tier up to its whole
 * capacity. Immutable: a cache's maximum changed at run time ({@code Cache.setMaximumSize}) makes a new one, which its
 * {@link Tiers} publishes whole, so a put reads one consistent set.
 */
final class TierLimits {

    /** Upper tiers take entries up to 1/this of their capacity. */
    static final int LARGE_ENTRY_FRACTION = 8;

    private final List<Tier> tiers;
    /** Per tier ordinal: what the tier could hold without a maximum of the cache's own. */
    private final long[] room;
    private final long offHeapPageSize;
    private final long heapOverhead;
    /** The cache's own maximum size per tier, in bytes (off the heap, whole pages); absent where it has none. */
    private final Map<Tier, Long> maximumSizes;
    /** Per tier ordinal: the room, bounded by the cache's maximum. */
    private final long[] capacity = new long[Tier.values().length];
    /** Per tier ordinal: the largest entry (in {@code Tiers.entryBytes} terms) the tier admits. */
    private final long[] admitLimit = new long[Tier.values().length];
    /** Key plus value lengths up to this fit some tier whole ({@code Tiers.tooLarge} needs no walk). */
    private final long alwaysFits;

    /**
     * @param tiers the cache's tiers, highest first
     * @param room per tier ordinal, what the tier could hold without a maximum of the cache's own
     * @param maximumSizes the cache's own maximum per tier, in bytes (off the heap, whole pages)
     * @param offHeapPageSize the off-heap tier's page size (unused without one)
     * @param heapOverhead the heap weight an entry has beyond its key and value
     */
    TierLimits(List<Tier> tiers, long[] room, Map<Tier, Long> maximumSizes, long offHeapPageSize, long heapOverhead) {
        this.tiers = List.copyOf(tiers);
        this.room = room.clone();
        this.offHeapPageSize = offHeapPageSize;
        this.heapOverhead = heapOverhead;
        this.maximumSizes = maximumSizes.isEmpty() ? Map.of() : new EnumMap<>(maximumSizes);
        long fits = 0;
        for (int i = 0; i < this.tiers.size(); i++) {
            Tier tier = this.tiers.get(i);
            long limit = Math.min(room[tier.ordinal()], maximumSizes.getOrDefault(tier, Long.MAX_VALUE));
            capacity[tier.ordinal()] = limit;
            admitLimit[tier.ordinal()] = i + 1 < this.tiers.size() ? limit / LARGE_ENTRY_FRACTION : limit;
            long whole = tier == Tier.OFF_HEAP ? Math.min(limit, offHeapPageSize) : limit;
            fits = Math.max(fits, Math.min(whole, Integer.MAX_VALUE) - heapOverhead);
        }
        this.alwaysFits = fits;
    }

    /** {@return these limits with the cache's own maximum in {@code tier} set to {@code bytes}, or none if null} */
    TierLimits withMaximum(Tier tier, Long bytes) {
        Map<Tier, Long> maximums = new EnumMap<>(Tier.class);
        maximums.putAll(maximumSizes);
        if (bytes == null) {
            maximums.remove(tier);
        } else {
            maximums.put(tier, bytes);
        }
        return new TierLimits(tiers, room, maximums, offHeapPageSize, heapOverhead);
    }

    /** {@return the cache's own maximum in {@code tier}, or {@link Long#MAX_VALUE} if it has none} */
    long maximum(Tier tier) {
        return maximumSizes.getOrDefault(tier, Long.MAX_VALUE);
    }

    /** {@return whether the cache has a maximum of its own in {@code tier}} */
    boolean hasMaximum(Tier tier) {
        return maximumSizes.containsKey(tier);
    }

    /** {@return what {@code tier} could hold without a maximum of the cache's own: its region, or the disk quota} */
    long room(Tier tier) {
        return room[tier.ordinal()];
    }

    /** {@return what {@code tier} may hold: its room, bounded by the cache's maximum} */
    long capacity(Tier tier) {
        return capacity[tier.ordinal()];
    }

    /** {@return the largest entry {@code tier} admits} */
    long admitLimit(Tier tier) {
        return admitLimit[tier.ordinal()];
    }

    /** {@return key plus value lengths up to which an entry fits some tier whole} */
    long alwaysFits() {
        return alwaysFits;
    }
}
