package dev.strata.bench.exec;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import dev.strata.OffHeapBackend;
import dev.strata.exec.ExecutionStats;
import dev.strata.exec.ExternalSorter;
import dev.strata.exec.SortedRecords;
import dev.strata.exec.TaskMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * External sort of 256 MiB of 100-byte records (10-byte random keys, 90-byte values) with 32 MiB of execution
 * memory, so the sorter spills about ten runs and merges them. One shot = insert everything, merge, read every record
 * back. ON_HEAP uses heap pages; OFF_HEAP uses ARENA pages (pre-touched). Spill files go to
 * {@code target/strata-sort-bench} (override with {@code -Dstrata.bench.tmp=...}).
 *
 * <p>Wired from the engine's internal parts as the engine does, until {@code Engine.newTask()} is available.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class SortBenchmark {

    private static final long DATA_BYTES = 256L << 20;
    private static final int KEY_BYTES = 10;
    private static final int VALUE_BYTES = 90;
    private static final int RECORD_BYTES = KEY_BYTES + VALUE_BYTES;
    private static final int RECORDS = (int) (DATA_BYTES / RECORD_BYTES);
    private static final long EXECUTION_MEMORY = 32L << 20;
    private static final long PAGE_SIZE = 64L << 10;

    /** Where the sorter's pages live. */
    @Param({"ON_HEAP", "OFF_HEAP"})
    public MemoryMode mode;

    private byte[] data;
    private Engine engine;
    private long sorts;

    /**
     * Generates the records once (not timed) and builds an engine whose heap and off-heap regions are all execution
     * memory (storage fraction 0, no cache), with spill files under {@code target/}.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        data = new byte[RECORDS * RECORD_BYTES];
        new SplittableRandom(20_260_101L).nextBytes(data);
        Path tmpDir = Path.of(System.getProperty("strata.bench.tmp", "target/strata-sort-bench"));
        Files.createDirectories(tmpDir);
        engine = Engine.builder().name("sort-bench").memoryManager(MemoryManagerKind.UNIFIED)
                .heap(DataSize.ofBytes(EXECUTION_MEMORY))
                .offHeap(DataSize.ofBytes(EXECUTION_MEMORY), OffHeapBackend.ARENA)
                .pageSize(DataSize.ofBytes(PAGE_SIZE)).storageFraction(0.0)
                .disk(tmpDir, DataSize.ofGibibytes(1)).build();
    }

    /** Prints the spill counts and closes the engine. */
    @TearDown(Level.Trial)
    public void tearDown() {
        ExecutionStats stats = engine.stats().execution();
        System.out.printf(Locale.ROOT, "%n%s: %d sorts, %.1f spills per sort, %.1f MiB spilled to disk per sort%n",
                mode, sorts, (double) stats.spills() / sorts, stats.spillFileBytes() / (double) sorts / (1 << 20));
        engine.close();
    }

    /**
     * One external sort of the whole data set.
     *
     * @return a checksum of the output, so nothing is optimised away
     */
    @Benchmark
    public long sort() {
        byte[] key = new byte[KEY_BYTES];
        byte[] value = new byte[VALUE_BYTES];
        long checksum = 0;
        try (TaskMemory task = engine.newTask(); ExternalSorter sorter = new ExternalSorter(task, mode)) {
            for (int offset = 0; offset < data.length; offset += RECORD_BYTES) {
                System.arraycopy(data, offset, key, 0, KEY_BYTES);
                System.arraycopy(data, offset + KEY_BYTES, value, 0, VALUE_BYTES);
                sorter.insert(key, value);
            }
            long count = 0;
            try (SortedRecords sorted = sorter.sortedRecords()) {
                while (sorted.next()) {
                    checksum += sorted.key()[0] + sorted.value()[VALUE_BYTES - 1];
                    count++;
                }
            }
            if (count != RECORDS) {
                throw new IllegalStateException("sorted " + count + " records of " + RECORDS);
            }
        }
        sorts++;
        return checksum;
    }
}
