package dev.strata.bench.disk;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.Options;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * How long a persistent disk-only cache takes to reopen, and the heap it then holds per entry (not a JMH benchmark:
 * one open is one measurement).
 *
 * <pre>
 * java -cp engine-bench/target/benchmarks.jar dev.strata.bench.disk.ReopenTime [--entries N] [--value BYTES]
 *     [--opens N] [--snapshot true|false] [--cold true|false] [--crash true|false] [--quota MIB]
 * </pre>
 *
 * <p>Fills a cache of {@code int} keys and values of one size (default 2,684,354 entries of 100 B, 256 MiB of values)
 * under {@code target/bench-disk}, closes it, then opens it again {@code --opens} times (default 3), each time in a new
 * engine: the time from {@code build()} of the engine to the cache's return (the store's index restored: the cache
 * keeps nothing of its own per disk entry), a check that the last key reads back, the time the engine then takes to
 * close (a persistent store writes its index snapshot there), and after the last open the used heap after three {@code
 * System.gc()} divided by the entries (the whole JVM: the disk index and whatever else is live, so it over- rather than
 * under-states). With {@code --snapshot false} the snapshot a close writes is deleted before each open, as a crash
 * leaves none, so the open scans every segment file. With {@code --cold true} every file of the cache is forced to the
 * device and dropped from the OS page cache before each open ({@code dd iflag=nocache}, GNU coreutils on Linux), so the
 * open reads from the device; else the files are in the page cache, and this is the CPU side of a restart. With {@code
 * --crash true} the files are copied while the filled cache is still open (what {@code kill -9} would leave: a
 * persistent put is in its file before it returns, and the last index checkpoint the store took while it ran), and each
 * open starts from a fresh copy of them. {@code --quota} is the engine's disk quota in MiB (default 16 GiB); a store's
 * segments are a sixteenth of it, and its index checkpoints are at least four segments apart.
 */
public final class ReopenTime {

    private ReopenTime() {
    }

    /**
     * Runs the measurement and prints one line per open.
     *
     * @param args see the class comment
     * @throws IOException if the files could not be listed, deleted or dropped from the page cache
     * @throws InterruptedException if interrupted while {@code dd} runs
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = Options.parse(args,
                "--entries N, --value BYTES, --opens N, --snapshot BOOL, --cold BOOL, --crash BOOL, --quota MIB");
        int entries = Integer.parseInt(options.getOrDefault("--entries", "2684354"));
        int valueSize = Integer.parseInt(options.getOrDefault("--value", "100"));
        int opens = Integer.parseInt(options.getOrDefault("--opens", "3"));
        boolean snapshot = Boolean.parseBoolean(options.getOrDefault("--snapshot", "true"));
        boolean cold = Boolean.parseBoolean(options.getOrDefault("--cold", "false"));
        boolean crash = Boolean.parseBoolean(options.getOrDefault("--crash", "false"));
        DataSize quota = DataSize.ofMebibytes(Long.parseLong(options.getOrDefault("--quota", "16384")));
        byte[] value = new byte[valueSize];
        new SplittableRandom(1).nextBytes(value);
        Path directory = BenchFiles.newScratchDirectory("strata-reopen-");
        Path crashImage = crash ? BenchFiles.newScratchDirectory("strata-crash-image-") : null;
        try {
            long firstClose;
            try (Engine engine = engine(directory, quota); Cache<Integer, byte[]> cache = cache(engine)) {
                for (int key = 0; key < entries; key++) {
                    cache.put(key, value);
                }
                if (crash) {
                    copyFiles(directory, crashImage);  // what kill -9 would leave: a persistent put is in its file
                }
                firstClose = System.nanoTime();
            }
            System.out.printf(Locale.ROOT, "filled; first close %d ms; files: %,d bytes%n",
                    (System.nanoTime() - firstClose) / 1_000_000, BenchFiles.bytesUnder(directory));
            for (int open = 1; open <= opens; open++) {
                if (crash) {
                    BenchFiles.deleteQuietly(directory);
                    copyFiles(crashImage, directory);
                }
                if (!snapshot) {
                    deleteSnapshots(directory);
                }
                if (cold) {
                    dropFromPageCache(directory);
                }
                long start = System.nanoTime();
                long closeStart;
                try (Engine engine = engine(directory, quota); Cache<Integer, byte[]> cache = cache(engine)) {
                    long nanos = System.nanoTime() - start;
                    if (!Arrays.equals(value, cache.get(entries - 1)) || cache.size() != entries) {
                        throw new IllegalStateException("the reopened cache lost entries: " + cache.size());
                    }
                    System.out.printf(Locale.ROOT, "open %d (%s%s, %s): %,d entries of %d B in %d ms, %.2f us per "
                                    + "entry", open, crash ? "after a crash, " : "", snapshot ? "snapshot" : "scan",
                            cold ? "cold" : "page cache", entries, valueSize, nanos / 1_000_000,
                            nanos / 1e3 / entries);
                    if (open == opens) {
                        System.out.printf(Locale.ROOT, "; heap used after GC: %.0f B per entry",
                                usedHeapAfterGc() / (double) entries);
                    }
                    closeStart = System.nanoTime();
                }
                System.out.printf(Locale.ROOT, "; close %d ms%n", (System.nanoTime() - closeStart) / 1_000_000);
            }
        } finally {
            BenchFiles.deleteQuietly(directory);
            if (crashImage != null) {
                BenchFiles.deleteQuietly(crashImage);
            }
        }
    }

    /** Copies the files under {@code from} to the same places under {@code to}. */
    private static void copyFiles(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /** Deletes the index snapshots under {@code directory}: the next open scans, as after a crash. */
    private static void deleteSnapshots(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("index.snapshot")).toList()) {
                Files.delete(file);
            }
        }
    }

    /**
     * Asks the kernel to drop every file under {@code directory} from the page cache, after forcing each to the device:
     * only clean pages can be dropped, and a fresh copy's are dirty until written back.
     */
    private static void dropFromPageCache(Path directory) throws IOException, InterruptedException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Process dd = new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
                        .inheritIO().start();
                if (dd.waitFor() != 0) {
                    throw new IOException("dd could not drop " + file + " from the page cache");
                }
            }
        }
    }

    private static Engine engine(Path directory, DataSize quota) {
        return Engine.builder().name("reopen").heap(DataSize.ofMebibytes(64)).disk(directory, quota).build();
    }

    private static Cache<Integer, byte[]> cache(Engine engine) {
        return engine.newCache("reopen", Codecs.int32(), Codecs.bytes()).tiers(Tier.DISK).persistent(true).build();
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
