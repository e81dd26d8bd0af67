package dev.strata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.management.EngineMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap of the off-heap tiers' record tables through the public entry points: its limit (default and given, with
 * the rules a given one must meet, beside the disk indexes' in user memory), a cache of small records written far past
 * what the limit lets its tables index, and the stats, MXBean and plan that show it.
 */
class EngineOffHeapTablesTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void byDefaultTheTablesMayTakeHalfOfWhatTheDiskIndexesLeaveOfUserMemory() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA).build()) {
            MemoryPlan plan = engine.plan();
            long expected = Math.max(plan.userMemoryBytes() / 2, MIB);
            assertEquals(expected, engine.stats().offHeapTableLimitBytes());
            assertEquals(expected, plan.offHeapTableBytes());
            assertTrue(plan.toString().contains("off-heap tables"), plan.toString());
        }
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA)
                .disk(dir.resolve("disk"), DataSize.ofMebibytes(64)).build()) {
            MemoryPlan plan = engine.plan();
            long user = plan.userMemoryBytes();
            assertEquals(Math.max(user / 2, MIB), plan.diskIndexBytes(), "the disk indexes' default is unchanged");
            assertEquals(Math.max((user - plan.diskIndexBytes()) / 2, MIB), engine.stats().offHeapTableLimitBytes(),
                    "a quarter of user memory beside a disk");
        }
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4)).build()) {
            assertEquals(0, engine.stats().offHeapTableLimitBytes());
            assertEquals(0, engine.plan().offHeapTableBytes());
            assertFalse(engine.plan().toString().contains("off-heap tables"), "no off-heap region, no row");
        }
    }

    @Test
    void aGivenLimitNeedsAnOffHeapRegionAndMustFitInUserMemoryBesideTheDiskIndexes() {
        IllegalArgumentException noRegion = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).offHeapTableMemory(DataSize.ofMebibytes(1)).build());
        assertEquals("offHeapTableMemory: 1 MiB without an off-heap region (expected: set with offHeap(size,"
                + " backend))", noRegion.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA)
                .offHeapTableMemory(DataSize.ZERO).build());
        assertTrue(zero.getMessage().startsWith("offHeapTableMemory: 0 B (expected: from 1 byte to the user memory"),
                zero.getMessage());
        long maxHeap = Runtime.getRuntime().maxMemory();
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA)
                .offHeapTableMemory(DataSize.ofBytes(maxHeap)).build());
        assertTrue(tooLarge.getMessage().contains("where the off-heap tiers' record tables live"),
                tooLarge.getMessage());
        long user;
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4)).build()) {
            user = engine.plan().userMemoryBytes();
        }
        long half = user / 2 + 1;
        IllegalArgumentException together = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA)
                .disk(dir, DataSize.ofMebibytes(1)).diskIndexMemory(DataSize.ofBytes(half))
                .offHeapTableMemory(DataSize.ofBytes(half)).build());
        assertTrue(together.getMessage().startsWith("offHeapTableMemory " + DataSize.format(half)
                + " + diskIndexMemory " + DataSize.format(half)), together.getMessage());
        assertTrue(together.getMessage().endsWith("(expected: at most the user memory " + DataSize.format(user)
                + ", where both live)"), together.getMessage());
        assertThrows(NullPointerException.class, () -> Engine.builder().offHeapTableMemory(null));
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA).disk(dir, DataSize.ofMebibytes(1))
                .offHeapTableMemory(DataSize.ofBytes(user - MIB)).build()) {
            assertEquals(user - MIB, engine.stats().offHeapTableLimitBytes());
            assertEquals(MIB, engine.stats().diskIndexLimitBytes(),
                    "the disk indexes' default takes half of what the tables leave, at least 1 MiB");
        }
    }

    /**
     * A cache of {@code Long} keys and values (32-byte records, whose slots take 16 to 36 bytes of heap) in a region
     * that could hold far more of them than a 1 MiB limit lets the tables index: the tables stay within the limit, the
     * tier stops taking pages and evicts instead, and every value it returns is right.
     */
    @Test
    void smallRecordsFarPastTheLimitKeepTheTablesWithinItAndTheTierRecycles() throws Exception {
        long emptyTables;                                  // a cache's first tables: more stripes on more processors
        try (Engine probe = Engine.builder().heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(1), OffHeapBackend.ARENA).build();
             Cache<Long, Long> cache = probe.newCache("probe", Codecs.int64(), Codecs.int64())
                     .tiers(Tier.OFF_HEAP).build()) {
            emptyTables = probe.stats().offHeapTableBytes();
        }
        long limit = MIB + 2 * emptyTables;
        try (Engine engine = Engine.builder().name("off-heap-tables-test").heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(32), OffHeapBackend.ARENA).pageSize(DataSize.ofKibibytes(16))
                .offHeapTableMemory(DataSize.ofBytes(limit)).build()) {
            Cache<Long, Long> cache = engine.newCache("ids", Codecs.int64(), Codecs.int64())
                    .tiers(Tier.OFF_HEAP).build();
            long keys = 400_000;                           // 12.8 MB of records: without the limit, 6-14 MiB of tables
            long mostTables = 0;
            for (long key = 0; key < keys; key++) {
                cache.put(key, key * 3);
                if (key % 1_000 == 0) {
                    mostTables = Math.max(mostTables, engine.stats().offHeapTableBytes());
                }
            }
            EngineStats stats = engine.stats();
            assertTrue(mostTables <= limit, "the tables took " + mostTables + " bytes at most");
            assertTrue(stats.offHeapTableBytes() > limit / 4, "the limit was used: " + stats.offHeapTableBytes());
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).evictions() > 0, cache.stats().toString());
            long pagesUsed = stats.allocators().getFirst().pagesUsed();
            assertTrue(pagesUsed * (16 << 10) < 8 * MIB, "the tier stopped taking pages: " + pagesUsed);
            long present = 0;
            for (long key = 0; key < keys; key++) {
                Long found = cache.get(key);
                if (found != null) {
                    assertEquals(key * 3, found, "key " + key);
                    present++;
                }
            }
            assertEquals(cache.size(), present);
            assertTrue(present > 10_000, present + " keys kept");

            EngineMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    new ObjectName("dev.strata:type=Engine,name=off-heap-tables-test"), EngineMXBean.class);
            assertEquals(limit, bean.getOffHeapTableLimitBytes());
            assertEquals(engine.stats().offHeapTableBytes(), bean.getOffHeapTableBytes());
            assertTrue(engine.plan().toString().contains("off-heap tables"), engine.plan().toString());
            cache.close();
            assertEquals(0, engine.stats().offHeapTableBytes(), "a closed cache's tables are given back");
        }
    }
}
