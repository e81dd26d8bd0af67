package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DiskStore#put(MemorySegment, int, ValueWriter, boolean)}: a value written straight into the record being
 * assembled is stored as a value handed over in bytes is, whatever its size (empty, within the append buffer, past it,
 * and past the write buffer, where it is written into an array first), its CRC sealed over what the writer wrote, and
 * its deadline noted from those bytes.
 */
class DiskStoreValueWriterTest {

    /** Sizes on either side of each place a record is assembled: append buffer (64 KiB), write buffer (256 KiB). */
    private static final int[] SIZES = {0, 1, 100, 4096, 64 * 1024 - 100, 64 * 1024, 100_000,
            RecordWriter.BUFFER_BYTES - 200, RecordWriter.BUFFER_BYTES, 400_000};

    @TempDir
    Path dir;

    /** Writes {@code bytes} and records each target it was given, so a test sees where and how often it wrote. */
    private static final class Writer implements ValueWriter {
        private final byte[] bytes;
        final List<Long> targetSizes = new ArrayList<>();
        final List<Boolean> targetsNative = new ArrayList<>();

        Writer(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public void write(MemorySegment target) {
            targetSizes.add(target.byteSize());
            targetsNative.add(target.isNative());
            MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, 0, bytes.length);
        }
    }

    private DiskStore open(boolean persistent) throws IOException {
        return DiskTestSupport.openCompactingInline(dir, persistent ? persistentConfig() : transientConfig(),
                new DiskQuota(1L << 30));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writtenValues_readBack_andSurviveAScanOfEveryRecord(boolean persistent) throws IOException {
        try (DiskStore store = open(persistent)) {
            for (int i = 0; i < SIZES.length; i++) {
                Writer writer = new Writer(value(SIZES[i], i));
                assertTrue(store.put(key(i), SIZES[i], writer, false));
                assertEquals(List.of((long) SIZES[i]), writer.targetSizes, "one target of the value's size");
                boolean whole = RecordWriter.assemblesWhole(RecordFormat.recordBytes(key(i).byteSize(), SIZES[i]));
                assertEquals(List.of(whole), writer.targetsNative,
                        "written into the store's native buffer when the record fits it, else into an array");
            }
            for (int i = 0; i < SIZES.length; i++) {
                assertArrayEquals(value(SIZES[i], i), store.get(key(i)), "size " + SIZES[i]);
            }
        }
        if (persistent) {
            DiskTestSupport.asAfterACrash(dir);            // the open scans every record and checks its CRC
            try (DiskStore store = open(true)) {
                assertEquals(0, store.stats().corruptRecords());
                for (int i = 0; i < SIZES.length; i++) {
                    assertArrayEquals(value(SIZES[i], i), store.get(key(i)), "size " + SIZES[i]);
                }
            }
        }
    }

    @Test
    void aWrittenValue_overwritesAndIsOverwrittenLikeAnyOther() throws IOException {
        try (DiskStore store = open(false)) {
            assertTrue(store.put(key("k"), DiskTestSupport.segmentOf(value(500, 1))));
            assertTrue(store.put(key("k"), 700, new Writer(value(700, 2)), false));
            assertArrayEquals(value(700, 2), store.get(key("k")));
            assertTrue(store.put(key("k"), DiskTestSupport.segmentOf(value(300, 3))));
            assertArrayEquals(value(300, 3), store.get(key("k")));
            assertEquals(1, store.size());
        }
    }

    @Test
    void theDeadlineOfAWrittenValue_isNoted() throws IOException {
        ValueLayout.OfLong deadline = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        DiskStoreConfig config = transientConfig().withDeadlines(v -> v.get(deadline, 0));
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, config, new DiskQuota(1L << 30))) {
            store.dropExpiredWhenCompacting(v -> v.get(deadline, 0) <= 200);
            for (int i = 0; i < 200; i++) {
                byte[] bytes = value(1000, i);
                MemorySegment.ofArray(bytes).set(deadline, 0, i < 100 ? 100 : 1000);
                assertTrue(store.put(key(i), bytes.length, new Writer(bytes), false));
            }
            assertTrue(store.compactExpiredSegments(d -> d <= 200) >= 1, "the first keys' segments are found");
            assertTrue(store.size() < 200 && store.size() >= 100, "size " + store.size());
        }
    }

    @Test
    void aNegativeSize_isRefused() throws IOException {
        try (DiskStore store = open(false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> store.put(key("k"), -1, target -> { }, false));
            assertEquals("valueBytes: -1 (expected: >= 0)", e.getMessage());
            assertThrows(NullPointerException.class, () -> store.put(key("k"), 1, null, false));
            assertEquals(0, store.size());
        }
    }
}
