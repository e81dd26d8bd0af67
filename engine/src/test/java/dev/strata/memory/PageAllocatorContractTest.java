package dev.strata.memory;

import static dev.strata.memory.AllocatorFixtures.BUDGET;
import static dev.strata.memory.AllocatorFixtures.PAGE;
import static dev.strata.memory.AllocatorFixtures.assertBalanced;
import static dev.strata.memory.AllocatorFixtures.assumeAvailable;
import static dev.strata.memory.AllocatorFixtures.config;
import static dev.strata.memory.AllocatorFixtures.small;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryMode;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The page-allocator contract, run over every slab source. */
class PageAllocatorContractTest {

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void takesSlabsLazilyAndRefusesOnceTheBudgetIsUsedUp(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "budget-" + kind)) {
            assertBalanced(allocator, 0);
            assertEquals(0, allocator.stats().slabs(), "no slab before the first allocation");
            List<Page> pages = new ArrayList<>();
            int[] slabsAfter = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3};
            for (int n = 1; n <= 10; n++) {
                pages.add(allocator.allocate("owner"));
                assertBalanced(allocator, n);
                assertEquals(slabsAfter[n - 1], allocator.stats().slabs(), "slabs after " + n + " pages");
            }
            assertEquals(BUDGET, allocator.stats().bytesReserved(), "the smaller last slab makes the whole budget usable");

            MemoryBudgetExceededException refused = assertThrows(MemoryBudgetExceededException.class,
                    () -> allocator.allocate("one too many"));
            assertEquals(PAGE, refused.requestedBytes());
            assertEquals(0, refused.availableBytes());
            assertTrue(refused.getMessage().contains(String.valueOf(BUDGET)), refused.getMessage());
            assertNull(allocator.tryAllocate("one too many"));
            assertBalanced(allocator, 10);

            pages.forEach(allocator::free);
            assertBalanced(allocator, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void freedPagesAreReusedThroughNewHandlesWithoutNewSlabs(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "reuse-" + kind)) {
            List<Page> pages = new ArrayList<>();
            for (int n = 0; n < 10; n++) {
                pages.add(allocator.allocate("first"));
            }
            Page old = pages.remove(3);
            allocator.free(old);
            assertBalanced(allocator, 9);
            Page again = allocator.allocate("second");
            assertEquals(old.pageNumber(), again.pageNumber(), "the only free page is handed out");
            assertNotSame(old, again);
            assertTrue(old.isFreed());
            assertFalse(again.isFreed());
            assertEquals("second", again.owner());
            assertThrows(IllegalStateException.class, old::segment, "an old handle stays freed after reuse");
            assertEquals(3, allocator.stats().slabs());
            pages.add(again);
            pages.forEach(allocator::free);
            assertBalanced(allocator, 0);
            for (int n = 0; n < 10; n++) {
                pages.set(n % 9, allocator.allocate("third"));
                allocator.free(pages.get(n % 9));
            }
            assertEquals(3, allocator.stats().slabs(), "reuse takes no new slab");
            assertBalanced(allocator, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void distinctPagesNeverOverlap(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "overlap-" + kind)) {
            List<Page> pages = new ArrayList<>();
            Set<Integer> numbers = new HashSet<>();
            for (int n = 0; n < 10; n++) {
                Page page = allocator.allocate("owner");
                assertTrue(numbers.add(page.pageNumber()), "page number handed out twice: " + page);
                assertEquals(PAGE, page.byteSize());
                assertEquals(PAGE, page.segment().byteSize());
                assertEquals(PageAddress.encode(page.pageNumber(), 0), page.address());
                pages.add(page);
            }
            for (Page page : pages) {
                for (long offset = 0; offset < PAGE; offset += Long.BYTES) {
                    page.putLong(offset, pattern(page, offset));
                }
            }
            for (Page page : pages) {
                for (long offset = 0; offset < PAGE; offset += Long.BYTES) {
                    assertEquals(pattern(page, offset), page.getLong(offset), "page " + page + " offset " + offset);
                }
            }
            pages.forEach(allocator::free);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void handsOutEveryPageOfLargeSlabsExactlyOnce(SlabSourceKind kind) {
        assumeAvailable(kind);
        int pagesPerSlab = 100;
        try (PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("large-" + kind, kind, PAGE,
                pagesPerSlab * PAGE, 2 * pagesPerSlab * PAGE, true, false))) {
            List<Page> pages = new ArrayList<>();
            Set<Integer> numbers = new HashSet<>();
            for (Page page = allocator.tryAllocate("owner"); page != null; page = allocator.tryAllocate("owner")) {
                assertTrue(numbers.add(page.pageNumber()), "page number handed out twice: " + page);
                pages.add(page);
            }
            assertEquals(2 * pagesPerSlab, pages.size());
            Set<Integer> expected = new HashSet<>();
            for (int i = 0; i < pagesPerSlab; i++) {
                expected.add(i);
                expected.add(128 + i);   // slab 1 starts at 1 << slabShift, the pages per slab rounded up to 128
            }
            assertEquals(expected, numbers);
            assertBalanced(allocator, pages.size());
            pages.forEach(allocator::free);
            assertBalanced(allocator, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void accessorsReadAndWriteThePage(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "access-" + kind); Arena arena = Arena.ofConfined()) {
            Page page = allocator.allocate("owner");
            page.putInt(PAGE - 4, 0x1234_5678);
            assertEquals(0x1234_5678, page.getInt(PAGE - 4));
            page.putLong(3, -7L);
            assertEquals(-7L, page.getLong(3), "unaligned access works");
            MemorySegment outside = arena.allocate(16);
            outside.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 42L);
            page.copyFrom(outside, 8, 100, 8);
            assertEquals(42L, page.getLong(100));
            MemorySegment back = arena.allocate(8);
            page.copyTo(100, back, 0, 8);
            assertEquals(42L, back.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> page.getLong(PAGE - 4));
            assertThrows(IndexOutOfBoundsException.class, () -> page.putInt(-1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> page.copyTo(PAGE - 4, back, 0, 8));
            assertEquals(kind == SlabSourceKind.HEAP ? MemoryMode.ON_HEAP : MemoryMode.OFF_HEAP, allocator.mode());
            assertEquals(kind != SlabSourceKind.HEAP, page.segment().isNative());
            allocator.free(page);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void segmentByAddressResolvesOnlyAllocatedPages(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "address-" + kind)) {
            Page page = allocator.allocate("owner");
            page.putLong(64, 99L);
            MemorySegment resolved = allocator.segment(page.address());
            assertEquals(page.segment(), resolved);
            assertEquals(99L, allocator.segment(PageAddress.encode(page.pageNumber(), 64)).get(ValueLayout.JAVA_LONG_UNALIGNED, 64));
            Page other = allocator.allocate("owner");
            long freeInTakenSlab = PageAddress.encode(other.pageNumber() + 1, 0);
            long inUntakenSlab = PageAddress.encode(1 << 20, 0);
            assertThrows(IllegalStateException.class, () -> allocator.segment(freeInTakenSlab));
            assertThrows(IllegalStateException.class, () -> allocator.segment(inUntakenSlab));
            assertThrows(IllegalStateException.class, () -> allocator.segment(-1L));
            allocator.free(page);
            allocator.free(other);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void everyAccessThroughAFreedHandleThrows(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "freed-" + kind); Arena arena = Arena.ofConfined()) {
            Page page = allocator.allocate("owner");
            long address = page.address();
            allocator.free(page);
            Page reused = allocator.allocate("next owner");
            assertEquals(page.pageNumber(), reused.pageNumber());
            reused.putLong(0, 0x5EC12E7L);
            MemorySegment scratch = arena.allocate(PAGE);
            Map<String, Executable> accesses = Map.of(
                    "segment", page::segment,
                    "getLong", () -> page.getLong(0),
                    "putLong", () -> page.putLong(0, 1L),
                    "getInt", () -> page.getInt(0),
                    "putInt", () -> page.putInt(0, 1),
                    "copyFrom", () -> page.copyFrom(scratch, 0, 0, 8),
                    "copyTo", () -> page.copyTo(0, scratch, 0, 8));
            accesses.forEach((name, access) -> assertThrows(IllegalStateException.class, access, name));
            assertEquals(0x5EC12E7L, reused.getLong(0), "the freed handle changed nothing");
            assertEquals(0, scratch.get(ValueLayout.JAVA_LONG, 0), "the freed handle copied nothing out");
            assertTrue(page.isFreed());
            allocator.free(reused);
            assertThrows(IllegalStateException.class, () -> allocator.segment(address));
            assertBalanced(allocator, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void doubleFreeAndForeignPagesThrowWithoutHarm(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "double-" + kind); PageAllocator other = small(kind, "other-" + kind)) {
            Page page = allocator.allocate("owner");
            allocator.free(page);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> allocator.free(page));
            assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
            Page again = allocator.allocate("owner");
            assertThrows(IllegalStateException.class, () -> allocator.free(page), "stale handle of a reused page");
            assertFalse(again.isFreed());

            Page foreign = other.allocate("owner");
            IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> allocator.free(foreign));
            assertTrue(wrong.getMessage().contains("other-" + kind), wrong.getMessage());
            assertFalse(foreign.isFreed());
            assertBalanced(allocator, 1);
            assertBalanced(other, 1);
            allocator.free(again);
            other.free(foreign);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void strictCloseWithOutstandingPagesReleasesEverythingThenThrows(SlabSourceKind kind) {
        PageAllocator allocator = PageAllocator.create(config(kind, "leaky-" + kind, true));
        Page first = allocator.allocate("sorter");
        allocator.allocate("sorter");
        allocator.allocate("tier");
        allocator.free(first);
        IllegalStateException leak = assertThrows(IllegalStateException.class, allocator::close);
        assertTrue(leak.getMessage().contains("2 pages (8192 bytes)"), leak.getMessage());
        assertTrue(leak.getMessage().contains("sorter x1") && leak.getMessage().contains("tier x1"), leak.getMessage());
        PageAllocatorStats stats = allocator.stats();
        assertEquals(0, stats.slabs());
        assertEquals(0, stats.bytesReserved());
        assertEquals(0, stats.pagesUsed());
        allocator.close();   // a second close does nothing
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void lenientCloseWithOutstandingPagesLogsAWarning(SlabSourceKind kind) throws ReflectiveOperationException {
        String log = capturedLog(() -> {
            PageAllocator allocator = PageAllocator.create(config(kind, "lenient-" + kind, false));
            Page page = allocator.allocate("cache entry");
            allocator.close();
            assertTrue(page.isFreed(), "close frees outstanding handles");
            assertThrows(IllegalStateException.class, page::segment);
            assertEquals(0, allocator.stats().bytesReserved());
        });
        assertTrue(log.contains("WARNING") && log.contains("lenient-" + kind + "' closed with 1 pages (4096 bytes)")
                && log.contains("cache entry x1"), () -> "warning logged: " + log);
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void everyCallAfterCloseThrows(SlabSourceKind kind) {
        PageAllocator allocator = small(kind, "closed-" + kind);
        Page page = allocator.allocate("owner");
        long address = page.address();
        allocator.free(page);
        allocator.close();
        assertThrows(IllegalStateException.class, () -> allocator.allocate("owner"));
        assertThrows(IllegalStateException.class, () -> allocator.tryAllocate("owner"));
        assertThrows(IllegalStateException.class, () -> allocator.free(page));
        assertThrows(IllegalStateException.class, () -> allocator.segment(address));
        assertEquals(0, allocator.stats().pagesTotal());
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void nullArgumentsAreNamed(SlabSourceKind kind) {
        try (PageAllocator allocator = small(kind, "nulls-" + kind)) {
            assertEquals("owner", assertThrows(NullPointerException.class, () -> allocator.allocate(null)).getMessage());
            assertEquals("owner", assertThrows(NullPointerException.class, () -> allocator.tryAllocate(null)).getMessage());
            assertEquals("page", assertThrows(NullPointerException.class, () -> allocator.free(null)).getMessage());
            assertEquals("config", assertThrows(NullPointerException.class, () -> PageAllocator.create(null)).getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void aZeroBudgetRefusesEveryPage(SlabSourceKind kind) {
        assumeAvailable(kind);
        try (PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("zero-" + kind, kind, PAGE, PAGE, 0, true, false))) {
            assertNull(allocator.tryAllocate("owner"));
            assertThrows(MemoryBudgetExceededException.class, () -> allocator.allocate("owner"));
            assertBalanced(allocator, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void preTouchedAndLargeSlabsWork(SlabSourceKind kind) {
        assumeAvailable(kind);
        long page = 64 * 1024;
        try (PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("touched-" + kind, kind, page, 3 * page, 8 * page, true, true))) {
            List<Page> pages = new ArrayList<>();
            for (int n = 0; n < 8; n++) {
                Page p = allocator.allocate("owner");
                p.putLong(page - 8, n);
                pages.add(p);
            }
            assertEquals(3, allocator.stats().slabs(), "3 + 3 + 2 pages");
            for (int n = 0; n < 8; n++) {
                assertEquals(n, pages.get(n).getLong(page - 8));
            }
            pages.forEach(allocator::free);
            assertBalanced(allocator, 0);
        }
    }

    private static long pattern(Page page, long offset) {
        return (long) page.pageNumber() << 32 ^ offset * 0x9E37_79B9L;
    }

    /**
     * Runs {@code action} and returns what it logged through the allocator's {@link System.Logger} (the JDK's default
     * backend, java.util.logging). Reflection, because the tests are compiled into the engine module, which does not
     * read java.logging; at run time they are on the class path.
     */
    static String capturedLog(Runnable action) throws ReflectiveOperationException {
        Class<?> formatterType = Class.forName("java.util.logging.Formatter");
        Class<?> handlerType = Class.forName("java.util.logging.Handler");
        Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object handler = Class.forName("java.util.logging.StreamHandler")
                .getConstructor(OutputStream.class, formatterType).newInstance(out, formatter);
        Class<?> loggerType = Class.forName("java.util.logging.Logger");
        Object logger = loggerType.getMethod("getLogger", String.class).invoke(null, PageAllocator.class.getName());
        loggerType.getMethod("addHandler", handlerType).invoke(logger, handler);
        try {
            action.run();
        } finally {
            loggerType.getMethod("removeHandler", handlerType).invoke(logger, handler);
            handlerType.getMethod("flush").invoke(handler);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
