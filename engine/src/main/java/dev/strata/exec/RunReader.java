package dev.strata.exec;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads back a spill run written by {@link RunWriter}, one block at a time, verifying each block's CRC32C, its
 * record count and the file's record total. Holds one block in memory ({@link RunWriter#BLOCK_BYTES}, more only for a
 * block holding a single larger record).
 *
 * <p>Not thread-safe.
 */
final class RunReader implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final int maxPayloadBytes;
    private final ByteBuffer header = ByteBuffer.allocate(RunWriter.HEADER_BYTES);
    private final CRC32C crc = new CRC32C();
    private byte[] block = new byte[RunWriter.BLOCK_BYTES];
    private ByteBuffer payload = ByteBuffer.wrap(block, 0, 0);
    private int blockRecordsLeft;
    private long blockStart;
    private long position;
    private long recordsRead;
    private boolean ended;
    private byte[] key;
    private byte[] value;

    /**
     * Opens a run.
     *
     * @param file the spill file
     * @param maxRecordBytes the largest record the writer could have written (header included)
     */
    RunReader(Path file, long maxRecordBytes) throws IOException {
        this.file = file;
        this.maxPayloadBytes = (int) Math.max(RunWriter.BLOCK_BYTES, maxRecordBytes);
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        boolean opened = false;
        try {
            ByteBuffer magic = ByteBuffer.allocate(Long.BYTES);
            readFully(magic);
            if (magic.getLong(0) != RunWriter.MAGIC) {
                throw corrupt("not a spill run (magic " + Long.toHexString(magic.getLong(0)) + ")");
            }
            opened = true;
        } finally {
            if (!opened) {
                channel.close();
            }
        }
    }

    /** Moves to the next record. {@return false at the end of the run} */
    boolean next() throws IOException {
        if (blockRecordsLeft == 0 && !readBlock()) {
            return false;
        }
        if (payload.remaining() < RecordPages.HEADER_BYTES) {
            throw corrupt("record header past the end of its block");
        }
        int keyLength = payload.getInt();
        int valueLength = payload.getInt();
        if (keyLength < 0 || valueLength < 0 || (long) keyLength + valueLength > payload.remaining()) {
            throw corrupt("record of key " + keyLength + " and value " + valueLength + " bytes with "
                    + payload.remaining() + " bytes left in its block");
        }
        int start = payload.position();
        key = Arrays.copyOfRange(block, start, start + keyLength);
        value = Arrays.copyOfRange(block, start + keyLength, start + keyLength + valueLength);
        payload.position(start + keyLength + valueLength);
        blockRecordsLeft--;
        recordsRead++;
        if (blockRecordsLeft == 0 && payload.hasRemaining()) {
            throw corrupt(payload.remaining() + " bytes after the block's last record");
        }
        return true;
    }

    byte[] key() {
        return key;
    }

    byte[] value() {
        return value;
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Reads and verifies the next block. {@return false at the end block} */
    private boolean readBlock() throws IOException {
        if (ended) {
            return false;
        }
        blockStart = position;
        header.clear();
        readFully(header);
        int payloadBytes = header.getInt(0);
        int recordCount = header.getInt(4);
        int storedCrc = header.getInt(8);
        if (payloadBytes < 0 || payloadBytes > maxPayloadBytes) {
            throw corrupt("payload length " + payloadBytes + " (expected: 0 to " + maxPayloadBytes + ")");
        }
        if (block.length < payloadBytes) {
            block = new byte[payloadBytes];
        }
        ByteBuffer target = ByteBuffer.wrap(block, 0, payloadBytes);
        readFully(target);
        int computedCrc = RunWriter.crc32c(crc, recordCount, block, payloadBytes);
        if (computedCrc != storedCrc) {
            throw corrupt("CRC32C mismatch (stored " + Integer.toHexString(storedCrc) + ", computed "
                    + Integer.toHexString(computedCrc) + ")");
        }
        if (payloadBytes == 0) {
            return endBlock(recordCount);
        }
        if (recordCount <= 0) {
            throw corrupt("data block with " + recordCount + " records");
        }
        payload = ByteBuffer.wrap(block, 0, payloadBytes);
        blockRecordsLeft = recordCount;
        return true;
    }

    private boolean endBlock(int recordTotal) throws IOException {
        if (recordTotal != (int) recordsRead) {           // the total is stored modulo 2^32
            throw corrupt("end block counts " + recordTotal + " records, " + recordsRead + " were read");
        }
        if (channel.size() != position) {
            throw corrupt((channel.size() - position) + " bytes after the end block");
        }
        ended = true;
        return false;
    }

    private void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) {
                throw new EOFException("spill run " + file + ": truncated at byte " + position
                        + " (in the block starting at byte " + blockStart + ")");
            }
            position += n;
        }
    }

    private IOException corrupt(String what) {
        return new IOException("spill run " + file + ": block at byte " + blockStart + ": " + what);
    }
}
