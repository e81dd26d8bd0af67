package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.MemoryMode;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.lang.management.ManagementFactory;

/**
 * An off-heap cache of {@code Long} keys and values (32-byte records) in a region far larger than the child's heap,
 * written with {@value #PUTS} distinct keys (run by {@code OffHeapTablesIT}): each record's slot in its table on the
 * heap takes 16 to 36 bytes, so tables indexing what the region can hold would take several times the heap. The
 * engine's default off-heap table limit (half of user memory) stops the tier taking pages at half of it, and the cache
 * evicts instead.
 *
 * <p>Facts: {@code puts}, {@code entries}, {@code tableLimitBytes}, {@code mostTableBytes} (the most the tables took,
 * read every {@value #SAMPLE_EVERY} puts), {@code offHeapUsedBytes}, {@code regionBytes}, {@code sampled},
 * {@code found}, {@code wrong}, {@code usedHeapBytes} (after a full GC, the cache open), {@code maxHeapBytes}.
 *
 * <p>{@code args}: off-heap region in MiB.
 */
public final class OffHeapTablesScenario {

    static final long PUTS = 8_000_000;
    static final int SAMPLE_EVERY = 100_000;
    static final int CHECK_STRIDE = 101;

    private OffHeapTablesScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args the off-heap region in MiB
     */
    public static void main(String[] args) {
        long regionMib = Long.parseLong(args[0]);
        ScenarioReport.run(report -> {
            try (Engine engine = Engine.builder().name("off-heap-tables").heap(DataSize.ofMebibytes(8))
                    .offHeap(DataSize.ofMebibytes(regionMib), OffHeapBackend.ARENA).build();
                 Cache<Long, Long> cache = engine.newCache("ids", Codecs.int64(), Codecs.int64())
                         .tiers(Tier.OFF_HEAP).build()) {
                long most = 0;
                for (long key = 0; key < PUTS; key++) {
                    cache.put(key, ~key);
                    if (key % SAMPLE_EVERY == 0) {
                        most = Math.max(most, engine.stats().offHeapTableBytes());
                    }
                }
                report.put("puts", PUTS);
                report.put("entries", cache.size());
                report.put("tableLimitBytes", engine.stats().offHeapTableLimitBytes());
                report.put("mostTableBytes", Math.max(most, engine.stats().offHeapTableBytes()));
                report.put("offHeapUsedBytes", engine.stats().pool(MemoryMode.OFF_HEAP).storageUsedBytes());
                report.put("regionBytes", regionMib << 20);
                long sampled = 0;
                long found = 0;
                long wrong = 0;
                for (long key = 0; key < PUTS; key += CHECK_STRIDE) {
                    sampled++;
                    Long value = cache.get(key);
                    if (value != null) {
                        found++;
                        wrong += value == ~key ? 0 : 1;
                    }
                }
                report.put("sampled", sampled);
                report.put("found", found);
                report.put("wrong", wrong);
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                report.put("usedHeapBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                report.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
            }
        });
    }
}
