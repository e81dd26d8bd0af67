package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WritePages}: a reservation lands only in the page its stripe holds, within its room, never overlapping
 * another, and never in a page after it left its slot; offers keep the page with more room.
 */
class WritePagesTest {

    private static final int PAGE = 4096;

    private final PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig(
            "write-pages-" + System.nanoTime(), SlabSourceKind.ARENA, PAGE, 256 * PAGE, 256 * PAGE, true, false));
    private final List<Extent> extents = new ArrayList<>();

    @AfterEach
    void freePages() {
        for (Extent extent : extents) {
            for (var page : extent.pages) {
                allocator.free(page);
            }
        }
        allocator.close();
    }

    private Extent newPage() {
        Extent extent = new Extent(extents.size(), 0, new Page[] {allocator.allocate(this)});
        extents.add(extent);
        return extent;
    }

    /** Writes {@code 0x5A} over a record's key and value: enough to see each append wrote its own bytes. */
    private static final OffHeapTier.Encoder FILL = (key, value, extent, keyOffset, keyLength) ->
            extent.segment.asSlice(keyOffset, keyLength + (int) value).fill((byte) 0x5A);

    /** Appends a record of {@code recordBytes} (key 4 bytes, the rest value) for key hash {@code hash}. */
    private static long reserve(WritePages pages, int stripe, Extent page, int recordBytes, int hash) {
        int valueLength = recordBytes - RecordLayout.HEADER_BYTES - 4;
        return pages.append(stripe, page, recordBytes, PAGE, hash, 4, valueLength, FILL, null, valueLength);
    }

    @Test
    void stripeCountsArePowersOfTwoAndBadOnesAreRefused() {
        assertEquals(4, WritePages.stripesFor(1));
        assertEquals(8, WritePages.stripesFor(2));
        assertEquals(16, WritePages.stripesFor(3));
        assertEquals(64, WritePages.stripesFor(1000));
        for (int bad : new int[] {0, 3, 128}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WritePages(bad));
            assertTrue(e.getMessage().startsWith("stripes: " + bad + " "), e.getMessage());
        }
    }

    @Test
    void aReservationNeedsTheStripesPageAndRoomInIt() {
        WritePages pages = new WritePages(2);
        Extent first = newPage();
        assertNull(pages.offer(0, first, PAGE), "an empty stripe takes the page");
        assertEquals(OffHeapTier.NO_RESERVATION, reserve(pages, 1, first, 104, 1), "not stripe 1's page");
        long reservation = reserve(pages, 0, first, 104, 1);
        assertEquals(0, OffHeapTier.offset(reservation));
        assertEquals(104, OffHeapTier.offset(reserve(pages, 0, first, PAGE - 104, 2)));
        assertEquals(OffHeapTier.NO_RESERVATION, reserve(pages, 0, first, 24, 3), "full");
        assertEquals(2, RecordLayout.hash(first.segment, 104), "the header is written with the record");
        assertEquals((byte) 0x5A, first.segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, PAGE - 1),
                "key and value written under the page's monitor");
        assertEquals(PAGE - 104 - RecordLayout.HEADER_BYTES - 4, RecordLayout.valueLength(first.segment, 104));

        Extent roomier = newPage();
        assertSame(first, pages.offer(0, roomier, PAGE), "the fuller page is displaced, to be queued");
        assertSame(roomier, pages.page(0));
        Extent fuller = newPage();
        fuller.writeOffset = 10;
        assertSame(fuller, pages.offer(0, fuller, PAGE), "a page with less room is handed back");
        assertEquals(OffHeapTier.NO_RESERVATION, reserve(pages, 0, first, 24, 4), "first left its slot");
    }

    @Test
    void takeAnyPrefersTheCallersStripeAndTakeAllEmptiesEveryStripe() {
        WritePages pages = new WritePages(4);
        int own = pages.stripe();
        int other = (own + 1) & 3;
        Extent mine = newPage();
        Extent theirs = newPage();
        pages.offer(other, theirs, PAGE);
        pages.offer(own, mine, PAGE);
        assertSame(mine, pages.takeAny());
        assertNull(pages.page(own));
        assertEquals(List.of(theirs), pages.takeAll());
        assertTrue(pages.isEmpty());
        assertNull(pages.takeAny());
    }

    /**
     * Three writers reserve 24-byte records on two stripes while a thief keeps offering fresh pages (displacing the
     * stripes' pages) and taking pages out of their slots. A page that left its slot is never offered again, and its
     * write offset then is its limit: every reservation must lie below it, and every reserved byte must belong to one
     * record whose header the reservation wrote, back to back. A reservation after a page left its slot (where an
     * evictor could own it) would break it.
     */
    @Test
    void noReservationLandsInAPageAfterItLeftItsSlot() throws Exception {
        int writers = 3;
        int recordBytes = 24;
        WritePages pages = new WritePages(2);
        Map<Extent, Integer> limits = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(writers + 1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int hash = 1000 + w;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    while (!stop.get()) {
                        int stripe = pages.stripe();
                        Extent page = pages.page(stripe);
                        if (page != null) {
                            reserve(pages, stripe, page, recordBytes, hash);
                        }
                        Thread.onSpinWait();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        start.await();
        for (int round = 0; round < 200; round++) {
            Extent leftOver = pages.offer(round & 1, newPage(), PAGE);
            if (leftOver != null) {
                limits.put(leftOver, leftOver.writeOffset);   // out of its slot: its offset can no longer move
            }
            if (round % 3 == 0) {
                Extent taken = pages.takeAny();
                if (taken != null) {
                    limits.put(taken, taken.writeOffset);
                }
            }
            Thread.yield();
        }
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        assertNull(failure.get());
        for (Extent page : pages.takeAll()) {
            limits.put(page, page.writeOffset);
        }
        int reserved = 0;
        for (Extent page : extents) {
            int limit = limits.get(page);
            assertEquals(limit, page.writeOffset, "no reservation after the page left its slot");
            for (int offset = 0; offset < limit; offset += recordBytes) {
                assertTrue(RecordLayout.hash(page.segment, offset) >= 1000, "a header at every record, " + offset);
                assertEquals(recordBytes, RecordLayout.alignedBytes(RecordLayout.keyLength(page.segment, offset),
                        RecordLayout.valueLength(page.segment, offset)), "records back to back");
                assertEquals((byte) 0x5A, page.segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                        offset + recordBytes - 1), "every record written whole before its page left the slot");
                reserved++;
            }
        }
        assertTrue(reserved > 0, "the writers reserved nothing");
    }
}
