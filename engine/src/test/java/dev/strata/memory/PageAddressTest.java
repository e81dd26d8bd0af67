package dev.strata.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Page addresses round-trip, order like (page, offset) and refuse values that do not fit. */
class PageAddressTest {

    @Test
    void roundTripsTheExtremes() {
        int[] pages = {0, 1, 12345, Integer.MAX_VALUE};
        long[] offsets = {0, 1, 4095, PageAddress.MAX_OFFSET - 1, PageAddress.MAX_OFFSET};
        for (int page : pages) {
            for (long offset : offsets) {
                long address = PageAddress.encode(page, offset);
                assertTrue(address >= 0);
                assertEquals(page, PageAddress.pageNumber(address));
                assertEquals(offset, PageAddress.offset(address));
            }
        }
    }

    @Test
    void addsOffsetsAndOrdersByPageThenOffset() {
        assertEquals(PageAddress.encode(7, 100), PageAddress.encode(7, 0) + 100);
        assertTrue(PageAddress.encode(7, PageAddress.MAX_OFFSET) < PageAddress.encode(8, 0));
        assertEquals("page 7 + 100", PageAddress.toString(PageAddress.encode(7, 100)));
    }

    @Test
    void refusesValuesThatDoNotFit() {
        assertEquals("pageNumber: -1 (expected: >= 0)",
                assertThrows(IllegalArgumentException.class, () -> PageAddress.encode(-1, 0)).getMessage());
        assertEquals("offset: -1 (expected: 0 to 67108864)",
                assertThrows(IllegalArgumentException.class, () -> PageAddress.encode(0, -1)).getMessage());
        assertEquals("offset: 67108865 (expected: 0 to 67108864)",
                assertThrows(IllegalArgumentException.class, () -> PageAddress.encode(0, PageAddress.MAX_OFFSET + 1)).getMessage());
    }
}
