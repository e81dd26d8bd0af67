package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.memory.Page;
import org.junit.jupiter.api.Test;

/** The slot word's fields and the extent table's locations and ids. */
class SlotsAndExtentsTest {

    @Test
    void aSlotWordKeepsItsFieldsApart() {
        long location = (1L << 40) - 1;
        long slot = Slots.pack(0xCAFEBABE, 0x7FFF_FFFF, location);
        assertTrue(Slots.isRecord(slot));
        assertEquals(location, Slots.location(slot));
        assertEquals(Slots.LIFE_MASK, Slots.life(slot), "the life keeps its low bits");
        assertEquals(Slots.tagBits(0xCAFEBABE), Slots.tagOf(slot));
        assertFalse(Slots.isVisited(slot));
        assertTrue(Slots.isVisited(slot | Slots.VISITED));
        assertTrue(Slots.sameRecord(slot, slot | Slots.VISITED));
        assertFalse(Slots.sameRecord(slot, Slots.pack(0xCAFEBABE, 3, location)), "another life, another record");
        assertFalse(Slots.isRecord(Slots.EMPTY));
        assertFalse(Slots.isRecord(Slots.TOMBSTONE));
        assertEquals(0, Slots.location(Slots.pack(-1, 0, 0)));
    }

    @Test
    void locationsNameAnExtentAndAnAlignedOffset() {
        for (long pageSize : new long[] {4096, 64 << 20}) {
            ExtentTable table = new ExtentTable(pageSize, 100);
            try (RecordPages pages = new RecordPages()) {
                Extent extent = table.create(new Page[] {pages.allocator.allocate(this)});
                int offset = (int) pageSize - RecordLayout.ALIGNMENT;
                long location = table.location(extent, offset);
                assertSame(extent, table.extentAt(location));
                assertEquals(offset, table.offsetAt(location));
                assertTrue(location <= Slots.LOCATION_MASK);
                pages.allocator.free(extent.pages[0]);
            }
        }
    }

    @Test
    void aFreedIdIsReusedByAnExtentThatContinuesItsGeneration() {
        try (RecordPages pages = new RecordPages()) {
            ExtentTable table = pages.extents;
            Extent first = pages.newExtent();
            int life = first.life();
            first.seal();
            first.renew();
            table.release(first);
            Extent second = table.create(new Page[] {pages.allocator.allocate(this)});
            assertEquals(first.id, second.id);
            assertNotSame(first, second);
            assertEquals(life + 1, second.life(), "a slot of the first extent's life never validates");
            assertFalse(second.inLife(life & Slots.LIFE_MASK));
            pages.allocator.free(second.pages[0]);
        }
    }

    @Test
    void aRegionBeyondWhatLocationsCoverIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExtentTable(4096, 1L << 32));
        assertTrue(e.getMessage().startsWith("off-heap pages: 4294967296 of 4096 bytes"), e.getMessage());
    }
}
