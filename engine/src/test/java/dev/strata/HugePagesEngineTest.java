package dev.strata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.memory.hugepage.HugePageSlabSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An engine whose off-heap region lives on huge pages, through the public entry points. Runs in the build's
 * {@code huge-pages} test run ({@code --enable-native-access=ALL-UNNAMED}); see
 * {@link HugePagesWithoutNativeAccessTest} for the default run.
 */
class HugePagesEngineTest {

    @BeforeAll
    static void needsHugePages() {
        assertEquals("", HugePageSlabSource.unavailableReason().orElse(""),
                "this test run must be able to map huge-page slabs (it runs with native access, on Linux)");
    }

    @Test
    void anOffHeapCacheOnHugePagesKeepsEveryValueAndItsRegionDiesWithTheEngine() {
        Engine engine = Engine.builder()
                .heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ofMebibytes(16), OffHeapBackend.HUGE_PAGES)
                .build();
        Cache<String, byte[]> cache = engine.newCache("huge", Codecs.utf8(), Codecs.bytes())
                .tiers(Tier.OFF_HEAP)
                .build();
        int entries = 20_000;                          // about 10 MB of values: most of the region
        for (int i = 0; i < entries; i++) {
            cache.put("k" + i, value(i));
        }
        int held = 0;
        for (int i = 0; i < entries; i++) {
            byte[] found = cache.get("k" + i);
            if (found != null) {
                assertArrayEquals(value(i), found, "k" + i);
                held++;
            }
        }
        assertEquals(cache.size(Tier.OFF_HEAP), held);
        assertTrue(held > entries / 2, "held " + held);
        EngineStats.Allocator allocator = engine.stats().allocators().stream()
                .filter(a -> a.backend().equals("HUGE_PAGES")).findFirst().orElseThrow();
        assertEquals(DataSize.ofMebibytes(16).bytes(), allocator.budgetBytes(), allocator.toString());
        assertTrue(allocator.pagesUsed() > 0, allocator.toString());
        long onHugePages = engine.offHeapHugePageBytes();
        assertTrue(onHugePages >= HugePageSlabSource.HUGE_PAGE_BYTES && onHugePages <= allocator.bytesReserved(),
                "the filled region is partly on huge pages, the slabs at most: " + onHugePages + " of "
                        + allocator.bytesReserved());
        assertEquals(0, onHugePages % HugePageSlabSource.HUGE_PAGE_BYTES, "whole huge pages: " + onHugePages);

        engine.close();
        assertThrows(IllegalStateException.class, engine::offHeapHugePageBytes);
        assertThrows(IllegalStateException.class, () -> cache.get("k0"));
    }

    private static byte[] value(int i) {
        byte[] value = new byte[500 + i % 100];
        for (int j = 0; j < value.length; j++) {
            value[j] = (byte) (i * 31 + j);
        }
        return value;
    }
}
