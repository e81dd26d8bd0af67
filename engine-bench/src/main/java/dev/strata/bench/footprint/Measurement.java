package dev.strata.bench.footprint;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process-level memory readings: GC'd used heap (MemoryMXBean after two {@code System.gc()}), resident set size
 * ({@code VmRSS} in {@code /proc/self/status}) and the JVM's direct buffer pool. Not thread-safe (reads only).
 *
 * @param heapUsed used heap after full GCs, bytes
 * @param rss resident set size, bytes (-1 if unreadable)
 * @param directUsed the direct buffer pool's used bytes
 */
record Measurement(long heapUsed, long rss, long directUsed) {

    /** {@return a reading now, after collecting garbage} */
    static Measurement now() {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        return new Measurement(heap, residentSetSize(), direct);
    }

    private static long residentSetSize() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
