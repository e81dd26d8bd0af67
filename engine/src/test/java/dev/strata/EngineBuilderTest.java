package dev.strata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EngineBuilderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2048, 3000, 4095, 65_537, 128L << 20})
    void pageSizeMustBeAPowerOfTwoFrom4KiBTo64MiB(long bytes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engine.builder().pageSize(DataSize.ofBytes(bytes)));
        assertTrue(e.getMessage().contains("pageSize") && e.getMessage().contains("power of two"), e.getMessage());
    }

    @Test
    void directBufferRegionAboveMaxDirectMemoryIsRefusedWithBothNumbers() {
        JvmLimits limits = new JvmLimits(1L << 30, 256L << 20, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.validate("t",
                MemoryManagerKind.UNIFIED, DataSize.ofMebibytes(64), DataSize.ofMebibytes(512),
                OffHeapBackend.DIRECT_BUFFER, DataSize.ofKibibytes(64), null, 0.5, null, DataSize.ZERO, null, null,
                null, true, limits));
        assertEquals("off-heap 512 MiB exceeds MaxDirectMemorySize 256 MiB for backend DIRECT_BUFFER", e.getMessage());
    }

    @Test
    void sizesThatReadTheSameInUnitsAlsoGiveTheirBytes() {
        JvmLimits limits = new JvmLimits(1L << 30, (128L << 20) - 4096, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.validate("t",
                MemoryManagerKind.UNIFIED, DataSize.ofMebibytes(64), DataSize.ofMebibytes(128),
                OffHeapBackend.DIRECT_BUFFER, DataSize.ofKibibytes(64), null, 0.5, null, DataSize.ZERO, null, null,
                null, true, limits));
        assertEquals("off-heap 128 MiB (134217728 bytes) exceeds MaxDirectMemorySize 128.0 MiB (134213632 bytes)"
                + " for backend DIRECT_BUFFER", e.getMessage());
    }

    @Test
    void arenaRegionIsNotBoundByMaxDirectMemory() {
        JvmLimits limits = new JvmLimits(1L << 30, 256L << 20, true);
        EngineConfig config = EngineConfig.validate("t", MemoryManagerKind.UNIFIED, DataSize.ofMebibytes(64),
                DataSize.ofMebibytes(512), OffHeapBackend.ARENA, DataSize.ofKibibytes(64), null, 0.5, null,
                DataSize.ZERO, null, null, null, true, limits);
        assertEquals(512L << 20, config.offHeapRegionBytes());
    }

    @Test
    void heapRegionTheHeapCannotGiveIsRefusedWithTheNumbers() {
        long maxHeap = Runtime.getRuntime().maxMemory();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engine.builder().heap(DataSize.ofBytes(maxHeap / 65536 * 65536)).build());
        assertTrue(e.getMessage().startsWith("heap region ") && e.getMessage().contains("exceeds what the heap can give"),
                e.getMessage());
    }

    @Test
    void regionsMustBeWholePages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(1)).offHeap(DataSize.ofKibibytes(100), OffHeapBackend.ARENA).build());
        assertTrue(e.getMessage().contains("not a multiple of the page size"), e.getMessage());
    }

    @Test
    void slabSizeMustBeAMultipleOfThePageSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(1)).slabSize(DataSize.ofKibibytes(96)).build());
        assertTrue(e.getMessage().startsWith("slabSize: 96 KiB"), e.getMessage());
    }

    @Test
    void storageFractionOutsideZeroToOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Engine.builder().storageFraction(1.0));
        assertThrows(IllegalArgumentException.class, () -> Engine.builder().storageFraction(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Engine.builder().storageFraction(Double.NaN));
    }

    @Test
    void nullArgumentsAreNamed() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> Engine.builder().heap(null));
        assertEquals("size", e.getMessage());
        e = assertThrows(NullPointerException.class,
                () -> Engine.builder().offHeap(DataSize.ofMebibytes(1), null));
        assertEquals("backend", e.getMessage());
        e = assertThrows(NullPointerException.class, () -> Engine.builder().disk(null, DataSize.ofMebibytes(1)));
        assertEquals("directory", e.getMessage());
    }

    @Test
    void diskNeedsAPositiveQuota() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engine.builder().heap(DataSize.ofMebibytes(1)).disk(dir, DataSize.ZERO).build());
        assertTrue(e.getMessage().startsWith("disk quota: 0 B"), e.getMessage());
    }

    @Test
    void defaultHeapRegionIsSixtyPercentOfTheUsableHeapInWholePages() {
        try (Engine engine = Engine.builder().build()) {
            long maxHeap = Runtime.getRuntime().maxMemory();
            long usable = maxHeap - Math.min(300L << 20, maxHeap / 4);
            long region = engine.stats().pool(MemoryMode.ON_HEAP).regionBytes();
            assertTrue(region <= usable * 0.6 && region > usable * 0.6 - (64 << 10), "region " + region);
            assertEquals(0, region % (64 << 10));
        }
    }
}
