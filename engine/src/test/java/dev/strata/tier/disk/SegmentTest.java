package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment's file and quota across retirement: deleted at once, closed and released with its last reader. */
class SegmentTest {

    @TempDir
    Path dir;

    @Test
    void aRetiredFileLeavesTheDirectoryAtOnceAndItsBytesTheQuotaWithTheLastReader() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
        Segment segment = Segment.create(dir, 1, quota, false);
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
     * An interrupt closes the channel for every holder; a deleted file is not reopened (that would fail, or open a
     * new file of the same name), so the I/O fails with the channel's exception, for which the store's reader looks
     * its key up again, finding the segment retired.
     */
    @Test
    void anUnlinkedFileIsNotReopenedAfterAnInterruptClosedItsChannel() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
        Segment segment = Segment.create(dir, 1, quota, false);
        assertTrue(segment.tryAcquire());
        segment.retire(true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(RecordFormat.SEGMENT_HEADER_BYTES);
            Thread.currentThread().interrupt();
            assertThrows(ClosedChannelException.class, () -> segment.read(header, 0));
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            assertThrows(ClosedChannelException.class, () -> segment.read(header, 0), "closed for every holder");
            assertFalse(Files.exists(dir.resolve(Segment.fileName(1))), "not created again");
        } finally {
            Thread.interrupted();
            segment.release();
        }
        assertEquals(0, quota.usedBytes());
    }

    /** A segment retired without deletion (a persistent store's close) still reopens after an interrupt. */
    @Test
    void aKeptFileIsReopenedAfterAnInterruptClosedItsChannel() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20);
        quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
        Segment segment = Segment.create(dir, 1, quota, false);
        assertTrue(segment.tryAcquire());
        segment.retire(false);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(RecordFormat.SEGMENT_HEADER_BYTES);
            Thread.currentThread().interrupt();
            segment.read(header, 0);
            assertTrue(Thread.interrupted());
            assertTrue(RecordFormat.isValidSegmentHeader(header, 1));
        } finally {
            Thread.interrupted();
            segment.release();
        }
        assertTrue(Files.exists(dir.resolve(Segment.fileName(1))));
        assertEquals(0, quota.usedBytes());
    }
}
