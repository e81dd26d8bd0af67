package dev.strata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.management.EngineMXBean;
import dev.strata.memory.hugepage.HugePageSlabSource;
import java.lang.management.ManagementFactory;
import javax.management.JMX;
import javax.management.ObjectName;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EngineTest {

    @ParameterizedTest
    @EnumSource(OffHeapBackend.class)
    void statsShowBothModesAndBothAllocatorsOfAFreshEngine(OffHeapBackend backend) {
        if (backend == OffHeapBackend.HUGE_PAGES) {             // needs native access: the huge-pages test run
            Optional<String> reason = HugePageSlabSource.unavailableReason();
            assumeTrue(reason.isEmpty(), reason::get);
        }
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(8))
                .offHeap(DataSize.ofMebibytes(16), backend).storageFraction(0.25).build()) {
            EngineStats stats = engine.stats();
            EngineStats.Pool offHeap = stats.pool(MemoryMode.OFF_HEAP);
            assertEquals(16L << 20, offHeap.regionBytes());
            assertEquals(4L << 20, offHeap.protectedStorageBytes());
            assertEquals(offHeap.regionBytes(), offHeap.storagePoolBytes() + offHeap.executionPoolBytes());
            assertEquals(0, offHeap.storageUsedBytes() + offHeap.executionUsedBytes());
            assertEquals(8L << 20, stats.pool(MemoryMode.ON_HEAP).regionBytes());
            List<String> backends = stats.allocators().stream().map(EngineStats.Allocator::backend).toList();
            assertEquals(List.of("HEAP", backend.name()), backends);
            EngineStats.Allocator native_ = stats.allocators().get(1);
            assertEquals(0, native_.slabs(), "slabs are taken lazily");
            assertEquals(16L << 20, native_.budgetBytes());
            assertEquals(MemoryManagerKind.UNIFIED, stats.manager().kind());
        }
    }

    @Test
    void anEngineWithoutOffHeapHasAnEmptyOffHeapRegion() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .memoryManager(MemoryManagerKind.STATIC).build()) {
            EngineStats stats = engine.stats();
            assertEquals(0, stats.pool(MemoryMode.OFF_HEAP).regionBytes());
            assertEquals(1, stats.allocators().size());
            assertEquals(MemoryManagerKind.STATIC, stats.manager().kind());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4)).build();
        engine.close();
        engine.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, engine::stats);
        assertEquals("engine 'strata' is closed", e.getMessage());
    }

    @Test
    void planOfALiveEngineShowsItsRegionsAndAddsUpToTheContainer() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(64))
                .offHeap(DataSize.ofMebibytes(256), OffHeapBackend.ARENA).build()) {
            MemoryPlan plan = engine.plan();
            assertEquals(64L << 20, plan.heapRegionBytes());
            assertEquals(256L << 20, plan.offHeapBytes());
            assertEquals(plan.jvmHeapBytes() + plan.overheadBytes() + plan.offHeapBytes(), plan.containerBytes());
            String table = plan.toString();
            org.junit.jupiter.api.Assertions.assertTrue(table.contains("256 MiB"), table);
        }
    }

    @Test
    void planListsEachCacheMaximumUnderItsModesStoragePoolWithWhatTheCacheHolds() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(16))
                .offHeap(DataSize.ofMebibytes(32), OffHeapBackend.ARENA).build()) {
            Cache<Long, byte[]> bounded = engine.newCache("bounded", Codecs.int64(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).maximumSize(Tier.HEAP, DataSize.ofMebibytes(2))
                    .maximumSize(Tier.OFF_HEAP, DataSize.ofMebibytes(3)).build();
            engine.newCache("free", Codecs.int64(), Codecs.bytes()).tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            for (long k = 0; k < 20_000; k++) {
                bounded.put(k, new byte[200]);
            }
            List<String> lines = engine.plan().toString().lines().toList();
            int heapStorage = indexOf(lines, "    storage (R)", 0);
            int heapRow = indexOf(lines, "      cache bounded", heapStorage);
            int offHeapRegion = indexOf(lines, "off-heap region", 0);
            int offHeapRow = indexOf(lines, "      cache bounded", offHeapRegion);
            assertTrue(heapRow == heapStorage + 1 && heapRow < offHeapRegion, String.join("\n", lines));
            assertTrue(lines.get(heapRow).contains("2 MiB"), lines.get(heapRow));
            assertTrue(lines.get(offHeapRow).contains("3 MiB"), lines.get(offHeapRow));
            assertTrue(lines.get(offHeapRow).contains("maximumSize"), lines.get(offHeapRow));
            assertTrue(lines.stream().noneMatch(line -> line.contains("cache free")), "no maximum, no row");
            String heldOffHeap = DataSize.format(bounded.stats().tier(Tier.OFF_HEAP).reservedBytes());
            assertTrue(lines.get(offHeapRow).contains(heldOffHeap), heldOffHeap + " in " + lines.get(offHeapRow));
        }
    }

    private static int indexOf(List<String> lines, String prefix, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' from line " + from + ":\n"
                + String.join("\n", lines));
    }

    @Test
    void theOffHeapRecordTablesHeapShowsInStatsTheMXBeanAndThePlan() throws Exception {
        try (Engine engine = Engine.builder().name("tables-test").heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(16), OffHeapBackend.ARENA).build()) {
            long empty = engine.stats().offHeapTableBytes();
            Cache<Long, byte[]> cache = engine.newCache("c", Codecs.int64(), Codecs.bytes()).tiers(Tier.OFF_HEAP).build();
            long tablesOfNoKey = engine.stats().offHeapTableBytes();
            assertEquals(0, empty, "no cache, no tables");
            int keys = 50_000;
            for (long k = 0; k < keys; k++) {
                cache.put(k, new byte[100]);
            }
            assertEquals(keys, cache.size(Tier.OFF_HEAP));
            long tables = engine.stats().offHeapTableBytes() - tablesOfNoKey;
            assertTrue(tables >= 16L * keys && tables <= 32L * keys,
                    tables + " bytes of tables for " + keys + " keys (expected: 8 B per slot, between 1/4 and 1/2 full)");
            EngineMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    new ObjectName("dev.strata:type=Engine,name=tables-test"), EngineMXBean.class);
            assertEquals(engine.stats().offHeapTableBytes(), bean.getOffHeapTableBytes());
            String plan = engine.plan().toString();
            assertTrue(plan.contains("off-heap tables"), plan);
            cache.close();
            assertEquals(0, engine.stats().offHeapTableBytes(), "a closed cache's tables are gone");
        }
    }

    @Test
    void theEngineMXBeanShowsPoolsWhileOpenAndIsGoneAfterClose() throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("dev.strata:type=Engine,name=jmx-test");
        try (Engine engine = Engine.builder().name("jmx-test").heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA).build()) {
            dev.strata.management.EngineMXBean bean = javax.management.JMX.newMXBeanProxy(server, name,
                    dev.strata.management.EngineMXBean.class);
            assertEquals("jmx-test", bean.getName());
            assertEquals("UNIFIED", bean.getMemoryManager());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {4L << 20, 8L << 20}, bean.getRegionBytes());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {0, 0, 0}, bean.getTierBytes());
            assertEquals(0, bean.getOpenTasks());
        }
        org.junit.jupiter.api.Assertions.assertFalse(server.isRegistered(name));
    }
}
