package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.testing.FlightRecordings;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory tiers' JDK Flight Recorder event ({@link TierEvents}): a put that found no heap storage memory and had
 * entries moved down is recorded with what it wanted and what the moves freed. A real recording, read back from its
 * file.
 */
class TierEventsTest {

    private static final String HEAP_RECLAIM = "dev.strata.HeapReclaim";
    private static final long REGION = 256 * 1024;

    @TempDir
    Path dir;

    @Test
    void putsIntoAFullHeap_recordTheirReclaims() throws Exception {
        long[] demotions = new long[1];
        List<RecordedEvent> events;
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, String> cache = engine.caches.newCache("full", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            String value = "v".repeat(200);
            events = FlightRecordings.record(dir, List.of(HEAP_RECLAIM), () -> {
                for (int k = 0; k < 4000; k++) {          // about 3 MiB of heap weight into a region of 256 KiB
                    cache.put(k, value);
                }
            });
            demotions[0] = cache.stats().tier(Tier.HEAP).demotions();
            cache.close();
        }
        assertTrue(demotions[0] > 0, "entries moved down from the heap");
        assertFalse(events.isEmpty(), "the puts that moved them were recorded");
        long freed = 0;
        for (RecordedEvent event : events) {
            assertTrue(event.getBoolean("reserved"), event.toString());
            assertTrue(event.getLong("wantedBytes") > 200, event.toString());
            assertTrue(event.getLong("freedBytes") > 0, event.toString());
            assertTrue(event.getInt("rounds") >= 1, event.toString());
            assertEquals(Thread.currentThread().getName(), event.getThread().getJavaName(), "on the putting thread");
            freed += event.getLong("freedBytes");
        }
        assertTrue(events.size() < 4000, "only the puts the credit did not cover: " + events.size());
        assertTrue(freed > REGION, "together they freed more than the region: " + freed);
    }
}
