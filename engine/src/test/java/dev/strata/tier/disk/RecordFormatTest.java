package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CRC masks that tie a record to its segment, and the end marker of a segment written into a reused file. */
class RecordFormatTest {

    @Test
    void theMaskIsABijectionOfTheIdsLow32BitsAndIsUndone() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            int id = random.nextInt();
            assertEquals(id, RecordFormat.segmentIdBits(RecordFormat.crcMask(id)), "id " + id);
        }
        Set<Integer> masks = new HashSet<>();
        for (long id = 1; id <= 1 << 16; id++) {
            masks.add(RecordFormat.crcMask(id));
        }
        assertEquals(1 << 16, masks.size(), "no two of the first 65,536 segments share a mask");
        assertEquals(RecordFormat.crcMask(5), RecordFormat.crcMask(5 + (1L << 32)), "only the low 32 bits count");
    }

    @Test
    void aRecordIsIntactOnlyUnderTheMaskOfTheSegmentItWasWrittenFor() {
        MemorySegment record = record(3);
        RecordFormat.sealCrc(record, RecordFormat.crcMask(3));
        assertTrue(RecordFormat.hasValidCrc(record, RecordFormat.crcMask(3)));
        assertFalse(RecordFormat.hasValidCrc(record, RecordFormat.crcMask(4)));
        assertFalse(RecordFormat.hasValidCrc(record, 0));
        assertTrue(RecordFormat.isEarlierSegmentRecord(record, 4), "segment 3's record in segment 4's file");
        assertTrue(RecordFormat.isEarlierSegmentRecord(record, 1000));
        assertFalse(RecordFormat.isEarlierSegmentRecord(record, 2), "segment 3 came after segment 2");

        RecordFormat.remask(record, RecordFormat.crcMask(3), RecordFormat.crcMask(9));
        assertTrue(RecordFormat.hasValidCrc(record, RecordFormat.crcMask(9)), "a copy re-masked for segment 9");
        assertFalse(RecordFormat.hasValidCrc(record, RecordFormat.crcMask(3)));

        record.set(ValueLayout.JAVA_BYTE, RecordFormat.HEADER_BYTES + 2, (byte) 0x55);
        assertFalse(RecordFormat.hasValidCrc(record, RecordFormat.crcMask(9)));
        assertFalse(RecordFormat.isEarlierSegmentRecord(record, 10), "damaged: intact under no mask");
    }

    @Test
    void anEndMarkerIsRecognisedWholeOrCutShortAndOnlyForItsSegment() {
        int mask = RecordFormat.crcMask(12);
        MemorySegment marker = MemorySegment.ofArray(new byte[RecordFormat.HEADER_BYTES]);
        RecordFormat.writeEndMarker(marker, mask);
        for (int length = 1; length <= RecordFormat.HEADER_BYTES; length++) {
            assertTrue(RecordFormat.isEndMarker(marker.asSlice(0, length), mask), "first " + length + " bytes");
        }
        assertFalse(RecordFormat.isEndMarker(marker, RecordFormat.crcMask(13)), "another segment's");
        assertFalse(RecordFormat.isEndMarker(marker.asSlice(0, 0), mask));
        assertFalse(RecordFormat.isEndMarker(MemorySegment.ofArray(new byte[RecordFormat.HEADER_BYTES]), mask),
                "zeros");
        assertFalse(RecordFormat.isPlausibleHeader(marker), "no record can be taken for a marker");
    }

    private static MemorySegment record(long seed) {
        MemorySegment key = DiskTestSupport.key((int) seed);
        byte[] value = DiskTestSupport.value(40, seed);
        int bytes = RecordFormat.recordBytes(key.byteSize(), value.length);
        MemorySegment record = MemorySegment.ofArray(new byte[bytes]);
        RecordFormat.writeRecordHeader(record, (byte) 0, (int) key.byteSize(), value.length, seed + 1);
        MemorySegment.copy(key, 0, record, RecordFormat.HEADER_BYTES, key.byteSize());
        MemorySegment.copy(MemorySegment.ofArray(value), 0, record, RecordFormat.HEADER_BYTES + key.byteSize(),
                value.length);
        return record;
    }
}
