package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch a persistent store's compaction gathers its copies in: order, packing and bounds. */
class CopyBatchTest {

    @Test
    void retainingPacksTheKeptRecordsToTheFrontInOrder() {
        try (CopyBatch batch = new CopyBatch()) {
            List<MemorySegment> records = new ArrayList<>();
            for (int i = 0; i < 200; i++) {                 // more than the 64 it starts with room for
                MemorySegment record = record(i, 10 + i % 7 * 50);
                records.add(record);
                batch.add(record, 1000L * i);
            }
            assertEquals(200, batch.count());
            List<Integer> asked = new ArrayList<>();
            batch.retainIf(i -> {
                asked.add(i);
                return i % 3 != 1;
            });
            assertEquals(range(200), asked, "each record asked once, in order");
            int kept = 0;
            long keptBytes = 0;
            for (int i = 0; i < 200; i++) {
                if (i % 3 == 1) {
                    continue;
                }
                assertEquals(-1, batch.record(kept).mismatch(records.get(i)), "record " + i + " at " + kept);
                assertEquals(1000L * i, batch.sourceOffset(kept));
                assertEquals(keptBytes, batch.start(kept));
                assertEquals(-1, key(i).mismatch(batch.key(kept)));
                keptBytes += records.get(i).byteSize();
                kept++;
            }
            assertEquals(kept, batch.count());
            assertEquals(keptBytes, batch.bytes());
            MemorySegment all = batch.records(0, batch.count());
            assertEquals(keptBytes, all.byteSize());
            assertEquals(-1, all.asSlice(batch.start(5), batch.length(5)).mismatch(batch.record(5)));
        }
    }

    @Test
    void aRecordThatDoesNotFitIsRefusedNamingTheSizes() {
        try (CopyBatch batch = new CopyBatch()) {
            MemorySegment half = record(1, CopyBatch.CAPACITY_BYTES / 2);
            batch.add(half, 0);
            assertFalse(batch.hasRoomFor((int) half.byteSize()));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> batch.add(half, 1));
            assertTrue(refused.getMessage().contains(half.byteSize() + " bytes"), refused.getMessage());
            batch.clear();
            assertEquals(0, batch.count());
            assertTrue(batch.hasRoomFor(CopyBatch.CAPACITY_BYTES));
        }
    }

    @Test
    void retainingNothingEmptiesTheBatch() {
        try (CopyBatch batch = new CopyBatch()) {
            batch.add(record(1, 100), 16);
            batch.add(record(2, 100), 250);
            batch.retainIf(i -> false);
            assertEquals(0, batch.count());
            assertEquals(0, batch.bytes());
        }
    }

    private static MemorySegment record(int keyIndex, int valueBytes) {
        MemorySegment key = key(keyIndex);
        int recordBytes = RecordFormat.recordBytes(key.byteSize(), valueBytes);
        MemorySegment record = MemorySegment.ofArray(new byte[recordBytes]);
        RecordFormat.writeRecordHeader(record, (byte) 0, (int) key.byteSize(), valueBytes, keyIndex);
        MemorySegment.copy(key, 0, record, RecordFormat.HEADER_BYTES, key.byteSize());
        MemorySegment.copy(MemorySegment.ofArray(value(valueBytes, keyIndex)), 0, record,
                RecordFormat.HEADER_BYTES + key.byteSize(), valueBytes);
        return record;
    }

    private static List<Integer> range(int count) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(i);
        }
        return all;
    }
}
