package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Iterating a cache ({@link EntryWalk}): every entry once, on every tier layout, with the values where they lie;
 * removal through the iterator; expired entries skipped; and, while other threads move the values between the tiers
 * (reads promoting, puts rewriting, new keys pushing the others down), every key that has a value throughout each
 * iteration is returned, exactly once.
 */
class EntryWalkTest extends LayoutFixture {

    /** {@return the entries an iteration returned, failing on a key returned twice} */
    private static Map<Integer, String> walk(Cache<Integer, String> cache) {
        Map<Integer, String> seen = new HashMap<>();
        for (Map.Entry<Integer, String> entry : cache) {
            String before = seen.put(entry.getKey(), entry.getValue());
            assertEquals(null, before, () -> "key " + entry.getKey() + " returned twice");
        }
        return seen;
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void everyEntryIsReturnedOnce(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, Promotion.ON_SECOND_HIT);
            Map<Integer, String> model = new HashMap<>();
            for (int key = 0; key < 2000; key++) {
                String value = TestValues.seededString(key, 50 + key % 250);
                cache.put(key, value);
                model.put(key, value);
            }
            Map<Integer, String> seen = walk(cache);
            if (tiers.contains(Tier.DISK)) {
                assertEquals(model, seen, "a disk tier evicts nothing here: every entry");
                if (tiers.size() > 1) {
                    for (Tier tier : tiers) {
                        assertTrue(cache.size(tier) > 0, () -> tier + " holds entries: " + cache.stats());
                    }
                }
            } else {
                assertEquals(cache.size(), seen.size(), "every entry the cache holds");
                seen.forEach((key, value) -> assertEquals(model.get(key), value, "value of " + key));
            }
            assertEquals(cache.stats().hits(), 0, "the walk counts no hit");
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void theIteratorRemovesTheEntryItReturned(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, Promotion.ON_SECOND_HIT);
            for (int key = 0; key < 300; key++) {
                cache.put(key, TestValues.seededString(key, 200));
            }
            Iterator<Map.Entry<Integer, String>> it = cache.iterator();
            assertThrows(IllegalStateException.class, it::remove, "nothing returned yet");
            List<Integer> removed = new ArrayList<>();
            Integer changed = null;
            while (it.hasNext()) {
                Map.Entry<Integer, String> entry = it.next();
                if (changed == null) {
                    changed = entry.getKey();
                    cache.put(changed, "written since it was returned");
                    it.remove();                       // not the value returned: stays
                } else if (entry.getKey() % 2 == 0) {
                    it.remove();
                    removed.add(entry.getKey());
                    assertThrows(IllegalStateException.class, it::remove, "once per entry");
                }
            }
            assertThrows(NoSuchElementException.class, it::next);
            assertEquals("written since it was returned", cache.get(changed));
            for (Integer key : removed) {
                assertFalse(cache.containsKey(key), "removed: " + key);
            }
            assertEquals(cache.size(), walk(cache).size());
            assertTrue(walk(cache).keySet().stream().noneMatch(removed::contains));
            cache.close();
        }
    }

    @Test
    void expiredEntriesAreSkippedAndAClosedCacheRefuses() {
        ExpiryTest.ManualClock clock = new ExpiryTest.ManualClock();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("walk-ttl", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).expireAfterWrite(Duration.ofSeconds(10)).clock(clock)
                    .build();
            cache.put(1, "one");
            clock.advance(5_000);
            cache.put(2, "two");
            assertEquals(Map.of(1, "one", 2, "two"), walk(cache));
            clock.advance(5_000);
            assertEquals(Map.of(2, "two"), walk(cache), "1 expired");
            Iterator<Map.Entry<Integer, String>> open = cache.iterator();
            cache.close();
            assertThrows(IllegalStateException.class, cache::iterator);
            assertThrows(IllegalStateException.class, open::hasNext);
        }
    }

    /**
     * Keys 0-599 have values throughout; three threads read them (each read promotes), rewrite them (new sizes: new
     * places) and put new keys (which push the others down), while the main thread walks the cache five times: each
     * walk must return every one of the 600 keys, once, with a value written for it.
     */
    @ParameterizedTest
    @MethodSource("withDisk")
    void keysThatStayAreReturnedOnceWhileTheirValuesMove(List<Tier> tiers) throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, Promotion.ON_HIT);
            int stable = 600;
            for (int key = 0; key < stable; key++) {
                cache.put(key, TestValues.seededString(key, 100));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    Random random = new Random(seed);
                    int fresh = 100_000 * (seed + 1);
                    while (!stop.get()) {
                        int key = random.nextInt(stable);
                        switch (random.nextInt(3)) {
                            case 0 -> cache.get(key);
                            case 1 -> cache.put(key, "k" + key + "-" + "v".repeat(random.nextInt(300)));
                            default -> cache.put(fresh++, TestValues.seededString(fresh, 200));
                        }
                    }
                })));
            }
            try {
                for (int round = 0; round < 5; round++) {
                    Map<Integer, String> seen = walk(cache);
                    for (int key = 0; key < stable; key++) {
                        String value = seen.get(key);
                        assertTrue(value != null, "walk " + round + " missed key " + key);
                        assertTrue(value.equals(TestValues.seededString(key, 100)) || value.startsWith("k" + key + "-"),
                                "walk " + round + ": key " + key + " with a value not its own: " + value);
                    }
                }
            } finally {
                stop.set(true);
                for (Thread thread : threads) {
                    thread.join();
                }
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(0, cache.stats().tier(tiers.getLast()).evictions(), "nothing evicted: every key stayed");
            cache.close();
        }
    }
}
