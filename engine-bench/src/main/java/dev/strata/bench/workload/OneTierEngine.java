package dev.strata.bench.workload;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import java.nio.file.Path;

/**
 * An engine for a benchmark of a one-tier cache: a heap region of {@code region} bytes, and, for an off-heap cache, an
 * arena off-heap region of the same size in 64 KiB pages, or, for a disk cache, a disk quota of the same size in a
 * fresh scratch directory, deleted by {@link #close}. Not strict: a benchmark's JVM needs no flags for it.
 *
 * <p>Not thread-safe: opened and closed by a benchmark's set-up and tear-down.
 *
 * @param engine the engine
 * @param directory the disk tier's directory, or null
 */
public record OneTierEngine(Engine engine, Path directory) implements AutoCloseable {

    /** {@return an engine named {@code name} whose regions (or quota) for {@code tier} take {@code region} bytes} */
    public static OneTierEngine open(String name, Tier tier, long region) {
        Engine.Builder builder = Engine.builder().name(name).heap(DataSize.ofBytes(region)).strict(false);
        Path directory = null;
        if (tier == Tier.OFF_HEAP) {
            builder.offHeap(DataSize.ofBytes(region), OffHeapBackend.ARENA).pageSize(DataSize.ofKibibytes(64));
        }
        if (tier == Tier.DISK) {
            directory = BenchFiles.newScratchDirectory("strata-" + name + "-");
            builder.disk(directory, DataSize.ofBytes(region));
        }
        return new OneTierEngine(builder.build(), directory);
    }

    /** Closes the engine and deletes the disk tier's files. */
    @Override
    public void close() {
        engine.close();
        if (directory != null) {
            BenchFiles.deleteQuietly(directory);
        }
    }
}
