package dev.strata;

import dev.strata.management.EngineMXBean;
import java.util.function.ToLongFunction;

/** The engine's {@link EngineMXBean}: every getter takes a fresh {@link Engine#stats()}. Thread-safe. */
final class EngineBean implements EngineMXBean {

    private final Engine engine;

    EngineBean(Engine engine) {
        this.engine = engine;
    }

    private long[] perMode(ToLongFunction<EngineStats.Pool> field) {
        EngineStats stats = engine.stats();
        return new long[] {field.applyAsLong(stats.pool(MemoryMode.ON_HEAP)),
                field.applyAsLong(stats.pool(MemoryMode.OFF_HEAP))};
    }

    @Override
    public String getName() {
        return engine.name();
    }

    @Override
    public String getMemoryManager() {
        return engine.stats().manager().kind().name();
    }

    @Override
    public long[] getRegionBytes() {
        return perMode(EngineStats.Pool::regionBytes);
    }

    @Override
    public long[] getProtectedStorageBytes() {
        return perMode(EngineStats.Pool::protectedStorageBytes);
    }

    @Override
    public long[] getStoragePoolBytes() {
        return perMode(EngineStats.Pool::storagePoolBytes);
    }

    @Override
    public long[] getStorageUsedBytes() {
        return perMode(EngineStats.Pool::storageUsedBytes);
    }

    @Override
    public long[] getExecutionPoolBytes() {
        return perMode(EngineStats.Pool::executionPoolBytes);
    }

    @Override
    public long[] getExecutionUsedBytes() {
        return perMode(EngineStats.Pool::executionUsedBytes);
    }

    @Override
    public long[] getTierBytes() {
        EngineStats stats = engine.stats();
        long[] bytes = new long[Tier.values().length];
        for (Tier tier : Tier.values()) {
            bytes[tier.ordinal()] = stats.tierBytes().getOrDefault(tier, 0L);
        }
        return bytes;
    }

    @Override
    public long getDiskUsedBytes() {
        return engine.stats().diskUsedBytes();
    }

    @Override
    public long getDiskIndexBytes() {
        return engine.stats().diskIndexBytes();
    }

    @Override
    public long getDiskIndexLimitBytes() {
        return engine.stats().diskIndexLimitBytes();
    }

    @Override
    public long getOffHeapTableBytes() {
        return engine.stats().offHeapTableBytes();
    }

    @Override
    public long getOffHeapTableLimitBytes() {
        return engine.stats().offHeapTableLimitBytes();
    }

    @Override
    public long getStorageRefusals() {
        return engine.stats().manager().storageRefusals();
    }

    @Override
    public long getExecutionShortfalls() {
        return engine.stats().manager().executionShortfalls();
    }

    @Override
    public long getExecutionWaits() {
        return engine.stats().manager().executionWaits();
    }

    @Override
    public long getStorageEvictedForExecutionBytes() {
        return engine.stats().manager().storageEvictedForExecutionBytes();
    }

    @Override
    public long getSpills() {
        return engine.stats().execution().spills();
    }

    @Override
    public long getOpenTasks() {
        return engine.stats().execution().tasksOpen();
    }
}
