package dev.strata.it.scenario;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The running JVM's own memory, as the operating system and the JDK see it. Used inside scenarios (child JVMs).
 *
 * <p>{@code /proc/self/status} and {@code smaps_rollup} are read with a {@link FileInputStream}, not NIO: channels
 * copy through temporary direct buffers that would show up in the very {@code direct} pool being measured. Linux only.
 * Stateless and thread-safe.
 */
public final class ProcessMemory {

    private ProcessMemory() {
    }

    /** {@return resident memory of this process in bytes: {@code VmRSS} of {@code /proc/self/status}} */
    public static long residentBytes() {
        return statusKibibytes("VmRSS") * 1024;
    }

    /** {@return virtual address space of this process in bytes: {@code VmSize} of {@code /proc/self/status}} */
    public static long virtualBytes() {
        return statusKibibytes("VmSize") * 1024;
    }

    /**
     * {@return this process's anonymous memory on transparent huge pages, in bytes: {@code AnonHugePages} of
     * {@code /proc/self/smaps_rollup}}
     */
    public static long anonHugePageBytes() {
        return fieldKibibytes("/proc/self/smaps_rollup", "AnonHugePages") * 1024;
    }

    /** {@return bytes used by direct {@link java.nio.ByteBuffer}s: the JDK's {@code direct} buffer pool} */
    public static long directBufferBytesUsed() {
        return directPool().getMemoryUsed();
    }

    /** {@return the number of direct {@link java.nio.ByteBuffer}s alive: the {@code direct} buffer pool's count} */
    public static long directBufferCount() {
        return directPool().getCount();
    }

    /** {@return the sum of every garbage collector's collection count so far} */
    public static long gcCollections() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }

    private static BufferPoolMXBean directPool() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool;
            }
        }
        throw new IllegalStateException("no 'direct' BufferPoolMXBean in this JVM");
    }

    private static long statusKibibytes(String field) {
        return fieldKibibytes("/proc/self/status", field);
    }

    private static long fieldKibibytes(String file, String field) {
        String fields;
        try (InputStream in = new FileInputStream(file)) {
            fields = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        for (String line : fields.split("\n")) {
            if (line.startsWith(field + ":")) {
                // "VmRSS:\t  103764 kB"
                String number = line.substring(field.length() + 1).replace("kB", "").strip();
                return Long.parseLong(number);
            }
        }
        throw new IllegalStateException("no " + field + " in " + file);
    }
}
