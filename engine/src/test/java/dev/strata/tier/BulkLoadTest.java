package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code getAll(keys, loader)}: one call of the loader for the keys that had no value, its values cached as by
 * {@code putIfAbsent} (a put meanwhile wins), keys it found nothing for left out, extra keys cached, counted as loads;
 * on every layout and with a time to live.
 */
class BulkLoadTest extends ExpiryFixture {

    private static Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers) {
        return engine.caches.newCache("bulk", Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .build();
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void theMissingKeysAreLoadedInOneCall(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers);
            cache.put(1, "one");
            cache.put(2, "two");
            List<Set<Integer>> asked = new ArrayList<>();
            Map<Integer, String> found = cache.getAll(List.of(4, 1, 3, 2, 3), missing -> {
                asked.add(missing);
                assertThrows(UnsupportedOperationException.class, () -> missing.remove(4), "read-only");
                Map<Integer, String> values = new HashMap<>();
                values.put(3, "three");
                values.put(4, null);                   // found nothing for 4
                values.put(9, "nine");                 // not asked for: cached all the same
                return values;
            });
            assertEquals(List.of(List.of(4, 3)), asked.stream().map(ArrayList::new).toList(),
                    "one call, with the keys that had no value, each once, in the order first asked");
            assertEquals(Map.of(1, "one", 2, "two", 3, "three"), found);
            assertEquals("three", cache.get(3));
            assertEquals("nine", cache.get(9));
            assertTrue(!cache.containsKey(4), "nothing cached for a key the loader found nothing for");
            CacheStats stats = cache.stats();
            assertEquals(2, stats.loads(), "two values loaded");
            assertEquals(4, stats.hits(), "1 and 2 in the bulk read, 3 and 9 read back");
            assertEquals(3, stats.misses(), "4, 3 and 3 again in the bulk read: each key asked is read as by get");

            assertEquals(Map.of(1, "one", 3, "three"), cache.getAll(List.of(1, 3), missing -> {
                throw new AssertionError("nothing missing: the loader is not called");
            }));
            cache.close();
        }
    }

    /** A put that lands while the loader runs wins: its value is the one cached and returned. */
    @Test
    void aPutWhileTheLoaderRunsWins() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK));
            Map<Integer, String> found = cache.getAll(List.of(1, 2), missing -> {
                cache.put(1, "put meanwhile");
                return Map.of(1, "loaded", 2, "loaded two");
            });
            assertEquals(Map.of(1, "put meanwhile", 2, "loaded two"), found);
            assertEquals("put meanwhile", cache.get(1));
            cache.close();
        }
    }

    @Test
    void aFailingLoaderCachesNothingAndBadAnswersAreRefused() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.OFF_HEAP));
            IllegalStateException thrown = new IllegalStateException("loader refused by the test");
            assertSame(thrown, assertThrows(IllegalStateException.class, () -> cache.getAll(List.of(1), missing -> {
                throw thrown;
            })));
            assertEquals(0, cache.size());
            NullPointerException e = assertThrows(NullPointerException.class,
                    () -> cache.getAll(List.of(1), missing -> null));
            assertTrue(e.getMessage().contains("the loader returned null"), e.getMessage());
            Map<Integer, String> nullKey = new HashMap<>();
            nullKey.put(null, "x");
            assertThrows(NullPointerException.class, () -> cache.getAll(List.of(1), missing -> nullKey));
            assertThrows(NullPointerException.class, () -> cache.getAll(null, missing -> Map.of()));
            assertThrows(NullPointerException.class, () -> cache.getAll(List.of(1), null));
            assertThrows(NullPointerException.class, () -> cache.getAll(Arrays.asList(1, null), missing -> Map.of()));
            assertEquals(0, cache.stats().loads());
            cache.close();
            Function<Set<Integer>, Map<Integer, String>> none = missing -> Map.of();
            assertThrows(IllegalStateException.class, () -> cache.getAll(List.of(1), none));
        }
    }

    /** Loaded values get a deadline as put values do. */
    @ParameterizedTest
    @MethodSource("layouts")
    void loadedValuesExpireAsPutOnes(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Duration ttl = Duration.ofSeconds(10);
            Cache<Integer, String> cache = engine.caches.newCache("bulk-ttl", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterWrite(ttl).clock(clock).build();
            assertEquals(Map.of(1, "one"), cache.getAll(List.of(1), missing -> Map.of(1, "one")));
            assertEquals(1, cache.stats().loads());
            clock.advance(ttl.toMillis() - 1);
            assertEquals("one", cache.get(1));
            clock.advance(1);
            assertNull(cache.get(1));
            cache.close();
        }
    }
}
