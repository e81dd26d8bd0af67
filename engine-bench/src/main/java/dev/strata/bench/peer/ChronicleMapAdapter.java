package dev.strata.bench.peer;

import dev.strata.bench.workload.Keys;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * Chronicle Map, in memory (not persisted): sized up front for a number of entries, no eviction. Keys and values are
 * {@code byte[]} compared by content; {@code put} is configured not to return the previous value (so a put does not
 * also copy one out). JVM flags: the {@code --add-exports/--add-opens} list and
 * {@code -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true}. Thread-safe.
 */
public final class ChronicleMapAdapter implements CacheAdapter {
    private final ChronicleMap<byte[], byte[]> map;

    /**
     * Creates the map.
     *
     * @param entries how many entries it must hold (it does not evict)
     * @param valueSize the value size
     */
    public ChronicleMapAdapter(long entries, int valueSize) {
        this.map = ChronicleMap.of(byte[].class, byte[].class)
                .name("strata-bench")
                .entries(entries)
                .constantKeySizeBySample(new byte[Keys.KEY_BYTES])
                .averageValueSize(valueSize)
                .putReturnsNull(true)
                .create();
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        map.put(key, value);
    }

    /** {@return the off-heap bytes Chronicle Map says it uses} */
    public long offHeapMemoryUsed() {
        return map.offHeapMemoryUsed();
    }

    @Override
    public void close() {
        map.close();
    }
}
