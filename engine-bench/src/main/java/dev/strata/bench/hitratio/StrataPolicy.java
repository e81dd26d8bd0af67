package dev.strata.bench.hitratio;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.util.ArrayList;
import java.util.List;

/**
 * A Strata cache of {@code Integer} keys and {@code byte[]} values in its own engine, built through the public API,
 * whose memory tiers are bounded by the engine's regions: the heap tier by the on-heap region (SIEVE), the off-heap
 * tier by the off-heap region (page recycling with a second chance for entries read since they were written). A hit
 * in any tier counts; the lowest tier drops what it evicts.
 */
final class StrataPolicy implements Policy {

    private final Engine engine;
    private final Cache<Integer, byte[]> cache;
    private final byte[] value;

    /**
     * @param heapBytes the on-heap region, 0 for no heap tier
     * @param offHeapBytes the off-heap region (arena slabs, the default 64 KiB pages), 0 for no off-heap tier
     * @param value the value every miss puts
     */
    StrataPolicy(long heapBytes, long offHeapBytes, byte[] value) {
        this.value = value;
        Engine.Builder builder = Engine.builder().name("hit-ratio");
        List<Tier> tiers = new ArrayList<>();
        if (heapBytes > 0) {
            builder.heap(DataSize.ofBytes(heapBytes));
            tiers.add(Tier.HEAP);
        }
        if (offHeapBytes > 0) {
            builder.offHeap(DataSize.ofBytes(offHeapBytes), OffHeapBackend.ARENA);
            tiers.add(Tier.OFF_HEAP);
        }
        this.engine = builder.build();
        this.cache = engine.newCache("hit-ratio", Codecs.int32(), Codecs.bytes()).tiers(tiers.toArray(Tier[]::new))
                .build();
    }

    @Override
    public boolean holds(int key) {
        return cache.get(key) != null;
    }

    @Override
    public void put(int key) {
        cache.put(key, value);
    }

    @Override
    public long entries() {
        return cache.size();
    }

    @Override
    public void close() {
        cache.close();
        engine.close();
    }
}
