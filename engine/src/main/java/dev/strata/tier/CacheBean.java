package dev.strata.tier;

import dev.strata.DataSize;
import dev.strata.Tier;
import dev.strata.cache.CacheStats;
import dev.strata.management.CacheMXBean;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

/** The {@link CacheMXBean} of one cache: reads {@link TieredCache#stats()} on each call. Thread-safe. */
final class CacheBean implements CacheMXBean {

    private final TieredCache<?, ?> cache;
    private final BooleanSupplier idle;

    /** @param idle whether the engine's last look found the cache idle */
    CacheBean(TieredCache<?, ?> cache, BooleanSupplier idle) {
        this.cache = cache;
        this.idle = idle;
    }

    @Override
    public String getName() {
        return cache.name();
    }

    @Override
    public String[] getTiers() {
        return cache.tiers().stream().map(Tier::name).toArray(String[]::new);
    }

    @Override
    public long getHits() {
        return cache.stats().hits();
    }

    @Override
    public long getMisses() {
        return cache.stats().misses();
    }

    @Override
    public double getHitRate() {
        return cache.stats().hitRate();
    }

    @Override
    public long getLoads() {
        return cache.stats().loads();
    }

    @Override
    public long getLoadFailures() {
        return cache.stats().loadFailures();
    }

    @Override
    public long getLoadNanos() {
        return cache.stats().loadNanos();
    }

    @Override
    public long getErrors() {
        return cache.stats().errors();
    }

    @Override
    public long[] getEntries() {
        return perTier(CacheStats.TierStats::entries);
    }

    @Override
    public long[] getBytes() {
        return perTier(CacheStats.TierStats::bytes);
    }

    @Override
    public long[] getReservedBytes() {
        return perTier(CacheStats.TierStats::reservedBytes);
    }

    @Override
    public long[] getMaximumSizes() {
        long[] values = new long[Tier.values().length];
        for (Tier tier : cache.tiers()) {
            values[tier.ordinal()] = cache.tiersImpl().maximumSize(tier);
        }
        return values;
    }

    @Override
    public long getOffHeapTableBytes() {
        return cache.tiersImpl().offHeapTableBytes();
    }

    @Override
    public boolean isIdle() {
        return idle.getAsBoolean();
    }

    @Override
    public long[] getDemotions() {
        return perTier(CacheStats.TierStats::demotions);
    }

    @Override
    public long[] getPromotions() {
        return perTier(CacheStats.TierStats::promotions);
    }

    @Override
    public long[] getEvictions() {
        return perTier(CacheStats.TierStats::evictions);
    }

    @Override
    public long[] getExpirations() {
        return perTier(CacheStats.TierStats::expirations);
    }

    @Override
    public void setMaximumSize(String tier, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("setMaximumSize: " + tier + " " + bytes + " bytes (expected: >= 0)");
        }
        cache.setMaximumSize(tier(tier), DataSize.ofBytes(bytes));
    }

    @Override
    public void removeMaximumSize(String tier) {
        cache.removeMaximumSize(tier(tier));
    }

    /** {@return the tier named {@code name}} */
    private static Tier tier(String name) {
        for (Tier tier : Tier.values()) {
            if (tier.name().equals(name)) {
                return tier;
            }
        }
        throw new IllegalArgumentException("tier: '" + name + "' (expected: one of " + Arrays.toString(Tier.values())
                + ")");
    }

    private long[] perTier(ToLongFunction<CacheStats.TierStats> field) {
        long[] values = new long[Tier.values().length];
        for (CacheStats.TierStats stats : cache.stats().tiers()) {
            values[stats.tier().ordinal()] = field.applyAsLong(stats);
        }
        return values;
    }
}
