package dev.strata.bench.raw;

import dev.strata.bench.workload.ThreadCursor;
import dev.strata.bench.workload.BenchFiles;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.Keys;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The disk limit for reads: all values end to end in one file (about 64 MiB, so after the fill it sits in the page
 * cache: this is the cost of the read system call and the copies, not of the device). {@code positionalRead} reads
 * value {@code i} with {@code FileChannel.read(ByteBuffer, position)} into a fresh heap array (the JDK goes through a
 * temporary direct buffer); {@code positionalReadDirect} reads into a per-thread direct buffer and copies into a fresh
 * array, as a disk tier that owns its I/O buffers would; {@code mappedCopy} copies value {@code i} into a fresh array
 * out of a read-only mapping of the whole file, made once (no system call per read), as Strata's disk tier reads a
 * sealed segment.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class RawFileReadBenchmark extends RawWorkload {

    private Path directory;
    private FileChannel channel;
    private Arena mappingArena;
    private MemorySegment mapped;

    /**
     * Writes the file.
     *
     * @throws IOException if it cannot be written
     */
    @Override
    protected void prepare() throws IOException {
        directory = BenchFiles.newScratchDirectory("raw-read-");
        channel = FileChannel.open(directory.resolve("values.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        for (int i = 0; i < keyCount; i++) {
            ByteBuffer value = ByteBuffer.wrap(Keys.value(i, valueSize));
            long position = (long) i * valueSize;
            while (value.hasRemaining()) {
                position += channel.write(value, position);
            }
        }
        channel.force(false);
        mappingArena = Arena.ofShared();
        mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, (long) keyCount * valueSize, mappingArena);
    }

    /**
     * Closes and deletes the file.
     *
     * @throws IOException if it cannot be closed
     */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
        mappingArena.close();
        channel.close();
        BenchFiles.deleteQuietly(directory);
    }

    /** A per-thread direct read buffer. */
    @State(Scope.Thread)
    public static class ReadBuffer {
        private ByteBuffer buffer;

        /**
         * Allocates the buffer.
         *
         * @param workload the benchmark, for the value size
         */
        @Setup(Level.Trial)
        public void allocate(RawFileReadBenchmark workload) {
            buffer = ByteBuffer.allocateDirect(workload.valueSize);
        }
    }

    /**
     * Reads value {@code i} into a fresh heap array.
     *
     * @param cursor this thread's cursor
     * @return the value
     * @throws IOException if the read fails
     */
    @Benchmark
    public byte[] positionalRead(ThreadCursor cursor) throws IOException {
        int index = stream.at(cursor.next());
        byte[] value = new byte[valueSize];
        readFully(ByteBuffer.wrap(value), (long) index * valueSize);
        return value;
    }

    /**
     * Reads value {@code i} into a reused direct buffer, then copies it into a fresh array.
     *
     * @param cursor this thread's cursor
     * @param buffer this thread's direct buffer
     * @return the value
     * @throws IOException if the read fails
     */
    @Benchmark
    public byte[] positionalReadDirect(ThreadCursor cursor, ReadBuffer buffer) throws IOException {
        int index = stream.at(cursor.next());
        ByteBuffer direct = buffer.buffer.clear();
        readFully(direct, (long) index * valueSize);
        byte[] value = new byte[valueSize];
        direct.flip().get(value);
        return value;
    }

    /**
     * Copies value {@code i} into a fresh array out of the file's mapping.
     *
     * @param cursor this thread's cursor
     * @return the value
     */
    @Benchmark
    public byte[] mappedCopy(ThreadCursor cursor) {
        return copyValue(mapped, stream.at(cursor.next()));
    }

    private void readFully(ByteBuffer target, long position) throws IOException {
        while (target.hasRemaining()) {
            int read = channel.read(target, position);
            if (read < 0) {
                throw new IOException("end of file at " + position);
            }
            position += read;
        }
    }
}
