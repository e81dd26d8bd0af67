package dev.strata.exec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes one sorted run of an {@link ExternalSorter} to a spill file. All integers are big-endian.
 *
 * <pre>
 *  spill run file                       block
 *  +-------------------------------+    +------------+-------------+----------+------------------------+
 *  | magic "STRATAR1" (8 bytes)    |    | payloadLen | recordCount | crc32c   | payload: recordCount   |
 *  +-------------------------------+    | int        | int         | int      | records, payloadLen    |
 *  | block 0                       |    +------------+-------------+----------+ bytes                  |
 *  | block 1                       |                                          +------------------------+
 *  | ...                           |    crc32c covers recordCount's 4 bytes and the payload
 *  | end block                     |
 *  +-------------------------------+    end block: payloadLen 0, recordCount = records in the whole file (mod 2^32),
 *                                       nothing may follow it
 *  record in a payload
 *  +--------+----------+-----+-------+
 *  | keyLen | valueLen | key | value |
 *  | int    | int      |     |       |
 *  +--------+----------+-----+-------+
 * </pre>
 *
 * <p>Data blocks hold up to {@link #BLOCK_BYTES} of payload, or exactly one record if it is larger, and never 0
 * records. A reader thus needs one block's buffer, and detects a flipped bit (CRC), a truncated file (no end block, or
 * end of file inside a block) and a lost block (record total).
 *
 * <p>Not thread-safe.
 */
final class RunWriter implements AutoCloseable {

    static final long MAGIC = 0x5354_5241_5441_5231L;     // "STRATAR1"
    static final int HEADER_BYTES = 12;
    static final int BLOCK_BYTES = 8 * 1024;

    private final FileChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    private final CRC32C crc = new CRC32C();
    private byte[] block = new byte[BLOCK_BYTES];
    private ByteBuffer blockBuffer = ByteBuffer.wrap(block);
    private int blockRecords;
    private long records;
    private long bytesWritten;

    /** Opens {@code file}, which must exist (a fresh temporary file), and writes the magic. */
    RunWriter(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        writeFully(ByteBuffer.allocate(Long.BYTES).putLong(0, MAGIC));
    }

    /** Appends the record of {@code keyLength + valueLength} bytes stored at {@code offset + 8} in {@code segment}. */
    void write(MemorySegment segment, long offset, int keyLength, int valueLength) throws IOException {
        int recordBytes = RecordPages.HEADER_BYTES + keyLength + valueLength;
        if (blockBuffer.remaining() < recordBytes) {
            flushBlock();
            if (block.length < recordBytes) {             // a record larger than a block gets a block of its own
                block = new byte[recordBytes];
                blockBuffer = ByteBuffer.wrap(block);
            }
        }
        blockBuffer.putInt(keyLength).putInt(valueLength);
        int position = blockBuffer.position();
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset + RecordPages.HEADER_BYTES, block, position,
                keyLength + valueLength);
        blockBuffer.position(position + keyLength + valueLength);
        blockRecords++;
        records++;
    }

    /** Writes the last block and the end block. {@return the file's size in bytes} */
    long finish() throws IOException {
        flushBlock();
        writeBlock(0, (int) records);
        return bytesWritten;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void flushBlock() throws IOException {
        if (blockRecords > 0) {
            writeBlock(blockBuffer.position(), blockRecords);
            if (block.length > BLOCK_BYTES) {             // drop a block grown for one large record
                block = new byte[BLOCK_BYTES];
            }
            blockBuffer = ByteBuffer.wrap(block);
            blockRecords = 0;
        }
    }

    private void writeBlock(int payloadBytes, int recordCount) throws IOException {
        header.clear();
        header.putInt(payloadBytes).putInt(recordCount).putInt(crc32c(crc, recordCount, block, payloadBytes)).flip();
        writeFully(header);
        writeFully(ByteBuffer.wrap(block, 0, payloadBytes));
    }

    static int crc32c(CRC32C crc, int recordCount, byte[] payload, int payloadBytes) {
        crc.reset();
        crc.update(ByteBuffer.allocate(Integer.BYTES).putInt(0, recordCount));
        crc.update(payload, 0, payloadBytes);
        return (int) crc.getValue();
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            bytesWritten += channel.write(buffer);
        }
    }
}
