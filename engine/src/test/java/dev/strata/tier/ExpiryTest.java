package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Time to live ({@code expireAfterWrite}) in every tier: an entry is there until its deadline and absent from then on
 * for every method; a put renews it; reads and put-if-absent remove what they find expired; eviction drops expired
 * entries instead of moving them down; the deadline crosses tiers and restarts; and a persistent cache refuses files
 * written with the other setting. Time is a clock the test moves by hand.
 */
class ExpiryTest {

    private static final long REGION = 128 * 1024;
    private static final Duration TTL = Duration.ofMillis(1000);

    @TempDir
    Path dir;

    /** A clock moved by hand. */
    static final class ManualClock implements InstantSource {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        void advance(long by) {
            millis.addAndGet(by);
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }

    private final ManualClock clock = new ManualClock();

    static Stream<List<Tier>> layouts() {
        return Stream.of(List.of(Tier.HEAP), List.of(Tier.OFF_HEAP), List.of(Tier.DISK),
                List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK));
    }

    private TestEngine engine() {
        return new TestEngine(REGION, REGION, 4096, dir, 64L << 20);
    }

    private Cache<Integer, String> cache(TestEngine engine, String name, List<Tier> tiers) {
        return engine.caches.newCache(name, Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .expireAfterWrite(TTL).clock(clock).build();
    }

    private static Tier tierOf(Cache<Integer, String> cache) {
        return cache.tiers().stream().filter(tier -> cache.size(tier) > 0).findFirst().orElseThrow();
    }

    @Test
    void builder_refusesBadTimesToLive() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("b", Codecs.int32(), Codecs.utf8());
            assertThrows(NullPointerException.class, () -> builder.expireAfterWrite((Duration) null));
            assertThrows(NullPointerException.class, () -> builder.clock(null));
            for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-5), Duration.ofNanos(999_999))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> builder.expireAfterWrite(bad));
                assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("at least 1 ms"),
                        e.getMessage());
            }
        }
    }

    @Test
    void aTimeToLiveTooLongToCount_neverExpires() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("forever", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.OFF_HEAP).expireAfterWrite(Duration.ofSeconds(Long.MAX_VALUE)).clock(clock).build();
            cache.put(1, "one");
            clock.advance(Long.MAX_VALUE / 4);
            assertEquals("one", cache.get(1), "the deadline saturates at the end of time");
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void get_seesAnEntryUntilItsDeadlineOnly(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "ttl", tiers);
            cache.put(1, "one");
            Tier tier = tierOf(cache);
            clock.advance(TTL.toMillis() - 1);
            assertEquals("one", cache.get(1));
            assertTrue(cache.containsKey(1));
            assertEquals("one", cache.read(1, ExpiryTest::utf8));
            clock.advance(1);
            long missesBefore = cache.stats().misses();
            assertNull(cache.get(1));
            CacheStats stats = cache.stats();
            assertEquals(missesBefore + 1, stats.misses(), stats::toString);
            assertEquals(1, stats.tier(tier).expirations(), stats::toString);
            assertEquals(0, cache.size(), "the read removed what it found expired");
            assertFalse(cache.containsKey(1));
            cache.close();
        }
    }

    @Test
    void heapWeight_countsTheDeadlineAndItsHolder() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> plain = engine.caches.newCache("plain", Codecs.int32(), Codecs.utf8()).build();
            Cache<Integer, String> timed = cache(engine, "timed", List.of(Tier.HEAP));
            for (int k = 0; k < 10; k++) {
                plain.put(k, "value-" + k);
                timed.put(k, "value-" + k);
            }
            assertEquals(10 * (ExpiringCodec.DEADLINE_BYTES + Tiers.EXPIRING_HOLDER_BYTES),
                    timed.bytes(Tier.HEAP) - plain.bytes(Tier.HEAP),
                    "per entry: the 8-byte deadline and the holder object's header and reference");
            plain.close();
            timed.close();
        }
    }

    @Test
    void offHeapBytes_expireInTheOnePassCopyToo() {
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("bytes", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).expireAfterWrite(TTL).clock(clock).build();
            assertTrue(((ExpiringCache<Integer, byte[]>) cache).stamped().tiersImpl().reads.copyOnly(),
                    "byte[] values behind a deadline are read by the one-pass copy");
            cache.put(1, new byte[] {1, 2, 3});
            clock.advance(TTL.toMillis() - 1);
            assertEquals(3, cache.get(1).length);
            clock.advance(1);
            assertNull(cache.get(1));
            assertEquals(1, cache.stats().tier(Tier.OFF_HEAP).expirations());
            assertEquals(0, cache.size());
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void everyRead_treatsAnExpiredEntryAsAbsent(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "ttl", tiers);
            cache.putAll(Map.of(1, "one", 2, "two", 3, "three"));
            clock.advance(TTL.toMillis());
            assertFalse(cache.containsKey(1));
            AtomicInteger readerCalls = new AtomicInteger();
            assertNull(cache.read(2, view -> readerCalls.incrementAndGet()));
            assertEquals(0, readerCalls.get(), "the reader of an expired value is not called");
            assertEquals(Map.of(), cache.getAll(List.of(1, 2, 3)));
            assertEquals(0, cache.size());
            CacheStats stats = cache.stats();
            assertEquals(3, stats.tiers().stream().mapToLong(CacheStats.TierStats::expirations).sum(),
                    stats::toString);
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void put_renewsTheDeadline(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "ttl", tiers);
            cache.put(1, "one");
            clock.advance(600);
            cache.put(1, "uno");                       // same size: an overwrite in place where the tier has one
            cache.put(2, "two");
            clock.advance(600);
            cache.put(2, "a longer value than before");
            assertEquals("uno", cache.get(1));
            clock.advance(400);
            assertNull(cache.get(1));
            assertEquals("a longer value than before", cache.get(2));
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void putIfAbsentAndComputeIfAbsent_replaceAnExpiredEntry(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "ttl", tiers);
            cache.put(1, "old");
            cache.put(2, "old");
            assertEquals("old", cache.putIfAbsent(1, "new"));
            clock.advance(TTL.toMillis());
            assertNull(cache.putIfAbsent(1, "new"));
            assertEquals("new", cache.get(1));
            AtomicInteger loads = new AtomicInteger();
            assertEquals("loaded", cache.computeIfAbsent(2, k -> {
                loads.incrementAndGet();
                return "loaded";
            }));
            assertEquals(1, loads.get());
            assertEquals("loaded", cache.computeIfAbsent(2, k -> "again"));
            clock.advance(TTL.toMillis() - 1);
            assertEquals("new", cache.get(1), "a put-if-absent's store has a deadline of its own");
            assertEquals("loaded", cache.get(2), "and so has a load");
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void read_seesTheValueBytesWithoutTheDeadline(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "ttl", tiers);
            String value = "x".repeat(300);
            cache.put(1, value);
            assertEquals(value.length(), cache.read(1, MemorySegment::byteSize));
            assertEquals(value, cache.read(1, ExpiryTest::utf8));
            cache.close();
        }
    }

    static Stream<List<Tier>> evictingPairs() {
        return Stream.of(List.of(Tier.HEAP, Tier.OFF_HEAP), List.of(Tier.OFF_HEAP, Tier.DISK));
    }

    @ParameterizedTest
    @MethodSource("evictingPairs")
    void eviction_dropsExpiredEntriesInsteadOfMovingThemDown(List<Tier> tiers) {
        Tier upper = tiers.getFirst();
        Tier lower = tiers.getLast();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "evict", tiers);
            int old = fill(cache, 0, upper);
            long movedFresh = cache.stats().tier(upper).demotions();   // the first fill's last entry or page
            clock.advance(TTL.toMillis());
            fill(cache, old, old / 2);                 // half as many again: the room comes from expired entries
                                                       // (a heap put that must evict frees a batch, not just its own)
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(upper).expirations() > 0, stats::toString);
            assertEquals(movedFresh, stats.tier(upper).demotions(), () -> "an expired entry moved down: " + stats);
            for (int k = 0; k < old; k++) {
                assertNull(cache.get(k), "key " + k);
            }
            assertEquals(movedFresh, cache.stats().tier(lower).expirations(),
                    () -> "only entries moved down before their deadline expire below: " + cache.stats());
            cache.close();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void diskCompaction_dropsTheExpiredEntries(boolean persistent) {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 2L << 20)) {   // 128 KiB segments
            Cache<Integer, String> cache = engine.caches.newCache("compact", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(persistent).expireAfterWrite(TTL).clock(clock).build();
            String value = "v".repeat(1000);
            for (int k = 0; k < 400; k++) {
                cache.put(k, value);
            }
            clock.advance(TTL.toMillis());                 // nothing was dead, so nothing was compacted before
            int removed = 0;
            for (int k = 0; k < 400; k++) {
                if (k % 4 != 0 && cache.remove(k)) {      // three in four dead: every segment is due
                    removed++;                             // (unless the compactor dropped the key first)
                }
            }
            for (int k = 1; k <= 200; k++) {
                cache.put(-k, value);                      // seals the last of them (in each log, if two) ...
            }
            for (int k = 2; k <= 200; k++) {
                cache.remove(-k);                          // ... and every one of these but the first is dead
            }
            ((ExpiringCache<Integer, String>) cache).stamped().tiersImpl().disk().compact();
            CacheStats stats = cache.stats();
            assertEquals(1, cache.size(), "only the fresh entry is left");
            assertEquals(400 - removed, stats.tier(Tier.DISK).expirations(),
                    () -> "every key not removed was dropped by a compaction, as expired: " + stats);
            assertTrue(400 - removed >= 100, "removed " + removed);
            assertEquals(value, cache.get(-1));
            cache.close();
        }
        if (persistent) {
            try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 2L << 20)) {
                Cache<Integer, String> cache = engine.caches.newCache("compact", Codecs.int32(), Codecs.utf8())
                        .tiers(Tier.DISK).persistent(true).expireAfterWrite(TTL).clock(clock).build();
                assertEquals(1, cache.size(), "no dropped entry came back on reopening");
                assertEquals("v".repeat(1000), cache.get(-1));
                cache.close();
            }
        }
    }

    /**
     * Puts 200-byte values from key {@code from} on until {@code tier} holds about as many entries as it can without
     * evicting (stopping at its first demotion), or as many as the first fill put when {@code from > 0}.
     * {@return the number put}
     */
    /** Puts from key 0 until {@code tier} first moves an entry down. {@return the keys put before that one} */
    private static int fill(Cache<Integer, String> cache, int from, Tier tier) {
        int count = 0;
        while (cache.stats().tier(tier).demotions() == 0) {
            put(cache, from + count++);
        }
        return count - 1;
    }

    /** Puts {@code count} keys from {@code from}. */
    private static void fill(Cache<Integer, String> cache, int from, int count) {
        for (int k = from; k < from + count; k++) {
            put(cache, k);
        }
    }

    private static void put(Cache<Integer, String> cache, int key) {
        cache.put(key, ("v" + key + "-").repeat(80).substring(0, 200));
    }

    @Test
    void persistentCache_keepsDeadlinesAcrossARestart() {
        List<Tier> tiers = List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).persistent(true).expireAfterWrite(TTL).clock(clock).build();
            cache.put(1, "early");
            clock.advance(500);
            cache.put(2, "late");
            cache.close();
        }
        clock.advance(500);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).persistent(true).expireAfterWrite(Duration.ofHours(1))
                    .clock(clock).build();
            assertNull(cache.get(1), "its deadline passed while the cache was closed");
            assertEquals("late", cache.get(2), "a new time to live does not move an old deadline");
            clock.advance(500);
            assertNull(cache.get(2));
            CacheStats stats = cache.stats();
            assertEquals(2, stats.tiers().stream().mapToLong(CacheStats.TierStats::expirations).sum(),
                    stats::toString);
            cache.close();
        }
    }

    @Test
    void persistentCache_refusesFilesWrittenWithTheOtherSetting() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> plain = engine.caches.newCache("plain", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(true).build();
            plain.put(1, "one");
            plain.close();
            Cache<Integer, String> timed = engine.caches.newCache("timed", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(true).expireAfterWrite(TTL).clock(clock).build();
            timed.put(1, "one");
            timed.close();
        }
        assertEquals("deadline", Files.readString(dir.resolve("timed").resolve(ValueFormatFile.FILE_NAME)).strip());
        try (TestEngine engine = engine()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.caches.newCache("plain", Codecs.int32(), Codecs.utf8()).tiers(Tier.DISK)
                            .persistent(true).expireAfterWrite(TTL).build());
            assertTrue(e.getMessage().contains("'plain'") && e.getMessage().contains("without a time to live"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> engine.caches.newCache("timed", Codecs.int32(), Codecs.utf8()).tiers(Tier.DISK)
                            .persistent(true).build());
            assertTrue(e.getMessage().contains("'timed'") && e.getMessage().contains("expireAfterWrite"),
                    e.getMessage());
            Cache<Integer, String> timed = engine.caches.newCache("timed", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(true).expireAfterWrite(TTL).clock(clock).build();
            assertEquals("one", timed.get(1), "a refused open leaves the files as they were");
            timed.invalidateAll();
            timed.close();
            Cache<Integer, String> emptied = engine.caches.newCache("timed", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(true).build();
            emptied.put(2, "two");                         // an empty store takes the other setting
            assertEquals("two", emptied.get(2));
            emptied.close();
        }
    }

    @Test
    void mxBean_reportsExpirationsPerTier() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "bean", List.of(Tier.HEAP, Tier.OFF_HEAP));
            cache.put(1, "one");
            clock.advance(TTL.toMillis());
            assertNull(cache.get(1));
            CacheBean bean = new CacheBean(((ExpiringCache<Integer, String>) cache).stamped(), () -> false);
            assertEquals(1, bean.getExpirations()[Tier.HEAP.ordinal()]);
            assertEquals(0, bean.getExpirations()[Tier.OFF_HEAP.ordinal()]);
            cache.close();
        }
    }

    /** {@return the UTF-8 string {@code view} holds} For the expiry tests' zero-copy reads. */
    static String utf8(MemorySegment view) {
        return new String(view.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
