package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Extent extent = Extent.logPage(allocator.allocate(this));
        extents.add(extent);
        return extent;
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
        Node<String, byte[]> node = new Node<>("k");
        assertNull(pages.offer(0, first, PAGE), "an empty stripe takes the page");
        assertEquals(OffHeapTier.NO_RESERVATION, pages.reserve(1, first, node, 100, PAGE), "not stripe 1's page");
        long reservation = pages.reserve(0, first, node, 100, PAGE);
        assertEquals(0, OffHeapTier.offset(reservation));
        assertEquals(100, OffHeapTier.offset(pages.reserve(0, first, node, PAGE - 100, PAGE)));
        assertEquals(OffHeapTier.NO_RESERVATION, pages.reserve(0, first, node, 1, PAGE), "full");
        assertEquals(2, first.pendingWrites.get(), "each reservation counts as a pending write");

        Extent roomier = newPage();
        assertSame(first, pages.offer(0, roomier, PAGE), "the fuller page is displaced, to be queued");
        assertSame(roomier, pages.page(0));
        Extent fuller = newPage();
        fuller.writeOffset = 10;
        assertSame(fuller, pages.offer(0, fuller, PAGE), "a page with less room is handed back");
        assertEquals(OffHeapTier.NO_RESERVATION, pages.reserve(0, first, node, 1, PAGE), "first left its slot");
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
     * entry, in offset order. A reservation after a page left its slot (where an evictor could own it) would break it.
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
            threads.add(Thread.ofPlatform().start(() -> {
                Node<String, byte[]> node = new Node<>("k");
                try {
                    start.await();
                    while (!stop.get()) {
                        int stripe = pages.stripe();
                        Extent page = pages.page(stripe);
                        if (page != null && pages.reserve(stripe, page, node, recordBytes, PAGE)
                                != OffHeapTier.NO_RESERVATION) {
                            OffHeapTier.written(page);
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
            assertEquals(limit, page.appended() * recordBytes, "every reserved byte is one entry's, none after");
            for (int i = 0; i < page.appended(); i++) {
                assertEquals(i * recordBytes, page.offsetAt(i), "entries back to back, in offset order");
            }
            assertEquals(0, page.pendingWrites.get(), "every write ended");
            reserved += page.appended();
        }
        assertTrue(reserved > 0, "the writers reserved nothing");
    }
}
