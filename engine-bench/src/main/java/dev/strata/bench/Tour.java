package dev.strata.bench;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.MemoryBudgetExceededException;
import dev.strata.OffHeapBackend;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import dev.strata.memory.hugepage.HugePageSlabSource;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The README's first command: a short tour of a live engine. It prints the engine's memory layout and pools, then
 * fills a page allocator of each off-heap backend to its budget and shows what the JVM and the operating system see.
 * The huge-page backend needs {@code --enable-native-access=ALL-UNNAMED}, which the demo's JVM has; without it (or
 * on a machine without transparent huge pages) the tour says why and skips it.
 */
public final class Tour {

    private static final long REGION = 256L << 20;
    private static final long PAGE = 64L << 10;

    private Tour() {
    }

    /**
     * Runs the tour.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "Strata tour on JDK %s, %d CPUs%n%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(64))
                .offHeap(DataSize.ofBytes(REGION), OffHeapBackend.ARENA).pageSize(DataSize.ofBytes(PAGE)).build()) {
            System.out.println(engine.plan());
            System.out.println();
        }
        fill(SlabSourceKind.ARENA);
        HugePageSlabSource.unavailableReason().ifPresentOrElse(
                reason -> System.out.printf(Locale.ROOT, "HUGE_PAGES: skipped, %s%n%n", reason),
                () -> fill(SlabSourceKind.HUGE_PAGES));
        fill(SlabSourceKind.DIRECT_BUFFER);                // last: only a GC frees it, which would blur the others
        TierTour.run();
        SharingTour.run();
        CountingTour.run();
        RefreshTour.run();
    }

    private static void fill(SlabSourceKind backend) {
        PageAllocatorConfig config = new PageAllocatorConfig("tour-" + backend, backend, PAGE, 16L << 20, REGION,
                true, false);
        long rssBefore = residentBytes();
        long directBefore = directPoolUsed();
        long hugeBefore = anonHugePageBytes();
        Deque<Page> pages = new ArrayDeque<>();
        long start = System.nanoTime();
        try (PageAllocator allocator = PageAllocator.create(config)) {
            try {
                while (true) {
                    Page page = allocator.allocate("tour");
                    page.segment().fill((byte) 1);
                    pages.push(page);
                }
            } catch (MemoryBudgetExceededException expected) {
                long elapsed = System.nanoTime() - start;
                System.out.printf(Locale.ROOT, "%s: filled %d pages of %s (%s) in %.1f ms, then: %s%n", backend,
                        pages.size(), DataSize.format(PAGE), DataSize.format(pages.size() * PAGE), elapsed / 1e6,
                        expected.getMessage());
            }
            System.out.printf(Locale.ROOT, "  allocator: %s%n  JDK direct buffer pool: %s   resident memory: %s"
                    + "   on huge pages: %s (the allocator's slabs: %s)%n", allocator.stats(),
                    delta(directPoolUsed() - directBefore), delta(residentBytes() - rssBefore),
                    delta(anonHugePageBytes() - hugeBefore), DataSize.format(allocator.hugePageBytes()));
            while (!pages.isEmpty()) {
                allocator.free(pages.pop());
            }
        }
        System.out.printf(Locale.ROOT, "  after close, no GC: resident memory %s against before the fill (%s)%n%n",
                delta(residentBytes() - rssBefore), switch (backend) {
                    case ARENA -> "closing an arena returns its memory to the OS at once";
                    case HUGE_PAGES -> "closing unmaps the huge pages at once";
                    default -> "direct buffers are freed only when the GC collects them";
                });
    }

    private static String delta(long bytes) {
        return (bytes >= 0 ? "+" : "") + DataSize.format(bytes);
    }

    private static long directPoolUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** Resident set size of this process from /proc (Linux), or 0 where that file does not exist. */
    static long residentBytes() {
        return procKibibytes("/proc/self/status", "VmRSS:") * 1024;
    }

    /** This process's anonymous memory on transparent huge pages from /proc (Linux), or 0 where it cannot tell. */
    static long anonHugePageBytes() {
        return procKibibytes("/proc/self/smaps_rollup", "AnonHugePages:") * 1024;
    }

    private static long procKibibytes(String file, String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(file))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
