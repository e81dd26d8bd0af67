package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * Deletes the index snapshot a clean close left in {@code directory} ({@link IndexSnapshot}), as a crash leaves
     * none: the next open scans the segment files.
     */
    static void asAfterACrash(Path directory) throws IOException {
        IndexSnapshot.discard(directory);
    }

    /** {@return a new segment {@code id} in {@code directory}, its header reserved in {@code quota}} */
    static Segment newSegment(Path directory, DiskQuota quota, long id) throws IOException {
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
        return Segment.create(directory, id, false, quota, false);
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

    /** {@return the spare files in {@code directory} ({@link SpareFiles}), sorted} */
    static List<Path> spareFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> SpareFiles.isSpare(p.getFileName().toString())).sorted().toList();
        }
    }

    /** Flips one bit of the byte at {@code offset} of {@code file}. */
    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
            channel.write(one, offset);
        }
    }

    /**
     * {@return two different keys of the same length with the same {@link DiskIndex#hash}} Found by trying keys in
     * turn: a 32-bit hash repeats after about 77,000 keys.
     */
    static MemorySegment[] keysWithOneHash() {
        Map<Integer, MemorySegment> seen = new HashMap<>();
        for (int i = 0; ; i++) {
            MemorySegment candidate = key(String.format("collide-%08d", i));
            MemorySegment earlier = seen.putIfAbsent(DiskIndex.hash(candidate), candidate);
            if (earlier != null) {
                return new MemorySegment[] {earlier, candidate};
            }
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
