package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.Promotion;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Cache.asMap()}: the {@code ConcurrentMap} contract on every tier layout (old values handed back by
 * {@code put} and {@code remove} wherever the value lay, the views, {@code replaceAll}, {@code clear}), and random
 * operations through the map checked against a {@code HashMap} where the cache evicts nothing (a disk tier below).
 */
class CacheMapTest extends LayoutFixture {

    private static Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers) {
        return cache(engine, tiers, Promotion.ON_SECOND_HIT);
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void theMapContractHolds(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers);
            ConcurrentMap<Integer, String> map = cache.asMap();
            assertTrue(map.isEmpty());
            assertNull(map.put(1, "a"));
            assertEquals("a", map.put(1, "b"), "put hands back the old value");
            assertEquals("b", map.get(1));
            assertTrue(map.containsKey(1));
            assertEquals(1, map.size());
            assertEquals("b", map.remove(1), "remove hands back the old value");
            assertNull(map.remove(1));
            assertFalse(map.containsKey(1));
            assertNull(map.putIfAbsent(2, "two"));
            assertEquals("two", map.putIfAbsent(2, "deux"));
            assertEquals("two", map.replace(2, "zwei"));
            assertFalse(map.replace(2, "two", "x"));
            assertTrue(map.replace(2, "zwei", "dos"));
            assertFalse(map.remove(2, "two"));
            assertFalse(map.remove(2, 42), "a value of another type is not the value");
            assertTrue(map.remove(2, "dos"));
            assertEquals("3", map.computeIfAbsent(3, k -> "3"));
            assertEquals("3!", map.computeIfPresent(3, (k, v) -> v + "!"));
            assertEquals("3!?", map.compute(3, (k, v) -> v + "?"));
            assertEquals("3!?.", map.merge(3, ".", String::concat));
            assertEquals("x", map.getOrDefault(99, "x"));
            assertThrows(NullPointerException.class, () -> map.put(null, "v"));
            assertThrows(NullPointerException.class, () -> map.put(4, null));
            assertThrows(NullPointerException.class, () -> map.get(null));

            Map<Integer, String> model = new HashMap<>();
            model.put(3, "3!?.");
            for (int key = 10; key < 600; key++) {     // past the upper tiers' 16 KiB: values lie in every tier
                String value = TestValues.seededString(key, 100);
                map.put(key, value);
                model.put(key, value);
            }
            if (tiers.contains(Tier.DISK)) {
                assertEquals(model, map, "equal to a HashMap of the same entries, both ways");
                assertEquals(map, model);
                assertEquals(model.hashCode(), map.hashCode());
                assertEquals(model.get(10), map.put(10, "ten"), "the old value, read where it lay");
                model.put(10, "ten");
            }
            assertEquals(map.size(), map.entrySet().size());
            assertTrue(map.keySet().contains(3) && map.values().contains("3!?.") && map.entrySet()
                    .contains(Map.entry(3, "3!?.")));
            assertFalse(map.entrySet().contains(Map.entry(3, "other")));
            assertTrue(map.entrySet().remove(Map.entry(3, "3!?.")));
            assertFalse(map.containsKey(3));
            Map<Integer, String> seen = new HashMap<>();
            map.forEach(seen::put);
            assertEquals(map.size(), seen.size());
            map.replaceAll((k, v) -> k + ":" + v.length());
            for (Map.Entry<Integer, String> entry : map.entrySet()) {
                assertTrue(entry.getValue().startsWith(entry.getKey() + ":"), entry::toString);
            }
            Iterator<Integer> keys = map.keySet().iterator();
            Integer first = keys.next();
            keys.remove();
            assertFalse(map.containsKey(first), "removed through the key set's iterator");
            map.clear();
            assertTrue(map.isEmpty());
            assertEquals(0, cache.size());
            cache.close();
            assertThrows(IllegalStateException.class, () -> map.get(1));
        }
    }

    /** Random operations through the map, checked against a {@code HashMap}: every answer exact (nothing evicted). */
    @ParameterizedTest
    @MethodSource("withDisk")
    void randomOperationsMatchAHashMap(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers);
            ConcurrentMap<Integer, String> map = cache.asMap();
            Map<Integer, String> model = new HashMap<>();
            Random random = new Random(tiers.size());
            for (int op = 0; op < 6000; op++) {
                int key = random.nextInt(300);
                String value = TestValues.seededString(op, 1 + random.nextInt(400));
                String what = "op " + op + " on " + key;
                switch (random.nextInt(8)) {
                    case 0, 1 -> assertEquals(model.put(key, value), map.put(key, value), what);
                    case 2 -> assertEquals(model.remove(key), map.remove(key), what);
                    case 3 -> assertEquals(model.get(key), map.get(key), what);
                    case 4 -> assertEquals(model.putIfAbsent(key, value), map.putIfAbsent(key, value), what);
                    case 5 -> assertEquals(model.replace(key, value), map.replace(key, value), what);
                    case 6 -> assertEquals(model.merge(key, value, (a, b) -> b.length() % 3 == 0 ? null : a + "+"),
                            map.merge(key, value, (a, b) -> b.length() % 3 == 0 ? null : a + "+"), what);
                    default -> assertEquals(model.containsKey(key), map.containsKey(key), what);
                }
            }
            assertEquals(model, new HashMap<>(map));
            cache.close();
        }
    }
}
