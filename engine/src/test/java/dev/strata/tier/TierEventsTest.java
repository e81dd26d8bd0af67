package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.testing.FlightRecordings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory tiers' JDK Flight Recorder events ({@link TierEvents}): a put that found no heap storage memory and had
 * entries moved down is recorded with what it wanted and what the moves freed; a loader call with its kind and
 * outcome. A real recording, read back from its file.
 */
class TierEventsTest {

    private static final String HEAP_RECLAIM = "dev.strata.HeapReclaim";
    private static final String LOAD = "dev.strata.Load";
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

    /**
     * Each loader call is recorded, with its cache, its kind and whether it failed, on the thread that ran it (a
     * refresh's on the executor's); a hit runs no loader and records nothing. A recording keeps each thread's events
     * in a buffer of its own, so they are read back in the order they began.
     */
    @Test
    void loaderCalls_areRecordedWithTheirKindAndOutcome() throws Exception {
        List<RecordedEvent> events;
        ExpiryTest.ManualClock clock = new ExpiryTest.ManualClock();
        Queue<Runnable> refreshes = new ArrayDeque<>();
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, String> cache = engine.caches.newCache("loading", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).clock(clock)
                    .refreshAfterWrite(Duration.ofSeconds(1), (key, value) -> value + "+", refreshes::add).build();
            events = FlightRecordings.record(dir, List.of(LOAD), () -> {
                cache.computeIfAbsent(1, key -> "one");
                cache.computeIfAbsent(1, key -> "not called: a hit");
                cache.computeIfAbsent(2, key -> null);
                cache.getAll(List.of(3, 4), missing -> Map.of(3, "three"));
                clock.advance(1000);
                cache.get(1);
                Thread refresher = Thread.ofPlatform().name("refresher").start(refreshes.poll());
                refresher.join();
            });
            assertEquals("one+", cache.get(1), "the refresh ran");
            cache.close();
        }
        List<String> recorded = events.stream().sorted(Comparator.comparing(RecordedEvent::getStartTime))
                .map(event -> event.getString("cache") + " "
                + event.getString("kind") + (event.getBoolean("failed") ? " failed" : "") + " on "
                + event.getThread().getJavaName()).toList();
        String caller = Thread.currentThread().getName();
        assertEquals(List.of("loading computeIfAbsent on " + caller, "loading computeIfAbsent failed on " + caller,
                "loading getAll on " + caller, "loading refreshAfterWrite on refresher"), recorded);
    }
}
