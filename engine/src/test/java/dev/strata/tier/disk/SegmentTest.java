package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.tier.disk.SegmentScanner.Step;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment's file and quota across retirement (deleted at once, closed and released with its last reader), and its
 * mapping (made by a point read once sealed and read often enough, within the bound, dropped with the last reader).
 */
class SegmentTest {

    private static final int READS_BEFORE_MAPPING = 5;

    @TempDir
    Path dir;

    @Test
    void aRetiredFileLeavesTheDirectoryAtOnceAndItsBytesTheQuotaWithTheLastReader() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
        Segment segment = Segment.create(dir, 1, false, quota, false);
        Path file = dir.resolve(Segment.fileName(1));
        assertTrue(segment.tryAcquire(), "a reader in flight");
        segment.retire(true);
        assertTrue(segment.isRetired());
        assertFalse(Files.exists(file));
        assertEquals(RecordFormat.SEGMENT_HEADER_BYTES, quota.usedBytes(), "the bytes are on the device still");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(RecordFormat.SEGMENT_HEADER_BYTES);
            segment.read(header, 0);
            assertTrue(RecordFormat.isValidSegmentHeader(header, 1), "read through the open channel");
        }
        segment.release();
        assertEquals(0, quota.usedBytes());
        segment.retire(true);
        assertEquals(0, quota.usedBytes(), "released once");
    }

    /**
     * A caller whose interrupt status is set reads as any other (the status is held back during the I/O), so it does
     * not close the channel under the other holders: a deleted file, which could not be reopened, stays readable.
     */
    @Test
    void anInterruptedReaderReadsADeletedFileAndLeavesItsChannelOpen() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        Segment segment = heldAndRetired(quota, true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(RecordFormat.SEGMENT_HEADER_BYTES);
            Thread.currentThread().interrupt();
            segment.read(header, 0);
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            assertTrue(RecordFormat.isValidSegmentHeader(header, 1));
            header.fill((byte) 0);
            segment.read(header, 0);
            assertTrue(RecordFormat.isValidSegmentHeader(header, 1), "the channel is still open for the others");
        } finally {
            Thread.interrupted();
            segment.release();
        }
        assertEquals(0, quota.usedBytes());
    }

    /**
     * An interrupt that arrives during the I/O closes the channel for every holder; a deleted file is not reopened
     * (that would fail, or open a new file of the same name), so the I/O fails with the channel's exception, for which
     * the store's reader looks its key up again, finding the segment retired.
     */
    @Test
    void anUnlinkedFileIsNotReopenedAfterAnInterruptClosedItsChannel() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        Segment segment = heldAndRetired(quota, true);
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(ClosedChannelException.class, () -> segment.io(interruptedDuringTheRead(new int[] {1})));
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            MemorySegment header = arena.allocate(RecordFormat.SEGMENT_HEADER_BYTES);
            assertThrows(ClosedChannelException.class, () -> segment.read(header, 0), "closed for every holder");
            assertFalse(Files.exists(dir.resolve(Segment.fileName(1))), "not created again");
        } finally {
            Thread.interrupted();
            segment.release();
        }
        assertEquals(0, quota.usedBytes());
    }

    /** A segment retired without deletion (a persistent store's close) is reopened after an interrupt closed it. */
    @Test
    void aKeptFileIsReopenedAfterAnInterruptClosedItsChannel() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        Segment segment = heldAndRetired(quota, false);
        try (Arena arena = Arena.ofConfined()) {
            int[] interrupts = {1};
            segment.io(interruptedDuringTheRead(interrupts));
            assertEquals(0, interrupts[0], "the first run was interrupted, the second ran on a reopened channel");
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            MemorySegment header = arena.allocate(RecordFormat.SEGMENT_HEADER_BYTES);
            segment.read(header, 0);
            assertTrue(RecordFormat.isValidSegmentHeader(header, 1));
        } finally {
            Thread.interrupted();
            segment.release();
        }
        assertTrue(Files.exists(dir.resolve(Segment.fileName(1))));
        assertEquals(0, quota.usedBytes());
    }

    /**
     * {@return segment 1, new, with a reference held by the caller and retired ({@code delete}: its file deleted, as
     * compaction and eviction do; else kept, as a persistent store's close does)}
     */
    private Segment heldAndRetired(DiskQuota quota, boolean delete) throws IOException {
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
        Segment segment = Segment.create(dir, 1, false, quota, false);
        assertTrue(segment.tryAcquire());
        segment.retire(delete);
        return segment;
    }

    /**
     * {@return a read whose thread is interrupted just before it, while {@code interrupts[0]} is above 0 (each run
     * counts one down): an interrupt that arrives during the I/O, which closes the channel}
     */
    private static Segment.ChannelAction interruptedDuringTheRead(int[] interrupts) {
        return channel -> {
            if (interrupts[0] > 0) {
                interrupts[0]--;
                Thread.currentThread().interrupt();
            }
            channel.read(ByteBuffer.allocate(8), 0);
        };
    }

    @Test
    void aSealedSegmentIsReadFromAMappingThatLeavesWithTheLastReader() throws IOException {
        SegmentMaps maps = new SegmentMaps(1, READS_BEFORE_MAPPING);
        DiskQuota quota = new DiskQuota(1 << 20);
        byte[] payload = DiskTestSupport.value(1000, 1);
        Segment segment = segmentHolding(1, payload, quota, maps);
        assertArrayEquals(payload, read(segment, payload.length), "read positionally while appended to");
        assertFalse(segment.isMapped(), "an active segment is not mapped");

        segment.seal();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scanned = arena.allocate(payload.length);
            segment.read(scanned, RecordFormat.SEGMENT_HEADER_BYTES);
            assertArrayEquals(payload, scanned.toArray(ValueLayout.JAVA_BYTE));
            assertFalse(segment.isMapped(), "a scan does not map");
        }
        for (int i = 0; i < READS_BEFORE_MAPPING; i++) {
            assertArrayEquals(payload, read(segment, payload.length));
        }
        assertFalse(segment.isMapped(), "not during the first " + READS_BEFORE_MAPPING + " point reads");
        assertArrayEquals(payload, read(segment, payload.length));
        assertTrue(segment.isMapped(), "point reads do");
        assertEquals(1, maps.inUse());
        overwrite(1, 5, (byte) 42);
        assertEquals(42, read(segment, payload.length)[5], "the mapping shares the file's pages");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment past = arena.allocate(2);
            assertThrows(EOFException.class,
                    () -> segment.readMapping(past, RecordFormat.SEGMENT_HEADER_BYTES + payload.length - 1));
        }

        assertTrue(segment.tryAcquire(), "a reader in flight");
        segment.retire(true);
        assertEquals(payload[6], read(segment, payload.length)[6], "mapped still, for the reader");
        assertTrue(segment.isMapped());
        segment.release();
        assertFalse(segment.isMapped());
        assertEquals(0, maps.inUse(), "the mapping's place is given back");
        assertEquals(0, quota.usedBytes());
    }

    @Test
    void aSegmentPastTheBoundOnMappingsIsReadPositionally() throws IOException {
        SegmentMaps maps = new SegmentMaps(1, READS_BEFORE_MAPPING);
        DiskQuota quota = new DiskQuota(1 << 20);
        byte[] first = DiskTestSupport.value(300, 1);
        byte[] second = DiskTestSupport.value(300, 2);
        Segment mapped = segmentHolding(1, first, quota, maps);
        Segment unmapped = segmentHolding(2, second, quota, maps);
        mapped.seal();
        unmapped.seal();
        for (int i = 0; i < 2 * READS_BEFORE_MAPPING; i++) {
            assertArrayEquals(first, read(mapped, first.length));
            assertArrayEquals(second, read(unmapped, second.length));
        }
        assertTrue(mapped.isMapped());
        assertFalse(unmapped.isMapped(), "the bound is reached");
        assertEquals(1, maps.inUse());
        mapped.retire(true);
        unmapped.retire(true);
        assertEquals(0, maps.inUse());
        assertEquals(0, quota.usedBytes());
        assertThrows(IllegalArgumentException.class, () -> new SegmentMaps(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SegmentMaps(1, 0));
    }

    /**
     * A compacted segment's file takes a spare's name at once and goes to the spares when its last reader leaves,
     * keeping its quota; a new segment in it holds the old bytes past its end as slack, which appends use up; a scan
     * of it stops at its end.
     */
    @Test
    void aSpareFileCarriesItsQuotaIntoTheSegmentThatReusesItAndIsScannedOnlyToItsEnd() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        SpareFiles spares = new SpareFiles(dir, quota, 1 << 16);
        long header = RecordFormat.SEGMENT_HEADER_BYTES;
        try (RecordWriter writer = new RecordWriter()) {
            quota.forceReserve(header);
            Segment old = Segment.create(dir, 1, false, quota, false);
            for (int i = 0; i < 10; i++) {
                append(old, writer, i, 300, quota);
            }
            long oldBytes = old.fileBytes();
            assertTrue(old.tryAcquire(), "a reader in flight");
            old.retireToSpares(spares);
            assertFalse(Files.exists(dir.resolve(Segment.fileName(1))), "no segment of the store's from now on");
            assertTrue(SpareFiles.isSpare(old.path().getFileName().toString()), old.path().toString());
            assertEquals(0, spares.count(), "kept for the reader until it leaves");
            assertArrayEquals(DiskTestSupport.value(300, 0), valueOfFirstRecord(old), "the reader still reads it");
            old.release();
            assertEquals(1, spares.count());
            assertEquals(oldBytes, quota.usedBytes(), "the spare's bytes stay reserved");

            quota.forceReserve(header);                                  // as a store reserves a new segment's header
            Segment reused = Segment.reuse(dir, 2, false, quota, spares.take(), false);
            assertEquals(header, reused.length());
            assertEquals(oldBytes, reused.fileBytes());
            assertEquals(oldBytes, quota.usedBytes(), "the header's reservation went back: it overwrote the spare's");
            append(reused, writer, 100, 1000, quota);                     // ends inside an old record
            assertEquals(oldBytes, reused.fileBytes());
            assertEquals(oldBytes, quota.usedBytes());
            assertEquals(oldBytes, Files.size(dir.resolve(Segment.fileName(2))));
            try (SegmentScanner scanner = new SegmentScanner(reused)) {
                assertEquals(SegmentScanner.Step.RECORD, scanner.next());
                assertEquals(SegmentScanner.Step.END, scanner.next(), "the old records past the end are not read");
            }
            for (int i = 0; i < 5; i++) {
                append(reused, writer, 200 + i, 1000, quota);             // past the old file's end
            }
            assertEquals(reused.length(), reused.fileBytes(), "no slack left");
            assertEquals(reused.length(), quota.usedBytes());
            reused.retire(true);
        }
        spares.close();
        assertEquals(0, quota.usedBytes());
    }

    /**
     * Recovery reads a file to its end. In a reused file it must stop where the new segment ends: at its end marker
     * (whole, or cut short by the file's end), or at a record of the file's earlier segment, which fails the new
     * segment's CRC mask but passes an earlier one's. A record that fails its CRC for another reason is corrupt.
     */
    @Test
    void aScanToTheFilesEndStopsWhereTheSegmentWrittenIntoAReusedFileEnds() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        try (RecordWriter writer = new RecordWriter()) {
            quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
            Segment old = Segment.create(dir, 1, false, quota, false);
            for (int i = 0; i < 6; i++) {
                append(old, writer, i, 300, quota);
            }
            SpareFiles spares = new SpareFiles(dir, quota, 1 << 16);
            old.retireToSpares(spares);
            quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
            Segment reused = Segment.reuse(dir, 2, false, quota, spares.take(), false);
            append(reused, writer, 100, 300, quota);                      // ends where an old record starts
            reused.seal();
            assertEquals(List.of(Step.RECORD, Step.REUSED_END), scanFile(2, quota),
                    "an old record, intact under segment 1's mask");

            long end = reused.length();
            Path file = dir.resolve(Segment.fileName(2));
            DiskTestSupport.flipByte(file, end + RecordFormat.HEADER_BYTES + 3);
            assertEquals(List.of(Step.RECORD, Step.CORRUPT, Step.REUSED_END), scanFile(2, quota),
                    "an old record damaged fails either mask: corrupt, and the next old one ends the segment");
            DiskTestSupport.flipByte(file, end + RecordFormat.HEADER_BYTES + 3);

            writeEndMarker(writer, file, end, reused.crcMask(), RecordFormat.HEADER_BYTES);
            assertEquals(List.of(Step.RECORD, Step.REUSED_END), scanFile(2, quota), "an end marker");

            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(end + 7);
            }
            assertEquals(List.of(Step.RECORD, Step.REUSED_END), scanFile(2, quota),
                    "an end marker cut short by the file's end");
            DiskTestSupport.flipByte(file, end + 4);                     // the marker's flags
            assertEquals(List.of(Step.RECORD, Step.TORN_TAIL), scanFile(2, quota), "not a marker: a torn tail");
            reused.retire(true);
        }
    }

    private static void writeEndMarker(RecordWriter writer, Path file, long at, int crcMask, int bytes)
            throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writer.writeEndMarker(channel, at, crcMask, bytes);
        }
    }

    /** {@return the steps of a scan of segment {@code id}'s whole file, opened as recovery opens it} */
    private List<Step> scanFile(long id, DiskQuota quota) throws IOException {
        Segment segment = Segment.open(dir.resolve(Segment.fileName(id)), id, quota);
        quota.forceReserve(segment.length());
        try {
            MemorySegment header = MemorySegment.ofArray(new byte[RecordFormat.SEGMENT_HEADER_BYTES]);
            segment.read(header, 0);
            assertTrue(RecordFormat.isValidSegmentHeader(header, id));
            segment.recoverHeader(header);
            List<Step> steps = new ArrayList<>();
            try (SegmentScanner scanner = new SegmentScanner(segment)) {
                for (Step step = scanner.next(); ; step = scanner.next()) {
                    steps.add(step);
                    if (step != Step.RECORD && step != Step.CORRUPT) {
                        return steps;
                    }
                }
            }
        } finally {
            segment.retire(false);
        }
    }

    /** Appends one record of {@code valueBytes} to {@code segment} as a store does, reserving its bytes first. */
    private static void append(Segment segment, RecordWriter writer, int key, int valueBytes, DiskQuota quota)
            throws IOException {
        MemorySegment keyBytes = DiskTestSupport.key(key);
        MemorySegment value = MemorySegment.ofArray(DiskTestSupport.value(valueBytes, key));
        int recordBytes = RecordFormat.recordBytes(keyBytes.byteSize(), value.byteSize());
        quota.forceReserve(recordBytes);
        long at = segment.length();
        segment.io(channel -> writer.write(channel, at, segment.crcMask(), 0, (byte) 0, key + 1, keyBytes, value,
                recordBytes));
        segment.advance(recordBytes);
    }

    /** {@return the value of the first record of {@code segment}, read through its channel} */
    private static byte[] valueOfFirstRecord(Segment segment) throws IOException {
        try (SegmentScanner scanner = new SegmentScanner(segment)) {
            assertEquals(SegmentScanner.Step.RECORD, scanner.next());
            MemorySegment record = scanner.record();
            return record.asSlice(RecordFormat.HEADER_BYTES + RecordFormat.keyBytes(record))
                    .toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** {@return a new segment {@code id} of one record-less payload after its header, drawing mappings from maps} */
    private Segment segmentHolding(long id, byte[] payload, DiskQuota quota, SegmentMaps maps) throws IOException {
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES + payload.length);
        Segment segment = Segment.create(dir, id, false, quota, false);
        segment.mapWith(maps);
        segment.io(channel -> Segment.writeFully(channel, ByteBuffer.wrap(payload), RecordFormat.SEGMENT_HEADER_BYTES));
        segment.advance(payload.length);
        return segment;
    }

    private static byte[] read(Segment segment, int bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment into = arena.allocate(bytes);
            segment.readMapping(into, RecordFormat.SEGMENT_HEADER_BYTES);
            return into.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private void overwrite(long id, int at, byte value) throws IOException {
        try (FileChannel channel = FileChannel.open(dir.resolve(Segment.fileName(id)), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {value}), RecordFormat.SEGMENT_HEADER_BYTES + at);
        }
    }
}
