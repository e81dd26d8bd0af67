package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Appends records to a segment file through one bounded native buffer.
 *
 * <p>Why a native buffer: {@code FileChannel.write} with a heap {@code ByteBuffer} copies the bytes into a temporary
 * direct buffer that the JDK caches per thread and sizes to the largest write seen, so large values inflate native
 * memory outside any budget (Ehcache issue #2868, #3285). Here heap bytes are copied into this writer's own 256 KiB
 * native buffer and written in chunks of at most that size; native sources (off-heap tier pages) larger than
 * {@link #DIRECT_WRITE_MIN_BYTES} are written straight from their memory via {@code asByteBuffer()} with no copy. A
 * record that fits the buffer (header, key and value) is assembled there and written with one system call.
 *
 * <p>The buffer is allocated by the first write that needs it: a transient store gathers its records in its append
 * buffers ({@link AppendBuffer}) and needs this one only for a record larger than those.
 *
 * <p>Not thread-safe: used only under the store's writer lock. {@link #close()} frees the buffer.
 */
final class RecordWriter implements AutoCloseable {

    static final int BUFFER_BYTES = 256 * 1024;
    private static final int DIRECT_WRITE_MIN_BYTES = 4096;

    private final Arena arena = Arena.ofShared();
    /** The buffer, once a write needed it. */
    private MemorySegment memory;
    private final CRC32C crc = new CRC32C();
    private FileChannel channel;
    private long position;
    private int buffered;

    /**
     * Writes one record at {@code at}, its CRC under the segment's {@code crcMask}, followed by the first
     * {@code markerBytes} of the segment's end marker ({@link RecordFormat#writeEndMarker}; 0 for none), in one
     * system call when both fit the buffer; {@code recordBytes} must equal header + key + value.
     *
     * @throws IOException if the write failed; bytes may have reached the file after {@code at}
     */
    void write(FileChannel target, long at, int crcMask, int markerBytes, byte flags, long sequence,
               MemorySegment key, MemorySegment value, int recordBytes) throws IOException {
        MemorySegment buffer = buffer();
        if (recordBytes + markerBytes <= BUFFER_BYTES) {
            fill(buffer.asSlice(0, recordBytes), crcMask, flags, sequence, key, value);
            writeAssembled(target, at, crcMask, recordBytes, markerBytes);
            return;
        }
        RecordFormat.writeRecordHeader(buffer, flags, (int) key.byteSize(), (int) value.byteSize(), sequence);
        crc.reset();
        RecordFormat.update(crc, buffer.asSlice(RecordFormat.FLAGS_OFFSET,
                RecordFormat.HEADER_BYTES - RecordFormat.FLAGS_OFFSET));
        RecordFormat.update(crc, key);
        RecordFormat.update(crc, value);
        buffer.set(RecordFormat.U32, RecordFormat.CRC_OFFSET, (int) crc.getValue() ^ crcMask);
        start(target, at, RecordFormat.HEADER_BYTES);
        append(key);
        append(value);
        flush();
        writeEndMarker(target, at + recordBytes, crcMask, markerBytes);
    }

    /**
     * {@return whether a record of {@code recordBytes} is assembled whole in this writer's buffer, end marker included}
     * Only such a record can take its value from a {@link ValueWriter}.
     */
    static boolean assemblesWhole(long recordBytes) {
        return recordBytes + RecordFormat.HEADER_BYTES <= BUFFER_BYTES;
    }

    /**
     * Writes one value record like {@link #write(FileChannel, long, int, int, byte, long, MemorySegment, MemorySegment,
     * int)}, its value written into the buffer by {@code value}; the record must be one that
     * {@linkplain #assemblesWhole assembles whole}. {@return the value as written, valid until this writer's next
     * write}
     *
     * @throws IOException if the write failed; bytes may have reached the file after {@code at}
     */
    MemorySegment write(FileChannel target, long at, int crcMask, int markerBytes, long sequence, MemorySegment key,
                        int valueBytes, ValueWriter value, int recordBytes) throws IOException {
        MemorySegment written = fill(buffer().asSlice(0, recordBytes), crcMask, sequence, key, valueBytes, value);
        writeAssembled(target, at, crcMask, recordBytes, markerBytes);
        return written;
    }

    /** Writes the record assembled at the buffer's start, then the first {@code markerBytes} of the end marker. */
    private void writeAssembled(FileChannel target, long at, int crcMask, int recordBytes, int markerBytes)
            throws IOException {
        MemorySegment buffer = buffer();
        RecordFormat.writeEndMarker(buffer.asSlice(recordBytes, markerBytes), crcMask);
        Segment.writeFully(target, buffer.asSlice(0, recordBytes + markerBytes).asByteBuffer(), at);
    }

    /**
     * Assembles one value record in {@code record}, exactly header + key + value bytes long, like
     * {@link #fill(MemorySegment, int, byte, long, MemorySegment, MemorySegment)}, its value written by {@code value}.
     * {@return the value as written}
     */
    static MemorySegment fill(MemorySegment record, int crcMask, long sequence, MemorySegment key, int valueBytes,
                              ValueWriter value) {
        RecordFormat.writeRecordHeader(record, (byte) 0, (int) key.byteSize(), valueBytes, sequence);
        MemorySegment.copy(key, 0, record, RecordFormat.HEADER_BYTES, key.byteSize());
        MemorySegment written = record.asSlice(RecordFormat.HEADER_BYTES + key.byteSize(), valueBytes);
        value.write(written);
        RecordFormat.sealCrc(record, crcMask);
        return written;
    }

    /**
     * Assembles one record in {@code record}, exactly header + key + value bytes long: header, key, value, and its CRC
     * under the segment's {@code crcMask}.
     */
    static void fill(MemorySegment record, int crcMask, byte flags, long sequence, MemorySegment key,
                     MemorySegment value) {
        RecordFormat.writeRecordHeader(record, flags, (int) key.byteSize(), (int) value.byteSize(), sequence);
        MemorySegment.copy(key, 0, record, RecordFormat.HEADER_BYTES, key.byteSize());
        MemorySegment.copy(value, 0, record, RecordFormat.HEADER_BYTES + key.byteSize(), value.byteSize());
        RecordFormat.sealCrc(record, crcMask);
    }

    /**
     * Writes {@code records}, whose CRCs are already under the segment's mask, at {@code at} as they are, followed by
     * the first {@code markerBytes} of the segment's end marker (0 for none), whose mask is {@code crcMask}.
     *
     * @throws IOException if the write failed; bytes may have reached the file after {@code at}
     */
    void writeVerbatim(FileChannel target, long at, MemorySegment records, int crcMask, int markerBytes)
            throws IOException {
        Segment.writeFully(target, records.asByteBuffer(), at);
        writeEndMarker(target, at + records.byteSize(), crcMask, markerBytes);
    }

    /**
     * Writes the first {@code bytes} bytes (at most a record header's; nothing for 0) of the end marker of a segment
     * whose CRC mask is {@code crcMask} at {@code at} ({@link RecordFormat#writeEndMarker}).
     *
     * @throws IOException if the write failed
     */
    void writeEndMarker(FileChannel target, long at, int crcMask, int bytes) throws IOException {
        if (bytes > 0) {
            MemorySegment marker = buffer().asSlice(0, bytes);
            RecordFormat.writeEndMarker(marker, crcMask);
            Segment.writeFully(target, marker.asByteBuffer(), at);
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    private MemorySegment buffer() {
        if (memory == null) {
            memory = arena.allocate(BUFFER_BYTES, 8);
        }
        return memory;
    }

    private void start(FileChannel target, long at, int headerBytes) {
        channel = target;
        position = at;
        buffered = headerBytes;
    }

    private void append(MemorySegment source) throws IOException {
        long size = source.byteSize();
        if (source.isNative() && size >= DIRECT_WRITE_MIN_BYTES) {
            flush();
            Segment.writeFully(channel, source.asByteBuffer(), position);
            position += size;
            return;
        }
        long copied = 0;
        while (copied < size) {
            int chunk = (int) Math.min(size - copied, BUFFER_BYTES - buffered);
            MemorySegment.copy(source, copied, buffer(), buffered, chunk);
            buffered += chunk;
            copied += chunk;
            if (buffered == BUFFER_BYTES) {
                flush();
            }
        }
    }

    private void flush() throws IOException {
        if (buffered > 0) {
            Segment.writeFully(channel, buffer().asSlice(0, buffered).asByteBuffer(), position);
            position += buffered;
            buffered = 0;
        }
    }
}
