package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link AppendBuffer} on real segment files and real native memory: a record waits in memory and is read there,
 * reaches the file in one write, and is never read from the buffer once it moved on; a copy racing with writes and
 * moves is never torn.
 */
class AppendBufferTest {

    private static final int RECORD_BYTES = 100;
    private static final int RECORDS_PER_SEGMENT = 2_000;

    @TempDir
    Path directory;

    private final DiskQuota quota = new DiskQuota(1L << 30);
    private final Arena arena = Arena.ofShared();
    private AppendBuffer buffer;
    private Segment first;
    private Segment second;

    @BeforeEach
    void createSegments() throws IOException {
        first = DiskTestSupport.newSegment(directory, quota, 1);
        second = DiskTestSupport.newSegment(directory, quota, 2);
        buffer = new AppendBuffer(arena.allocate(AppendBuffer.BYTES, 8));
    }

    @AfterEach
    void release() {
        first.retire(true);
        second.retire(true);
        arena.close();
    }

    @Test
    void aRecordWaitsInMemoryIsReadThereAndReachesTheFileInOneWrite() throws IOException {
        buffer.attach(first, first.length());
        long[] at = new long[3];
        for (int i = 0; i < at.length; i++) {
            at[i] = append(first, record(i, RECORD_BYTES));
        }

        assertSame(buffer, first.tail());
        assertEquals(RecordFormat.SEGMENT_HEADER_BYTES, Files.size(first.path()), "nothing written yet");
        assertEquals(RecordFormat.SEGMENT_HEADER_BYTES + 3L * RECORD_BYTES, first.length());
        for (int i = 0; i < at.length; i++) {
            assertArrayEquals(record(i, RECORD_BYTES), read(first, at[i]), "record " + i + ", from the buffer");
        }

        buffer.write();

        assertEquals(first.length(), Files.size(first.path()), "one write, all three");
        assertEquals(first.length(), buffer.base());
        assertEquals(0, buffer.filled());
        for (int i = 0; i < at.length; i++) {
            assertEquals(AppendBuffer.Copy.IN_FILE, buffer.copy(first, at[i], arena.allocate(RECORD_BYTES)));
            assertArrayEquals(record(i, RECORD_BYTES), read(first, at[i]), "record " + i + ", from the file");
        }
    }

    @Test
    void aSegmentLetGoReadsOnlyItsFile() throws IOException {
        buffer.attach(first, first.length());
        long at = append(first, record(1, RECORD_BYTES));
        buffer.write();

        buffer.attach(second, second.length());
        long atSecond = append(second, record(2, RECORD_BYTES));

        assertNull(first.tail(), "the buffer moved on");
        assertEquals(at, atSecond, "both records at the same offset of their files");
        assertEquals(AppendBuffer.Copy.IN_FILE, buffer.copy(first, at, arena.allocate(RECORD_BYTES)));
        assertArrayEquals(record(1, RECORD_BYTES), read(first, at));
        assertArrayEquals(record(2, RECORD_BYTES), read(second, atSecond));

        buffer.release();
        assertNull(second.tail());
        assertEquals(AppendBuffer.Copy.IN_FILE, buffer.copy(second, atSecond, arena.allocate(RECORD_BYTES)));
    }

    @Test
    void forEachRecordNamesEveryWaitingRecordWithItsPlace() throws IOException {
        buffer.attach(first, first.length());
        append(first, storeRecord("a", 10, 1));
        buffer.write();
        long b = append(first, storeRecord("bb", 300, 2));
        long c = append(first, storeRecord("ccc", 0, 3));

        List<String> seen = new ArrayList<>();
        buffer.forEachRecord((record, offset) -> {
            MemorySegment key = record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record));
            seen.add(new String(key.toArray(ValueLayout.JAVA_BYTE)) + "@" + offset + "+" + record.byteSize());
        });

        assertEquals(List.of("bb@" + b + "+" + RecordFormat.recordBytes(2, 300),
                "ccc@" + c + "+" + RecordFormat.recordBytes(3, 0)), seen, "the written one is not waiting");
    }

    /**
     * A writer appends records through the buffer as the store does (written out when full, moved to a new segment
     * every {@value #RECORDS_PER_SEGMENT} records) and publishes each one's place once appended; readers read published
     * records at random over and over. Each read, out of the buffer or the file, must return the record's bytes
     * exactly: a copy racing with a write or a move is never torn, and "in the file" is never said of bytes not there
     * yet.
     */
    @Test
    void readsRacingWithWritesAndMovesReturnEveryRecordExactly() throws Exception {
        int records = 24_000;
        Segment[] segments = new Segment[records / RECORDS_PER_SEGMENT];
        segments[0] = first;
        segments[1] = second;
        for (int i = 2; i < segments.length; i++) {
            segments[i] = DiskTestSupport.newSegment(directory, quota, i + 1);
        }
        long[] places = new long[records];
        AtomicLong published = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong fromBuffer = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            long seed = r;
            readers.add(Thread.ofPlatform().start(() -> {
                java.util.Random random = new java.util.Random(seed);
                MemorySegment probe = Arena.ofAuto().allocate(RECORD_BYTES);
                MemorySegment dst = Arena.ofAuto().allocate(RECORD_BYTES);
                try {
                    while (running.get()) {
                        long count = published.get();
                        if (count == 0) {
                            continue;
                        }
                        int i = (int) Math.max(0, count - 1 - random.nextInt(AppendBuffer.BYTES / RECORD_BYTES));
                        Segment segment = segments[i / RECORDS_PER_SEGMENT];
                        if (buffer.copy(segment, places[i], probe) == AppendBuffer.Copy.COPIED) {
                            fromBuffer.incrementAndGet();
                        }
                        segment.read(dst, places[i]);
                        if (!java.util.Arrays.equals(record(i, RECORD_BYTES), dst.toArray(ValueLayout.JAVA_BYTE))) {
                            throw new AssertionError("record " + i + " read wrong");
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        try {
            for (int i = 0; i < records && failures.isEmpty(); i++) {
                Segment segment = segments[i / RECORDS_PER_SEGMENT];
                if (i % RECORDS_PER_SEGMENT == 0) {
                    if (i > 0) {
                        buffer.write();                // what waits goes to the old segment's file first
                    }
                    buffer.attach(segment, segment.length());
                } else if (!buffer.hasRoom(RECORD_BYTES)) {
                    buffer.write();
                }
                places[i] = append(segment, record(i, RECORD_BYTES));
                published.set(i + 1);                  // a volatile write: the place and the bytes come first
            }
        } finally {
            running.set(false);
            for (Thread reader : readers) {
                reader.join();
            }
            for (int i = 2; i < segments.length; i++) {
                segments[i].retire(true);
            }
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " reader(s) failed");
            failures.forEach(error::addSuppressed);
            throw error;
        }
        assertTrue(reads.get() > 0 && fromBuffer.get() > 0,
                "the readers read " + reads + " records, " + fromBuffer + " of them out of the buffer");
    }

    /** Appends {@code record} to {@code segment} through the buffer, as the store does; {@return its offset} */
    private long append(Segment segment, byte[] record) {
        long at = segment.length();
        MemorySegment.copy(MemorySegment.ofArray(record), 0, buffer.next(record.length), 0, record.length);
        buffer.appended(record.length);
        quota.forceReserve(record.length);
        segment.advance(record.length);
        return at;
    }

    private byte[] read(Segment segment, long at) throws IOException {
        MemorySegment dst = arena.allocate(RECORD_BYTES);
        segment.read(dst, at);
        return dst.toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] record(int seed, int bytes) {
        return DiskTestSupport.value(bytes, seed);
    }

    /** {@return a whole record as the store writes it: header, key, value, CRC} */
    private byte[] storeRecord(String key, int valueBytes, long sequence) {
        MemorySegment keyBytes = DiskTestSupport.key(key);
        MemorySegment value = MemorySegment.ofArray(DiskTestSupport.value(valueBytes, sequence));
        MemorySegment record = arena.allocate(RecordFormat.recordBytes(keyBytes.byteSize(), valueBytes));
        RecordWriter.fill(record, first.crcMask(), (byte) 0, sequence, keyBytes, value);
        return record.toArray(ValueLayout.JAVA_BYTE);
    }
}
