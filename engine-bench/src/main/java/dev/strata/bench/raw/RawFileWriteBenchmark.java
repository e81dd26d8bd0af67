package dev.strata.bench.raw;

import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.Keys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * The disk limit for writes: each thread appends values to its own file with positional writes from a direct buffer,
 * wrapping to the start every {@link #FILE_BYTES} so the disk never fills. No {@code force}: this measures the write
 * system call into the page cache (what a disk tier's write path costs before durability), not the device.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
@State(Scope.Thread)
public class RawFileWriteBenchmark {

    /** Each thread's file wraps at this size (128 MiB). */
    public static final long FILE_BYTES = 128L << 20;

    /** Value size in bytes. */
    @Param({"100", "1024", "16384"})
    public int valueSize;

    private Path directory;
    private FileChannel channel;
    private ByteBuffer value;
    private long position;

    /**
     * Opens this thread's file.
     *
     * @throws IOException if it cannot be created
     */
    @Setup(Level.Trial)
    public void open() throws IOException {
        directory = BenchFiles.newScratchDirectory("raw-write-");
        channel = FileChannel.open(directory.resolve("log.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        value = ByteBuffer.allocateDirect(valueSize).put(Keys.value(7, valueSize)).flip();
    }

    /**
     * Closes and deletes this thread's file.
     *
     * @throws IOException if it cannot be closed
     */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
        channel.close();
        BenchFiles.deleteQuietly(directory);
    }

    /**
     * Appends one value.
     *
     * @return the bytes written
     * @throws IOException if the write fails
     */
    @Benchmark
    public int sequentialWrite() throws IOException {
        if (position + valueSize > FILE_BYTES) {
            position = 0;
        }
        value.rewind();
        int written = 0;
        while (value.hasRemaining()) {
            written += channel.write(value, position + written);
        }
        position += written;
        return written;
    }
}
