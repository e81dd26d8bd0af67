package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import dev.strata.testing.FlightRecordings;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk store's JDK Flight Recorder events ({@link DiskEvents}): each compaction, eviction, quota reclaim and
 * checkpoint a store runs while a recording is on is recorded once, on the thread that ran it, with the segment and
 * figures it worked on. Real recordings, read back from their files.
 */
class DiskEventsTest {

    private static final String COMPACTION = "dev.strata.DiskCompaction";
    private static final String EVICTION = "dev.strata.DiskEviction";
    private static final String QUOTA_RECLAIM = "dev.strata.DiskQuotaReclaim";
    private static final String CHECKPOINT = "dev.strata.DiskCheckpoint";

    @TempDir
    Path dir;

    /** Runs {@code work} under a recording of the store events. {@return the events of {@code type} it recorded} */
    private List<RecordedEvent> recorded(String type, FlightRecordings.Work work) throws Exception {
        return FlightRecordings.record(dir, List.of(type), work);
    }

    private static Path storeDirectory(Path dir) {
        return dir.resolve("store");
    }

    @Test
    void eachCompaction_isRecordedWithItsSegment() throws Exception {
        Set<Long> compacted = new TreeSet<>();
        long[] counted = new long[1];
        List<RecordedEvent> events = recorded(COMPACTION, () -> {
            try (DiskStore store = DiskTestSupport.openCompactingInline(storeDirectory(dir), transientConfig(),
                    new DiskQuota(1L << 30))) {
                for (int i = 0; i < 300; i++) {
                    assertTrue(store.put(key(i), segmentOf(value(1000, i))));
                }
                for (int i = 0; i < 200; i++) {
                    assertTrue(store.remove(key(i)));    // the first three segments mostly dead: each compacted
                }
                store.compact();
                counted[0] = store.stats().compactions();
            }
        });
        assertTrue(counted[0] >= 3, "compactions: " + counted[0]);
        assertEquals(counted[0], events.size(), "one event per compaction the store counted: " + events);
        for (RecordedEvent event : events) {
            assertEquals(storeDirectory(dir).toString(), event.getString("store"));
            assertTrue(event.getBoolean("completed"), event.toString());
            assertTrue(event.getLong("reclaimableBytes") >= event.getLong("payloadBytes") / 2, event.toString());
            assertTrue(compacted.add(event.getLong("segment")), "one event per segment: " + event);
            assertFalse(event.getDuration().isNegative());
            assertEquals(Thread.currentThread().getName(), event.getThread().getJavaName(), "compacted inline");
        }
    }

    @Test
    void anEviction_isRecordedWithTheKeysItDropped() throws Exception {
        long[] dropped = new long[1];
        List<RecordedEvent> events = recorded(EVICTION, () -> {
            try (DiskStore store = DiskTestSupport.openCompactingInline(storeDirectory(dir), transientConfig(),
                    new DiskQuota(1L << 30))) {
                for (int i = 0; i < 200; i++) {
                    assertTrue(store.put(key(i), segmentOf(value(1000, i))));
                }
                dropped[0] = store.evictOldest();
                assertTrue(dropped[0] > 0);
            }
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent event = events.getFirst();
        assertEquals(dropped[0], event.getLong("droppedRecords"));
        assertEquals(storeDirectory(dir).toString(), event.getString("store"));
        assertFalse(event.getBoolean("probation"));
        assertTrue(event.getLong("payloadBytes") >= dropped[0] * RecordFormat.recordBytes(9, 1000), event.toString());
    }

    /**
     * A put that finds the quota full compacts in its own thread: one event, with the bytes it wanted and the
     * compactions it ran. Nobody else compacts here.
     */
    @Test
    void aPutThatFindsTheQuotaFull_recordsItsReclaim() throws Exception {
        int perSegment = (int) ((DiskStoreConfig.MIN_SEGMENT_BYTES - RecordFormat.SEGMENT_HEADER_BYTES)
                / RecordFormat.recordBytes(9, 1000));
        List<RecordedEvent> events = recorded(QUOTA_RECLAIM, () -> {
            try (DiskStore store = DiskStore.open(storeDirectory(dir), transientConfig(),
                    new DiskQuota(7 * DiskStoreConfig.MIN_SEGMENT_BYTES), task -> { })) {
                for (int i = 0; i < 5 * perSegment; i++) {
                    assertTrue(store.put(key(i), segmentOf(value(1000, i))));
                }
                for (int i = 0; i < perSegment; i++) {
                    assertTrue(store.remove(key(i)));    // the first segment all dead, its compaction handed to nobody
                }
                int next = 5 * perSegment;
                while (store.stats().compactions() == 0) {
                    assertTrue(next < 8 * perSegment, "the quota never filled");
                    assertTrue(store.put(key(next), segmentOf(value(1000, next))), "key " + next);
                    next++;
                }
            }
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent event = events.getFirst();
        assertEquals(1, event.getInt("compactions"), event.toString());
        assertTrue(event.getBoolean("roomMade"), event.toString());
        assertEquals(RecordFormat.recordBytes(9, 1000) + RecordFormat.SEGMENT_HEADER_BYTES,
                event.getLong("wantedBytes"));
    }

    @Test
    void aCheckpoint_isRecordedWithTheSegmentsItNames() throws Exception {
        int[] sealed = new int[1];
        List<RecordedEvent> events = recorded(CHECKPOINT, () -> {
            try (DiskStore store = DiskTestSupport.openCompactingInline(storeDirectory(dir), persistentConfig(),
                    new DiskQuota(1L << 30))) {
                for (int i = 0; i < 200; i++) {          // three segments sealed: under the four of a checkpoint due
                    assertTrue(store.put(key(i), segmentOf(value(1000, i))));
                }
                sealed[0] = Recovery.segmentFiles(storeDirectory(dir)).size() - 1;   // all but the one appended to
                store.checkpoint();
            }
        });
        assertEquals(1, events.size(), "the close writes its snapshot without an event: " + events);
        RecordedEvent event = events.getFirst();
        assertTrue(event.getBoolean("written"));
        assertEquals(sealed[0], event.getInt("segments"));
    }
}
