package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codecs;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code invalidateAll(keys)}: each key removed as by {@code remove}, wherever its value lies, the others left as they
 * are; the count is of the removes that removed a value; a listener is told each removal. On every layout, with and
 * without a time to live, with values pushed down by a small upper tier.
 */
class InvalidateKeysTest extends ExpiryFixture {

    static Stream<Arguments> layoutsWithAndWithoutExpiry() {
        return layouts().flatMap(tiers -> Stream.of(Arguments.of(tiers, false), Arguments.of(tiers, true)));
    }

    @ParameterizedTest(name = "{0}, expiring={1}")
    @MethodSource("layoutsWithAndWithoutExpiry")
    void removesTheKeysGivenAndCountsTheValuesRemoved(List<Tier> tiers, boolean expiring) {
        Set<String> told = ConcurrentHashMap.newKeySet();
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("invalidate", Codecs.int32(),
                    Codecs.utf8()).tiers(tiers.toArray(Tier[]::new)).clock(clock)
                    .removalListener((key, value, cause) -> told.add(key + " " + cause), Runnable::run);
            Cache<Integer, String> cache = (expiring ? builder.expireAfterWrite(Duration.ofHours(1)) : builder).build();
            int keys = 2_000;                          // 400 KiB of values: past the 128 KiB upper tiers
            for (int key = 0; key < keys; key++) {
                cache.put(key, "v".repeat(200) + key);
            }
            Set<Integer> held = IntStream.range(0, keys).filter(cache::containsKey).boxed().collect(Collectors.toSet());
            if (tiers.contains(Tier.DISK)) {
                assertEquals(keys, held.size(), "with a disk tier nothing was dropped");
            }
            told.clear();                              // what the memory-only layouts' lowest tier evicted
            List<Integer> odd = IntStream.range(0, keys).filter(key -> key % 2 == 1).boxed().toList();
            long oddHeld = odd.stream().filter(held::contains).count();

            assertEquals(oddHeld, cache.invalidateAll(odd));
            assertEquals(0, cache.invalidateAll(odd), "nothing left to remove");
            int first = held.stream().filter(key -> key % 2 == 0).findFirst().orElseThrow();
            assertEquals(1, cache.invalidateAll(List.of(first, first, -1)),
                    "a repeated key counts once, an absent one not");
            for (int key = 0; key < keys; key++) {
                boolean kept = key % 2 == 0 && key != first && held.contains(key);
                assertEquals(kept ? "v".repeat(200) + key : null, cache.get(key), "key " + key);
            }
            assertEquals(held.size() - oddHeld - 1, cache.size());
            assertEquals(oddHeld + 1, told.size());
            assertTrue(told.stream().allMatch(removal -> removal.endsWith(" " + RemovalCause.EXPLICIT)),
                    told::toString);
            cache.close();
        }
    }

    @Test
    void aNullKeyStopsAfterTheKeysBeforeItAndAClosedCacheRefuses() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("invalidate", Codecs.int32(), Codecs.utf8()).build();
            cache.put(1, "one");
            cache.put(2, "two");
            NullPointerException e = assertThrows(NullPointerException.class,
                    () -> cache.invalidateAll(Arrays.asList(1, null, 2)));
            assertEquals("keys contains a null key", e.getMessage());
            assertFalse(cache.containsKey(1), "the key before the null one was removed");
            assertTrue(cache.containsKey(2), "the key after it was not");
            assertThrows(NullPointerException.class, () -> cache.invalidateAll((Iterable<Integer>) null));
            cache.close();
            assertThrows(IllegalStateException.class, () -> cache.invalidateAll(List.of(2)));
        }
    }
}
