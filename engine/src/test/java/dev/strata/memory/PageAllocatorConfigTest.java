package dev.strata.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every bad configuration value is refused with a message naming the value and the rule. */
class PageAllocatorConfigTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;

    @Test
    void acceptsTheBoundaries() {
        new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, 4 * KIB, 0, true, false);
        new PageAllocatorConfig("a", SlabSourceKind.ARENA, 64 * MIB, 64 * MIB, 64 * MIB, true, false);
        new PageAllocatorConfig("a", SlabSourceKind.DIRECT_BUFFER, 64 * KIB, 2 * GIB - 64 * KIB, 4 * GIB, true, false);
        new PageAllocatorConfig("a", SlabSourceKind.HEAP, 4 * KIB, 8 * GIB, 8 * GIB, true, false);
        new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, 64 * GIB, 2048 * GIB, true, false);
        assertEquals(10, new PageAllocatorConfig("a", SlabSourceKind.HEAP, 4 * KIB, 4 * KIB, 40 * KIB, true, false).budgetPages());
    }

    @Test
    void refusesBadPageSizes() {
        for (long pageSize : new long[] {0, -4096, 2048, 3000, 4097, 128 * MIB, 6 * KIB}) {
            assertRefused("pageSize: " + pageSize + " (expected: a power of two from 4 KiB to 64 MiB)",
                    () -> new PageAllocatorConfig("a", SlabSourceKind.ARENA, pageSize, 128 * MIB, 128 * MIB, true, false));
        }
    }

    @Test
    void refusesBadSlabSizes() {
        assertRefused("slabSize: 0 (expected: a positive multiple of pageSize 4096)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, 0, 4 * KIB, true, false));
        assertRefused("slabSize: 6144 (expected: a positive multiple of pageSize 4096)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, 6 * KIB, 4 * KIB, true, false));
        assertRefused("slabSize: 2147483648 (expected: at most 2147483647 bytes for DIRECT_BUFFER)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.DIRECT_BUFFER, 4 * KIB, 2 * GIB, 4 * GIB, true, false));
        assertRefused("slabSize: 8589938688 (expected: at most 8589934592 bytes for HEAP)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.HEAP, 4 * KIB, 8 * GIB + 4 * KIB, 16 * GIB, true, false));
    }

    @Test
    void refusesBadBudgets() {
        assertRefused("budgetBytes: -4096 (expected: 0 or more, a multiple of pageSize 4096)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, 4 * KIB, -4 * KIB, true, false));
        assertRefused("budgetBytes: 5000 (expected: 0 or more, a multiple of pageSize 4096)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, 4 * KIB, 5000, true, false));
        assertRefused("budgetBytes: 2199023259648 (expected: at most 2^29 pages of 4096 bytes)",
                () -> new PageAllocatorConfig("a", SlabSourceKind.ARENA, 4 * KIB, GIB, 2048 * GIB + 4 * KIB, true, false));
    }

    @Test
    void refusesMissingNamesAndSources() {
        assertRefused("name: '  ' (expected: not blank)",
                () -> new PageAllocatorConfig("  ", SlabSourceKind.ARENA, 4 * KIB, 4 * KIB, 0, true, false));
        assertEquals("name", assertThrows(NullPointerException.class,
                () -> new PageAllocatorConfig(null, SlabSourceKind.ARENA, 4 * KIB, 4 * KIB, 0, true, false)).getMessage());
        assertEquals("source", assertThrows(NullPointerException.class,
                () -> new PageAllocatorConfig("a", null, 4 * KIB, 4 * KIB, 0, true, false)).getMessage());
    }

    private static void assertRefused(String expectedMessage, Executable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction, expectedMessage);
        assertEquals(expectedMessage, e.getMessage());
        assertTrue(e.getMessage().contains("expected:"));
    }
}
