package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A time to live computed per entry ({@code expireAfterWrite(BiFunction)}): each entry expires at its own deadline in
 * every tier and after moving between tiers; a later put computes a new one; a time to live of zero or less stores
 * nothing; a function that throws or returns null changes nothing; and persistent files keep the deadlines. Time is
 * a clock the test moves by hand.
 */
class PerEntryExpiryTest extends ExpiryFixture {

    /** Key {@code k} lives {@code k * STEP} milliseconds; 0 and below are expired at once. */
    private static final long STEP = 100;
    private static final BiFunction<Integer, String, Duration> BY_KEY = (key, value) -> Duration.ofMillis(key * STEP);

    private Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers,
                                         BiFunction<? super Integer, ? super String, Duration> timeToLive) {
        return engine.caches.newCache("per-entry", Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .expireAfterWrite(timeToLive).clock(clock).build();
    }

    private static long expirations(Cache<?, ?> cache) {
        return cache.stats().tiers().stream().mapToLong(CacheStats.TierStats::expirations).sum();
    }

    @Test
    void builder_refusesANullFunction_andTheLastTimeToLiveSetWins() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("b", Codecs.int32(), Codecs.utf8());
            assertThrows(NullPointerException.class,
                    () -> builder.expireAfterWrite((BiFunction<Integer, String, Duration>) null));
            Cache<Integer, String> fixed = engine.caches.newCache("fixed", Codecs.int32(), Codecs.utf8())
                    .expireAfterWrite(BY_KEY).expireAfterWrite(Duration.ofSeconds(5)).clock(clock).build();
            assertTrue(fixed.toString().contains("expireAfterWrite=5000 ms"), fixed::toString);
            fixed.put(1, "one");
            clock.advance(4_999);
            assertEquals("one", fixed.get(1), "5 s, not key 1's 100 ms");
            fixed.close();
            Cache<Integer, String> computed = engine.caches.newCache("computed", Codecs.int32(), Codecs.utf8())
                    .expireAfterWrite(Duration.ofSeconds(5)).expireAfterWrite(BY_KEY).clock(clock).build();
            assertTrue(computed.toString().contains("expireAfterWrite=per entry"), computed::toString);
            computed.put(1, "one");
            clock.advance(STEP);
            assertNull(computed.get(1), "key 1's 100 ms, not 5 s");
            computed.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void eachEntry_expiresAtItsOwnDeadline(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, BY_KEY);
            for (int k = 1; k <= 5; k++) {
                cache.put(k, "v" + k);
            }
            for (int step = 1; step <= 5; step++) {
                clock.advance(STEP - 1);
                for (int k = step; k <= 5; k++) {
                    assertEquals("v" + k, cache.get(k), "key " + k + " just before " + step * STEP + " ms");
                }
                clock.advance(1);
                assertNull(cache.get(step), "key " + step + " at its deadline, " + step * STEP + " ms");
                assertFalse(cache.containsKey(step));
                for (int k = step + 1; k <= 5; k++) {
                    assertTrue(cache.containsKey(k), "key " + k + " lives on at " + step * STEP + " ms");
                }
                assertEquals(step, expirations(cache), () -> cache.stats().toString());
            }
            assertEquals(0, cache.size());
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aLaterPut_computesANewDeadlineFromItsOwnValue(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers,
                    (key, value) -> Duration.ofMillis(value.length() * STEP));   // one step per character
            cache.put(1, "a");
            clock.advance(STEP / 2);
            cache.put(1, "abc");                       // 300 ms from now
            clock.advance(STEP);
            assertEquals("abc", cache.get(1), "the first put's deadline passed; the second's has not");
            clock.advance(2 * STEP - 1);
            assertEquals("abc", cache.get(1));
            clock.advance(1);
            assertNull(cache.get(1));
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aTimeToLiveOfZeroOrLess_storesNothing(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, (key, value) -> value.startsWith("gone")
                    ? Duration.ofMillis(key) : Duration.ofSeconds(10));           // key 0: zero, below 0: negative
            cache.put(0, "kept");
            cache.put(-1, "kept");
            cache.put(0, "gone");
            cache.put(-1, "gone");
            assertNull(cache.get(0), "the put removed the older value it would have replaced");
            assertNull(cache.get(-1));
            assertEquals(0, cache.size());

            cache.put(0, "kept");
            assertEquals("kept", cache.putIfAbsent(0, "gone"), "a present value is returned and kept");
            assertEquals("kept", cache.get(0));
            assertNull(cache.putIfAbsent(-2, "gone"));
            assertFalse(cache.containsKey(-2), "an absent key stays absent");

            AtomicInteger loads = new AtomicInteger();
            assertEquals("gone now", cache.computeIfAbsent(-3, key -> {
                loads.incrementAndGet();
                return "gone now";
            }), "the caller gets what its loader returned");
            assertFalse(cache.containsKey(-3), "... which the cache did not keep");
            assertEquals(1, loads.get());

            cache.putAll(Map.of(1, "kept", -4, "gone"));
            assertEquals("kept", cache.get(1));
            assertFalse(cache.containsKey(-4));
            assertEquals(2, cache.size(), "keys 0 and 1");
            CacheStats stats = cache.stats();
            assertEquals(0, expirations(cache), () -> "nothing was stored to expire: " + stats);
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aFunctionThatFailsOrReturnsNull_changesNothing(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            IllegalStateException failure = new IllegalStateException("no time to live for this one");
            Cache<Integer, String> cache = cache(engine, tiers, (key, value) -> switch (value) {
                case "null" -> null;
                case "throw" -> throw failure;
                default -> Duration.ofSeconds(10);
            });
            cache.put(7, "old");
            NullPointerException npe = assertThrows(NullPointerException.class, () -> cache.put(7, "null"));
            assertTrue(npe.getMessage().contains("key 7") && npe.getMessage().contains("expected: a duration"),
                    npe.getMessage());
            assertSame(failure, assertThrows(IllegalStateException.class, () -> cache.put(7, "throw")));
            assertThrows(NullPointerException.class, () -> cache.putIfAbsent(8, "null"));
            assertSame(failure, assertThrows(IllegalStateException.class,
                    () -> cache.computeIfAbsent(9, key -> "throw")));
            assertEquals("old", cache.get(7));
            assertFalse(cache.containsKey(8));
            assertFalse(cache.containsKey(9));
            assertEquals(1, cache.size());
            assertEquals("new", cache.computeIfAbsent(9, key -> "new"), "a failed load does not wedge the key");
            cache.close();
        }
    }

    @Test
    void aPositiveTimeToLive_isAtLeastOneMillisecond_andOneTooLongToCountNeverEnds() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.OFF_HEAP),
                    (key, value) -> key == 1 ? Duration.ofNanos(1) : Duration.ofSeconds(Long.MAX_VALUE));
            cache.put(1, "one");
            cache.put(2, "two");
            assertEquals("one", cache.get(1), "1 ns is rounded up to 1 ms, not down to expired at once");
            clock.advance(1);
            assertNull(cache.get(1));
            clock.advance(Long.MAX_VALUE / 4);
            assertEquals("two", cache.get(2), "the deadline saturates at the end of time");
            cache.close();
        }
    }

    @Test
    void deadlines_travelWithEntriesMovedDownTheTiers() {
        List<Tier> tiers = List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers,
                    (key, value) -> Duration.ofMillis(key % 2 == 0 ? STEP : 10 * STEP));   // even keys short-lived
            int count = 3_000;                          // 600 KB of values: over both memory regions
            for (int k = 0; k < count; k++) {
                cache.put(k, ("v" + k + "-").repeat(70).substring(0, 200));
            }
            CacheStats stats = cache.stats();
            assertTrue(cache.size(Tier.DISK) > 0 && cache.size(Tier.OFF_HEAP) > 0, stats::toString);
            clock.advance(STEP);
            for (int k = 0; k < count; k++) {
                String expected = k % 2 == 0 ? null : ("v" + k + "-").repeat(70).substring(0, 200);
                assertEquals(expected, cache.get(k), "key " + k);
            }
            assertEquals(count / 2, expirations(cache), () -> cache.stats().toString());
            clock.advance(9 * STEP);
            for (int k = 1; k < count; k += 2) {
                assertNull(cache.get(k), "key " + k);
            }
            assertEquals(count, expirations(cache), () -> cache.stats().toString());
            cache.close();
        }
    }

    @Test
    void persistentCache_keepsComputedDeadlines_andReopensWithOneTimeToLive() {
        List<Tier> tiers = List.of(Tier.OFF_HEAP, Tier.DISK);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).persistent(true).expireAfterWrite(BY_KEY).clock(clock)
                    .build();
            cache.put(1, "short");
            cache.put(5, "long");
            cache.close();
        }
        clock.advance(STEP);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).persistent(true).expireAfterWrite(Duration.ofHours(1))
                    .clock(clock).build();
            assertNull(cache.get(1), "its computed deadline passed while the cache was closed");
            clock.advance(4 * STEP - 1);
            assertEquals("long", cache.get(5), "the file kept key 5's own deadline");
            clock.advance(1);
            assertNull(cache.get(5));
            cache.close();
        }
    }
}
