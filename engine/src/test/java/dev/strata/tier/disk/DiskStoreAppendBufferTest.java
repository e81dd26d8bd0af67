package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.COMPACTOR_THREAD;
import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentFiles;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a transient store writes through its {@link AppendBuffer}s: its newest records wait in memory and are read
 * there, reach the file 64 KiB at a time and whole when their segment is sealed, a record larger than the buffer goes
 * after the ones waiting; a persistent store writes each record before {@code put} returns. And readers racing with
 * appends, buffer writes, segment rolls and the compactor's copies read every value exactly.
 */
class DiskStoreAppendBufferTest {

    private static final int VALUE_BYTES = 100;

    @TempDir
    Path dir;

    @Test
    void aTransientStoresNewestRecordsWaitInMemoryAndAreReadThere() throws IOException {
        int recordBytes = RecordFormat.recordBytes(key(0).byteSize(), VALUE_BYTES);
        try (DiskStore store = open(transientConfig().withSegmentBytes(DiskStoreConfig.DEFAULT_SEGMENT_BYTES))) {
            for (int i = 0; i < 10; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            Path file = segmentFiles(dir).getFirst();

            assertEquals(RecordFormat.SEGMENT_HEADER_BYTES, Files.size(file), "no record written yet");
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(value(VALUE_BYTES, i), store.get(key(i)), "key " + i + ", out of memory");
            }
            assertEquals(10, store.stats().recordsWritten());

            int perBuffer = AppendBuffer.BYTES / recordBytes;
            for (int i = 10; i <= perBuffer; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }

            assertEquals(RecordFormat.SEGMENT_HEADER_BYTES + (long) perBuffer * recordBytes, Files.size(file),
                    "a full buffer went to the file in one write; the record that did not fit waits in the next");
            for (int i = 0; i <= perBuffer; i++) {
                assertArrayEquals(value(VALUE_BYTES, i), store.get(key(i)), "key " + i);
            }
        }
    }

    @Test
    void aSealedSegmentHoldsAllItsRecordsInItsFile() throws IOException {
        try (DiskStore store = open(transientConfig())) {        // 64 KiB segments: one buffer each
            int i = 0;
            while (segmentFiles(dir).size() < 3) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
                i++;
            }
            List<Path> files = segmentFiles(dir);
            long sealedBytes = Files.size(files.get(0)) + Files.size(files.get(1));
            long records = (sealedBytes - 2L * RecordFormat.SEGMENT_HEADER_BYTES)
                    / RecordFormat.recordBytes(key(0).byteSize(), VALUE_BYTES);

            assertEquals(RecordFormat.SEGMENT_HEADER_BYTES, Files.size(files.get(2)), "the active one waits");
            assertEquals(i - 1, records, "every record but the newest is in a sealed segment's file");
            for (int k = 0; k < i; k++) {
                assertArrayEquals(value(VALUE_BYTES, k), store.get(key(k)), "key " + k);
            }
        }
    }

    @Test
    void aRecordLargerThanTheBufferIsWrittenAfterTheOnesWaiting() throws IOException {
        int small = RecordFormat.recordBytes(key(0).byteSize(), VALUE_BYTES);
        int largeValue = AppendBuffer.BYTES + 1000;
        try (DiskStore store = open(transientConfig().withSegmentBytes(DiskStoreConfig.DEFAULT_SEGMENT_BYTES))) {
            for (int i = 0; i < 3; i++) {
                assertTrue(store.put(key(i), segmentOf(value(VALUE_BYTES, i))));
            }
            assertTrue(store.put(key(3), segmentOf(value(largeValue, 3))));
            Path file = segmentFiles(dir).getFirst();

            assertEquals(RecordFormat.SEGMENT_HEADER_BYTES + 3L * small
                    + RecordFormat.recordBytes(key(3).byteSize(), largeValue), Files.size(file));
            assertTrue(store.put(key(4), segmentOf(value(VALUE_BYTES, 4))));
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(value(i == 3 ? largeValue : VALUE_BYTES, i), store.get(key(i)), "key " + i);
            }
            assertEquals(Files.size(file) + small, store.fileBytes(), "the last one waits");
        }
    }

    @Test
    void aPersistentStoreWritesEachRecordBeforePutReturns() throws IOException {
        try (DiskStore store = open(persistentConfig())) {
            assertTrue(store.put(key(1), segmentOf(value(VALUE_BYTES, 1))));

            assertEquals(RecordFormat.SEGMENT_HEADER_BYTES + RecordFormat.recordBytes(key(1).byteSize(), VALUE_BYTES),
                    Files.size(segmentFiles(dir).getFirst()));
        }
    }

    /**
     * A writer overwrites a few hundred keys with values that name their key and their write; the compactor thread
     * copies the live records of sealed segments meanwhile (through buffers of its own), and two readers read the
     * keys written last. Every value read must be whole, be its key's, and be no older than the key's last write that
     * finished before the read began. Segments of 64 KiB roll at every buffer; of 1 MiB, the buffer is written out
     * sixteen times per segment.
     */
    @ParameterizedTest(name = "segments of {0} bytes")
    @ValueSource(longs = {DiskStoreConfig.MIN_SEGMENT_BYTES, 1L << 20})
    void readsRacingWithAppendsRollsAndCopiesReadEveryValueExactly(long segmentBytes) throws Exception {
        int keys = 300;
        int writes = 60_000;
        long[] lastWrite = new long[keys];                        // the writer's, published through `written`
        Arrays.fill(lastWrite, -1);
        AtomicLong written = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        try (DiskCompactor compactor = new DiskCompactor(COMPACTOR_THREAD);
             DiskStore store = DiskStore.open(dir, transientConfig().withSegmentBytes(segmentBytes),
                     new DiskQuota(1L << 30), compactor)) {
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Random random = new Random(r);
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (running.get()) {
                            long done = written.get();
                            if (done == 0) {
                                continue;
                            }
                            long write = Math.max(0, done - 1 - random.nextInt(keys));
                            int k = (int) (write % keys);
                            checkValue(store.get(key(k)), k, write);
                            reads.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            try {
                for (long w = 0; w < writes && failures.isEmpty(); w++) {
                    int k = (int) (w % keys);
                    assertTrue(store.put(key(k), segmentOf(valueOf(k, w))));
                    lastWrite[k] = w;
                    written.set(w + 1);
                }
            } finally {
                running.set(false);
                for (Thread reader : readers) {
                    reader.join();
                }
            }
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError(failures.size() + " reader(s) failed");
                failures.forEach(error::addSuppressed);
                throw error;
            }
            assertTrue(reads.get() > 0, "the readers ran");
            for (int k = 0; k < keys; k++) {
                checkValue(store.get(key(k)), k, lastWrite[k]);
            }
            assertEquals(0, store.stats().corruptRecords());
            assertEquals(0, store.stats().ioErrors());
        }
    }

    /** {@return key {@code k}'s value of write {@code w}: the write's number, then bytes that depend on both} */
    private static byte[] valueOf(int k, long w) {
        byte[] value = value(VALUE_BYTES, w * 1_000 + k);
        MemorySegment.ofArray(value).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, w);
        return value;
    }

    /** Checks that {@code value} is whole, is key {@code k}'s, and comes from write {@code atLeast} or a later one. */
    private static void checkValue(byte[] value, int k, long atLeast) {
        if (value == null) {
            throw new AssertionError("key " + k + " missing; written by write " + atLeast + " at least");
        }
        long w = MemorySegment.ofArray(value).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (w < atLeast || !Arrays.equals(valueOf(k, w), value)) {
            throw new AssertionError("key " + k + ": read a value of write " + w + " (whole: "
                    + Arrays.equals(valueOf(k, w), value) + "), expected write " + atLeast + " or later");
        }
    }

    private DiskStore open(DiskStoreConfig config) throws IOException {
        return DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30));
    }
}
