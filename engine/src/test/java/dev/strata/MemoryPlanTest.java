package dev.strata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.manager.MemoryManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {

    private static final long MIB = 1L << 20;

    private static void assertContains(String text, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(text.contains(fragment), () -> "missing '" + fragment + "' in\n" + text);
        }
    }

    @Test
    void issueExampleFourGibHeapTwoGibOffHeapOneGibPython() {
        MemoryPlan plan = MemoryPlan.builder()
                .jvmHeap(DataSize.ofGibibytes(4))
                .offHeap(DataSize.ofGibibytes(2))
                .externalProcesses(DataSize.ofGibibytes(1))
                .build();
        long overhead = 4096 * MIB / 10;                      // 409.6 MiB, truncated to a whole byte
        assertEquals(429_496_729L, overhead);
        assertEquals(overhead, plan.overheadBytes());
        assertEquals(4096 * MIB + overhead + 2048 * MIB + 1024 * MIB, plan.containerBytes());
        assertEquals(300 * MIB, plan.reservedBytes());
        long region = (long) Math.floor((4096 - 300) * MIB * 0.6);   // Spark: 2277.6 MiB
        assertEquals(region, plan.heapRegionBytes());
        assertEquals(4096 * MIB - 300 * MIB - region, plan.userMemoryBytes());
        assertEquals(region / 2, plan.onHeapStorageBytes());
        assertEquals(region - region / 2, plan.onHeapExecutionBytes());
        assertEquals(1024 * MIB, plan.offHeapStorageBytes());
        assertEquals(1024 * MIB, plan.protectedStorageBytes(MemoryMode.OFF_HEAP));
        assertEquals(plan.onHeapStorageBytes(), plan.protectedStorageBytes(MemoryMode.ON_HEAP));
        assertEquals(plan.userMemoryBytes() / 2, plan.offHeapTableBytes(), "no disk: half of user memory");

        String table = plan.toString();
        assertContains(table, "UNIFIED", "JVM heap", "4 GiB", "reserved", "300 MiB", "user memory", "heap region M",
                "storage (R)", "execution", "off-heap region", "2 GiB", "overhead", "409.6 MiB", "external processes",
                "1 GiB", "container", "7.4 GiB", "7577.6 MiB (7945689497 bytes)", "Python",
                "share: of the enclosing section", "off-heap tables");
        List<String> lines = table.lines().toList();
        assertEquals(16, lines.size(), table);                 // title, header, 13 rows, legend
        int sizeColumnEnd = lines.get(1).indexOf("size") + "size".length();
        for (String line : lines.subList(2, 15)) {
            assertEquals(' ', line.charAt(sizeColumnEnd), () -> "sizes right-aligned in one column:\n" + table);
        }
    }

    @Test
    void defaultsAndReservedRule() {
        assertEquals(300 * MIB, MemoryPlan.reservedHeap(4096 * MIB));
        assertEquals(64 * MIB, MemoryPlan.reservedHeap(256 * MIB));
        assertEquals(0, MemoryPlan.reservedHeap(0));
        MemoryPlan small = MemoryPlan.builder().jvmHeap(DataSize.ofMebibytes(256)).build();
        assertEquals(384 * MIB, small.overheadBytes(), "the 384 MiB floor");
        assertEquals((long) Math.floor(192 * MIB * 0.6), small.heapRegionBytes());
        assertEquals(0, small.offHeapBytes());
        assertEquals(256 * MIB + 384 * MIB, small.containerBytes());
        assertEquals(MemoryManagerKind.UNIFIED, small.memoryManager());
        assertEquals(0.5, small.storageFraction());
    }

    @Test
    void explicitSettingsAndStaticManager() {
        MemoryPlan plan = MemoryPlan.builder().jvmHeap(DataSize.ofGibibytes(1)).heapRegion(DataSize.ofMebibytes(500))
                .offHeap(DataSize.ofMebibytes(100)).storageFraction(0.3).memoryManager(MemoryManagerKind.STATIC)
                .overhead(DataSize.ofMebibytes(200)).build();
        assertEquals(500 * MIB, plan.heapRegionBytes());
        assertEquals(MemoryManager.protectedStorageBytes(500 * MIB, 0.3), plan.onHeapStorageBytes());
        assertEquals(1024 * MIB + 200 * MIB + 100 * MIB, plan.containerBytes());
        assertContains(plan.toString(), "STATIC", "fixed");
    }

    @Test
    void liveStatesAddPoolUsedAndBorrowedColumns() throws InterruptedException {
        MemoryPlan.Builder builder = MemoryPlan.builder().jvmHeap(DataSize.ofGibibytes(1)).heapRegion(DataSize.ofMebibytes(400))
                .offHeap(DataSize.ofMebibytes(100));
        MemoryManager manager = MemoryManager.create(MemoryManagerKind.UNIFIED, 400 * MIB, 100 * MIB, 0.5);
        assertTrue(manager.acquireStorageMemory(300 * MIB, MemoryMode.ON_HEAP));     // borrows 100 MiB
        assertEquals(10 * MIB, manager.acquireExecutionMemory(10 * MIB, 1, MemoryMode.OFF_HEAP));
        String table = builder.live(manager.state(MemoryMode.ON_HEAP), manager.state(MemoryMode.OFF_HEAP)).build().toString();
        assertContains(table, "pool now", "used", "borrowed");
        String storageRow = table.lines().filter(l -> l.contains("storage (R)")).findFirst().orElseThrow();
        assertContains(storageRow, "200 MiB", "300 MiB", "100 MiB");
        String offHeapExecution = table.lines().filter(l -> l.startsWith("    execution")).skip(1).findFirst().orElseThrow();
        assertContains(offHeapExecution, "50 MiB", "10 MiB", "0 B");
        assertThrows(IllegalArgumentException.class,
                () -> MemoryPlan.builder().jvmHeap(DataSize.ofGibibytes(1)).live(manager.state(MemoryMode.ON_HEAP),
                        manager.state(MemoryMode.OFF_HEAP)).build(), "live regions must match the plan");
    }

    @Test
    void badInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryPlan.builder()
                .jvmHeap(DataSize.ofGibibytes(1)).heapRegion(DataSize.ofMebibytes(800)).build());
        assertContains(e.getMessage(), "heap region 800 MiB", "768 MiB", "jvmHeap 1 GiB", "256 MiB reserved");
        assertThrows(IllegalStateException.class, () -> MemoryPlan.builder().build());
        assertThrows(IllegalArgumentException.class, () -> MemoryPlan.builder().jvmHeap(DataSize.ZERO));
        assertContains(assertThrows(IllegalArgumentException.class, () -> MemoryPlan.builder().storageFraction(1)).getMessage(),
                "storageFraction: 1.0");
        assertThrows(IllegalArgumentException.class, () -> MemoryPlan.reservedHeap(-1));
        assertEquals("size", assertThrows(NullPointerException.class, () -> MemoryPlan.builder().offHeap(null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemoryPlan.builder().jvmHeap(DataSize.ofBytes(Long.MAX_VALUE / 2))
                .offHeap(DataSize.ofBytes(Long.MAX_VALUE / 2)).externalProcesses(DataSize.ofGibibytes(1)).build());
    }

    @Test
    void offHeapTablesTakeHalfOfWhatTheDiskIndexesLeaveUnlessGiven() {
        MemoryPlan besideDisk = MemoryPlan.builder().jvmHeap(DataSize.ofGibibytes(4)).offHeap(DataSize.ofGibibytes(2))
                .diskIndex(DataSize.ofMebibytes(512)).build();
        assertEquals((besideDisk.userMemoryBytes() - 512 * MIB) / 2, besideDisk.offHeapTableBytes());
        MemoryPlan given = MemoryPlan.builder().jvmHeap(DataSize.ofGibibytes(4)).offHeap(DataSize.ofGibibytes(2))
                .offHeapTables(DataSize.ofMebibytes(64)).build();
        assertEquals(64 * MIB, given.offHeapTableBytes());
        assertContains(given.toString(), "off-heap tables", "64 MiB", "past half of this the tiers take no more pages");
        MemoryPlan tiny = MemoryPlan.builder().jvmHeap(DataSize.ofMebibytes(16)).heapRegion(DataSize.ofMebibytes(12))
                .offHeap(DataSize.ofMebibytes(64)).build();
        assertEquals(MIB, tiny.offHeapTableBytes(), "at least 1 MiB");
        assertEquals(0, MemoryPlan.builder().jvmHeap(DataSize.ofGibibytes(4)).build().offHeapTableBytes(),
                "no off-heap region, no tables");
        assertEquals("size", assertThrows(NullPointerException.class, () -> MemoryPlan.builder().offHeapTables(null))
                .getMessage());
    }
}
