package dev.strata.bench.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Scratch directories for benchmarks that write files: under {@code engine-bench/target/bench-disk} when run from the
 * repository root, under {@code target/bench-disk} when run from the module, else under the system temporary
 * directory. Override with {@code -Dstrata.bench.dir=...}.
 *
 * <p>Stateless and thread-safe.
 */
public final class BenchFiles {
    private BenchFiles() {
    }

    /**
     * {@return a new empty directory for one benchmark trial}
     *
     * @param prefix the directory name's prefix
     * @throws UncheckedIOException if it cannot be created
     */
    public static Path newScratchDirectory(String prefix) {
        try {
            Path root = root();
            Files.createDirectories(root);
            return Files.createTempDirectory(root, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory for " + prefix, e);
        }
    }

    /**
     * Deletes a directory and everything in it; errors are ignored (best effort at tear-down).
     *
     * @param directory the directory
     */
    public static void deleteQuietly(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a left-over scratch file under target/ is harmless
        }
    }

    /**
     * {@return the bytes of the regular files under {@code directory}, its subdirectories' included: their sizes, as
     * {@code du --apparent-size} counts them}
     *
     * @param directory the directory
     * @throws IOException if the files could not be listed or their sizes read
     */
    public static long bytesUnder(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            long total = 0;
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    private static Path root() {
        String configured = System.getProperty("strata.bench.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        if (Files.isDirectory(Path.of("engine-bench", "target"))) {
            return Path.of("engine-bench", "target", "bench-disk");
        }
        if (Files.isDirectory(Path.of("target"))) {
            return Path.of("target", "bench-disk");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "strata-bench-disk");
    }
}
