package dev.strata.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExternalSorterTest {

    private static final long EXECUTION_MEMORY = 4L << 20;

    @TempDir
    Path tmp;

    private Path spillDir() {
        return tmp.resolve("spill");
    }

    @ParameterizedTest
    @EnumSource(MemoryMode.class)
    void sortsTenTimesItsMemoryAndDeletesItsRuns(MemoryMode mode) throws IOException {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, mode)) {
            RecordGenerator generator = new RecordGenerator(42);
            RecordGenerator.Fingerprint inserted = new RecordGenerator.Fingerprint();
            long bytes = 0;
            while (bytes < 10 * EXECUTION_MEMORY) {
                byte[] key = generator.nextKey();
                byte[] value = generator.nextValue();
                sorter.insert(key, value);
                inserted.add(key, value);
                bytes += key.length + value.length;
            }
            assertTrue(sorter.spillCount() >= 9, "runs: " + sorter.spillCount());
            assertTrue(task.stats().onHeapUsedBytes() + task.stats().offHeapUsedBytes() <= EXECUTION_MEMORY);
            assertEquals(sorter.spillCount(), spillFiles().size());

            RecordGenerator.Fingerprint sorted = new RecordGenerator.Fingerprint();
            try (SortedRecords records = sorter.sortedRecords()) {
                byte[] previous = null;
                while (records.next()) {
                    byte[] key = records.key();
                    if (previous != null) {
                        assertTrue(Arrays.compareUnsigned(previous, key) <= 0, "out of order at record " + sorted.count);
                    }
                    sorted.add(key, records.value());
                    previous = key;
                }
            }

            assertEquals(inserted, sorted);
            assertEquals(List.of(), spillFiles());
            assertEquals(0, task.stats().pagesHeld());
            assertEquals(sorter.spillCount(), task.stats().spills());
            assertEquals(sorter.spillFileBytes(), fx.factory.stats().spillFileBytes());
        }
    }

    @Test
    void sortsSmallInputsInMemoryWithEdgeCaseKeys() {
        byte[][] keys = {bytes(), bytes(0), bytes(0, 0), bytes(1), bytes(0xFF), bytes(0x7F), bytes(0x80),
            bytes(1, 2, 3, 4, 5, 6, 7, 8), bytes(1, 2, 3, 4, 5, 6, 7, 8, 0), bytes(1, 2, 3, 4, 5, 6, 7, 8, 0xFF),
            bytes(1, 2, 3, 4, 5, 6, 7), bytes(1, 2, 3, 4, 5, 6, 7, 9), bytes(1), bytes()};
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP)) {
            for (int i = 0; i < keys.length; i++) {
                sorter.insert(keys[i], bytes(i));
            }
            List<byte[]> expected = new ArrayList<>(List.of(keys));
            expected.sort(Arrays::compareUnsigned);

            List<byte[]> actual = new ArrayList<>();
            try (SortedRecords records = sorter.sortedRecords()) {
                while (records.next()) {
                    actual.add(records.key());
                    assertEquals(1, records.value().length);
                }
                assertFalse(records.next());
                assertThrows(IllegalStateException.class, records::key);
            }

            assertEquals(0, sorter.spillCount());
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), actual.get(i), "record " + i);
            }
        }
    }

    @Test
    void anEmptySorterYieldsNothing() {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.ON_HEAP);
             SortedRecords records = sorter.sortedRecords()) {
            assertFalse(records.next());
            assertEquals(0, task.stats().pagesHeld());
        }
    }

    @Test
    void aCorruptedRunIsDetectedMidMergeAndAllFilesAreRemoved() throws IOException {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP)) {
            fill(sorter, 3 * EXECUTION_MEMORY);
            assertTrue(sorter.spillCount() >= 2);
            SortedRecords records = sorter.sortedRecords();
            assertTrue(records.next());
            Path victim = spillFiles().getFirst();
            flipByte(victim, Files.size(victim) / 2);

            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> drain(records));

            assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
            assertTrue(e.getMessage().contains(victim.toString()), e.getMessage());
            assertEquals(List.of(), spillFiles());
            assertEquals(0, task.stats().pagesHeld());
            assertThrows(IllegalStateException.class, records::next);
        }
    }

    @Test
    void aTruncatedRunIsDetected() throws IOException {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.ON_HEAP)) {
            fill(sorter, 2 * EXECUTION_MEMORY);
            Path victim = spillFiles().getFirst();
            try (RandomAccessFile file = new RandomAccessFile(victim.toFile(), "rw")) {
                file.setLength(file.length() - 5);
            }
            SortedRecords records = sorter.sortedRecords();

            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> drain(records));

            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertEquals(List.of(), spillFiles());
        }
    }

    @Test
    void closeDeletesRunsWithOrWithoutAMerge() throws IOException {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask()) {
            ExternalSorter unmerged = new ExternalSorter(task, MemoryMode.ON_HEAP);
            fill(unmerged, 2 * EXECUTION_MEMORY);
            assertFalse(spillFiles().isEmpty());
            unmerged.close();
            assertEquals(List.of(), spillFiles());
            assertEquals(0, task.stats().pagesHeld());

            ExternalSorter halfMerged = new ExternalSorter(task, MemoryMode.OFF_HEAP);
            fill(halfMerged, 2 * EXECUTION_MEMORY);
            SortedRecords records = halfMerged.sortedRecords();
            assertTrue(records.next());
            halfMerged.close();
            assertEquals(List.of(), spillFiles());
            assertEquals(0, task.stats().pagesHeld());
            assertThrows(IllegalStateException.class, records::next);
            assertThrows(IllegalStateException.class, () -> halfMerged.insert(bytes(), bytes()));
        }
    }

    @Test
    void closingTheTaskFirstReportsTheSorterAsALeakAndTheSorterStillCleansUp() throws IOException {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir())) {
            TaskMemory task = fx.factory.newTask();
            ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP);
            fill(sorter, 2 * EXECUTION_MEMORY);
            long held = sorter.used();

            IllegalStateException leak = assertThrows(IllegalStateException.class, task::close);
            sorter.close();

            assertTrue(leak.getMessage().contains(held + " bytes"), leak.getMessage());
            assertEquals(List.of(), spillFiles());
            assertEquals(0, fx.offHeapPages.stats().pagesUsed());
        }
    }

    @Test
    void aFailedSpillLeavesNoFileAndTheRecordsInMemory() throws IOException {
        Path notADirectory = Files.writeString(tmp.resolve("occupied"), "a file where the spill directory should be");
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, notADirectory); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> fill(sorter, 2 * EXECUTION_MEMORY));

            assertTrue(e.getMessage().contains("failed to spill"), e.getMessage());
            assertEquals(0, sorter.spillCount());
            assertTrue(sorter.used() > 0);
            try (Stream<Path> files = Files.list(tmp)) {
                assertEquals(List.of(notADirectory), files.toList());
            }
        }
    }

    @Test
    void refusesRecordsLargerThanAPageAndNulls() {
        try (ExecFixture fx = new ExecFixture(EXECUTION_MEMORY, spillDir()); TaskMemory task = fx.factory.newTask();
             ExternalSorter sorter = new ExternalSorter(task, MemoryMode.ON_HEAP)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sorter.insert(new byte[10], new byte[(int) ExecFixture.PAGE]));
            assertTrue(e.getMessage().contains("65536"), e.getMessage());
            sorter.insert(new byte[8], new byte[(int) ExecFixture.PAGE - 16]);      // exactly one page
            assertThrows(NullPointerException.class, () -> sorter.insert(null, bytes()));
            assertThrows(NullPointerException.class, () -> sorter.insert(bytes(), null));
            try (SortedRecords records = sorter.sortedRecords()) {
                assertTrue(records.next());
                assertEquals(ExecFixture.PAGE - 16, records.value().length);
            }
            assertThrows(IllegalStateException.class, sorter::sortedRecords);
        }
    }

    private List<Path> spillFiles() throws IOException {
        if (!Files.exists(spillDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(spillDir())) {
            return files.sorted().toList();
        }
    }

    private static void fill(ExternalSorter sorter, long bytes) {
        RecordGenerator generator = new RecordGenerator(7);
        long inserted = 0;
        while (inserted < bytes) {
            byte[] key = generator.nextKey();
            byte[] value = generator.nextValue();
            sorter.insert(key, value);
            inserted += key.length + value.length;
        }
    }

    private static void drain(SortedRecords records) {
        while (records.next()) {
            records.key();
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x10);
        }
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }
}
