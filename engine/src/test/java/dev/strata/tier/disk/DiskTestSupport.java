package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Helpers shared by the disk store tests. */
final class DiskTestSupport {

    static final long SMALL_SEGMENT = DiskStoreConfig.MIN_SEGMENT_BYTES;
    static final String COMPACTOR_THREAD = "test-disk-compactor";

    private DiskTestSupport() {
    }

    /**
     * Opens a store that compacts in the writing thread before the write returns, so a test sees the compactions
     * its writes made due. The engine hands them to a {@link DiskCompactor} instead; see
     * {@code DiskStoreCompactorTest}.
     */
    static DiskStore openCompactingInline(Path directory, DiskStoreConfig config, DiskQuota quota) throws IOException {
        return DiskStore.open(directory, config, quota, Runnable::run);
    }

    static MemorySegment key(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }

    static MemorySegment key(int i) {
        return key(String.format("key-%05d", i));
    }

    /** Deterministic bytes that depend on every argument, so a value from another key or version never matches. */
    static byte[] value(int size, long seed) {
        byte[] bytes = new byte[size];
        long x = seed * 0x9E3779B97F4A7C15L + size;
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            bytes[i] = (byte) x;
        }
        return bytes;
    }

    static MemorySegment segmentOf(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }

    static DiskStoreConfig persistentConfig() {
        return DiskStoreConfig.defaults().withSegmentBytes(SMALL_SEGMENT).withPersistent(true);
    }

    static DiskStoreConfig transientConfig() {
        return DiskStoreConfig.defaults().withSegmentBytes(SMALL_SEGMENT);
    }

    static List<Path> segmentFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".data")).sorted().toList();
        }
    }

    /** Copies the segment files as they are now, like the state a crash would leave behind. */
    static void copySegmentFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (Path file : segmentFiles(from)) {
            Files.copy(file, to.resolve(file.getFileName()));
        }
    }
}
