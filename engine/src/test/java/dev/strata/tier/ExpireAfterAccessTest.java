package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import dev.strata.testing.Latches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Time to idle ({@code expireAfterAccess}) in every tier: the methods that hand a value back renew its deadline where
 * it lies (heap, off-heap record in place, disk record written again), {@code containsKey} does not, a read within the
 * renewal step leaves the deadline as it is, a renewed deadline survives a restart, and renewals never bring back a
 * value that a put replaced or a clear removed. Time is a clock the test moves by hand.
 */
class ExpireAfterAccessTest extends ExpiryFixture {

    /** 1.6 s: a read renews once 100 ms passed since the deadline was set. */
    private static final Duration TTI = Duration.ofMillis(1600);
    private static final long STEP = 100;
    /**
     * For the races: 64,000 s, so a key is due for renewal 4,000 s after its deadline was set. Each reader reads the
     * keys round and round from a random one and moves the clock {@code RACE_TTI / (4 * keys)} per read: it comes back
     * to a key a quarter of the time to idle later, so its reads renew (unless the other reader's did just before) and
     * no key expires.
     */
    private static final Duration RACE_TTI = Duration.ofSeconds(64_000);
    private static final long RACE_STEP = RACE_TTI.toMillis() / 16;

    private Cache<Integer, String> cache(TestEngine engine, String name, List<Tier> tiers) {
        return engine.caches.newCache(name, Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .expireAfterAccess(TTI).clock(clock).build();
    }

    @Test
    void builder_refusesBadTimesToIdle_andATimeToLiveBeside() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("b", Codecs.int32(), Codecs.utf8());
            assertThrows(NullPointerException.class, () -> builder.expireAfterAccess(null));
            for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-5), Duration.ofNanos(999_999))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> builder.expireAfterAccess(bad));
                assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("at least 1 ms"),
                        e.getMessage());
            }
            IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                    () -> engine.caches.newCache("both", Codecs.int32(), Codecs.utf8())
                            .expireAfterWrite(Duration.ofSeconds(5)).expireAfterAccess(TTI).build());
            assertTrue(both.getMessage().contains("expireAfterAccess: PT1.6S")
                    && both.getMessage().contains("expireAfterWrite: PT5S"), both.getMessage());
            IllegalArgumentException perEntry = assertThrows(IllegalArgumentException.class,
                    () -> engine.caches.newCache("perEntry", Codecs.int32(), Codecs.utf8())
                            .expireAfterAccess(TTI).expireAfterWrite((k, v) -> TTI).build());
            assertTrue(perEntry.getMessage().contains("per entry"), perEntry.getMessage());
        }
    }

    @Test
    void expiry_renewsOnceASixteenthHasPassed() {
        assertEquals(100, Expiry.afterAccess(TTI, clock).renewalAfterMillis());
        assertEquals(225_000, Expiry.afterAccess(Duration.ofHours(1), clock).renewalAfterMillis());
        assertEquals(1, Expiry.afterAccess(Duration.ofMillis(3), clock).renewalAfterMillis());
        assertEquals(0, new Expiry(TTI, clock).renewalAfterMillis(), "a time to live is not renewed");
        Expiry forever = Expiry.afterAccess(Duration.ofSeconds(Long.MAX_VALUE), clock);
        assertEquals(Long.MAX_VALUE, forever.renewedDeadline(Long.MAX_VALUE), "a saturated deadline stays");
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void reads_keepAnEntryAlive_untilItIsLeftUnreadForTheTimeToIdle(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "idle", tiers);
            cache.put(1, "one");
            Tier tier = tierOf(cache);
            for (int read = 0; read < 10; read++) {        // 10 s in all, six times the time to idle
                clock.advance(1000);
                assertEquals("one", cache.get(1), "read " + read);
            }
            assertEquals(1, cache.size(tier), "renewed where it lies, once");
            clock.advance(TTI.toMillis() - 1);
            assertTrue(cache.containsKey(1));
            clock.advance(1);
            assertFalse(cache.containsKey(1), "left unread for the time to idle");
            assertEquals(1, cache.stats().tier(tier).expirations());
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aValueLargerThanAPage_isRenewedToo(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "large", tiers);
            String large = "x".repeat(10_000);             // spans three 4 KiB pages off the heap
            cache.put(1, large);
            for (int read = 0; read < 3; read++) {
                clock.advance(1000);
                assertEquals(large, cache.get(1), "read " + read);
            }
            clock.advance(TTI.toMillis() - 1);
            assertEquals(large, cache.read(1, ExpiryTest::utf8));
            clock.advance(TTI.toMillis());
            assertFalse(cache.containsKey(1));
            cache.close();
        }
    }

    /** Each method that hands a stored value back, as a reader of key 1 whose value is "one". */
    static Stream<Arguments> readingMethods() {
        List<Arguments> cases = new ArrayList<>();
        Map<String, BiConsumer<Cache<Integer, String>, Integer>> methods = Map.of(
                "get", (cache, key) -> assertEquals("one", cache.get(key)),
                "getAll", (cache, key) -> assertEquals(Map.of(key, "one"), cache.getAll(List.of(key, 99))),
                "read", (cache, key) -> assertEquals("one", cache.read(key, ExpiryTest::utf8)),
                "putIfAbsent", (cache, key) -> assertEquals("one", cache.putIfAbsent(key, "other")),
                "computeIfAbsent", (cache, key) -> assertEquals("one", cache.computeIfAbsent(key, k -> "loaded")));
        layouts().forEach(tiers -> methods.forEach((name, method) -> cases.add(Arguments.of(tiers, name, method))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("readingMethods")
    void everyMethodThatHandsTheValueBack_renewsIt(List<Tier> tiers, String name,
                                                   BiConsumer<Cache<Integer, String>, Integer> method) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "renew", tiers);
            cache.put(1, "one");
            clock.advance(1000);
            method.accept(cache, 1);
            clock.advance(TTI.toMillis() - 1);             // 2,599 ms after the put
            assertTrue(cache.containsKey(1), name + " renewed the deadline");
            clock.advance(1);
            assertFalse(cache.containsKey(1), name + " renewed it from the read on, by the time to idle");
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void containsKey_doesNotRenew(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "contains", tiers);
            cache.put(1, "one");
            clock.advance(1000);
            assertTrue(cache.containsKey(1));
            clock.advance(TTI.toMillis() - 1000);
            assertFalse(cache.containsKey(1));
            assertNull(cache.get(1));
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aReadWithinTheStep_leavesTheDeadline_aReadAfterItRenews(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "step", tiers);
            cache.put(1, "one");
            cache.put(2, "two");
            clock.advance(STEP - 1);
            assertEquals("one", cache.get(1));             // not due: the deadline stays the put's
            clock.advance(1);
            assertEquals("two", cache.get(2));             // due: renewed to 1,700 ms after the puts
            clock.advance(TTI.toMillis() - STEP);
            assertNull(cache.get(1), "expired the time to idle after its put: the read within the step renewed nothing");
            assertEquals("two", cache.get(2));
            cache.close();
        }
    }

    /** Heap + off-heap + disk with no promotion, filled until every tier holds keys: each is renewed where it lies. */
    @Test
    void entriesMovedDown_areRenewedInTheTierTheyLieIn() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("tiers", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).promotion(Promotion.NEVER)
                    .expireAfterAccess(TTI).clock(clock).build();
            int keys = 0;
            while (cache.size(Tier.DISK) < 50) {
                cache.put(keys, value(keys));
                keys++;
            }
            long[] held = {cache.size(Tier.HEAP), cache.size(Tier.OFF_HEAP), cache.size(Tier.DISK)};
            assertTrue(held[0] > 0 && held[1] > 0, () -> List.of(held[0], held[1], held[2]).toString());
            for (int round = 0; round < 4; round++) {      // 4 s: each key must be renewed in its own tier
                clock.advance(1000);
                for (int k = 0; k < keys; k++) {
                    assertEquals(value(k), cache.get(k), "key " + k + ", round " + round);
                }
            }
            assertEquals(keys, cache.size());
            assertEquals(held[2], cache.size(Tier.DISK), "disk records written again, not added");
            clock.advance(TTI.toMillis());
            for (int k = 0; k < keys; k++) {
                assertFalse(cache.containsKey(k), "key " + k);
            }
            cache.close();
        }
    }

    private static String value(int key) {
        return ("v" + key + "-").repeat(80).substring(0, 200);
    }

    @Test
    void aDeadlineRenewedOnDisk_survivesARestart() {
        Duration idle = Duration.ofSeconds(10);
        for (int open = 0; open < 2; open++) {
            try (TestEngine engine = engine()) {
                Cache<Integer, String> cache = engine.caches.newCache("durable", Codecs.int32(), Codecs.utf8())
                        .tiers(Tier.DISK).persistent(true).expireAfterAccess(idle).clock(clock).build();
                if (open == 0) {
                    cache.put(1, "read");
                    cache.put(2, "unread");
                    clock.advance(6000);
                    assertEquals("read", cache.get(1));    // renewed to 16 s after the puts
                } else {
                    clock.advance(6000);                   // 12 s after the puts
                    assertNull(cache.get(2), "its deadline passed while the cache was closed");
                    assertEquals("read", cache.get(1), "the renewed record is the one the reopened cache holds");
                    assertEquals(1, cache.size());
                }
                cache.close();
            }
        }
    }

    /**
     * A zero-copy reader pins the page its value is in; a renewal due for another record of that page meanwhile is
     * left to the next read of that key, and the reader's view is not touched.
     */
    @Test
    void aRenewalBesideAPinnedView_waitsForTheNextRead() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, "pinned", List.of(Tier.OFF_HEAP));
            cache.put(1, "one");
            cache.put(2, "two");
            cache.put(3, "three");
            clock.advance(1000);
            String seen = cache.read(1, view -> {
                String before = ExpiryTest.utf8(view);
                assertEquals("two", cache.get(2));        // due, but the page is pinned by this view
                assertEquals("three", cache.get(3));
                assertEquals(before, ExpiryTest.utf8(view), "the view did not change under its reader");
                return before;
            });
            assertEquals("one", seen);
            clock.advance(TTI.toMillis() - 1000 - 1);      // 1,599 ms after the puts
            assertEquals("two", cache.get(2), "renewed by this read");
            clock.advance(1);
            assertFalse(cache.containsKey(3), "the renewal beside the pinned view was left to a next read");
            assertTrue(cache.containsKey(2));
            assertTrue(cache.containsKey(1), "1 was renewed by its own read, once its view was let go");
            cache.close();
        }
    }

    /**
     * Readers renew while one writer puts newer versions: no reader ever sees a key's version go back (a renewal that
     * wrote the value it had read over a newer one would), and each key ends at its last version (or, with no disk
     * tier below, dropped by eviction).
     *
     * <p>The readers move the clock, a quarter of a round of the keys' reads at a time, and between two reads of a key
     * (by either reader) it moves half the time to idle at most, so every key is renewed in time. A put stamps its
     * deadline before it installs the value, though: a writer held up in between (the machine's other threads ran)
     * installs a deadline the clock may nearly have reached, and a read then finds the value expired. So a key may end
     * absent only if its last put took half the time to idle or more on the clock. Before this allowance, 63 of the
     * 64 keys were found once in about 25 runs of the test classes around it; a count of the longest put per case then
     * saw one of 59,750 s (a time to idle is 64,000 s here) in 24 cases.
     */
    @ParameterizedTest
    @MethodSource("layouts")
    void renewals_neverBringBackAReplacedValue(List<Tier> tiers) throws Exception {
        int keys = 64;
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("race", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterAccess(RACE_TTI).clock(clock).build();
            int[] last = new int[keys];
            long[] lastPutMillis = new long[keys];          // the clock time the key's last put took
            for (int k = 0; k < keys; k++) {
                cache.put(k, versioned(k, 0));
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                threads.add(Thread.ofPlatform().start(() -> read(cache, keys, start, failure)));
            }
            clock.advance(RACE_STEP);                     // every key is due from the first read on
            Thread writer = Thread.ofPlatform().start(() -> {
                Latches.await(start, "start");
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int op = 0; op < 20_000; op++) {
                    int k = random.nextInt(keys);
                    long before = clock.millis();
                    cache.put(k, versioned(k, ++last[k]));
                    lastPutMillis[k] = clock.millis() - before;
                }
            });
            start.countDown();
            writer.join();
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            int present = 0;
            for (int k = 0; k < keys; k++) {
                String value = cache.get(k);
                if (value != null) {
                    present++;
                    assertEquals(versioned(k, last[k]), value, "key " + k);
                } else if (tiers.contains(Tier.DISK)) {
                    assertTrue(lastPutMillis[k] >= RACE_TTI.toMillis() / 2, "key " + k + " was read within the time "
                            + "to idle, and its last put took " + lastPutMillis[k] + " ms on the clock");
                }
            }
            if (!tiers.contains(Tier.DISK)) {
                assertTrue(present > keys / 2, "with no disk below, eviction may drop keys: " + present);
            }
            cache.close();
        }
    }

    /** Reads the keys round and round, moving the clock so that reads are due to renew ({@link #RACE_TTI}). */
    private void read(Cache<Integer, String> cache, int keys, CountDownLatch start,
                      AtomicReference<Throwable> failure) {
        Latches.await(start, "start");
        int[] seen = new int[keys];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
            int first = random.nextInt(keys);
            for (int op = 0; op < 20_000; op++) {
                int k = (first + op) % keys;
                clock.advance(RACE_TTI.toMillis() / (4L * keys));
                String value = random.nextBoolean() ? cache.get(k) : cache.read(k, ExpiryTest::utf8);
                if (value != null) {
                    int version = versionOf(value);
                    if (version < seen[k]) {
                        throw new AssertionError("key " + k + " went back from version " + seen[k] + " to "
                                + version);
                    }
                    seen[k] = version;
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /**
     * Readers renew while {@code invalidateAll} runs, and nobody puts: from the moment it returns, no read finds a
     * value (a disk renewal that wrote a record after the clear emptied the disk would bring one back).
     */
    @ParameterizedTest
    @MethodSource("layouts")
    void renewals_neverBringBackWhatAClearRemoved(List<Tier> tiers) throws Exception {
        int keys = 256;
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("clear", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterAccess(RACE_TTI).clock(clock).build();
            for (int round = 0; round < 10; round++) {
                for (int k = 0; k < keys; k++) {
                    cache.put(k, versioned(k, round));
                }
                AtomicReference<Throwable> failure = new AtomicReference<>();
                CountDownLatch start = new CountDownLatch(1);
                boolean[] cleared = {false};
                Object clearedLock = new Object();
                List<Thread> readers = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    readers.add(Thread.ofPlatform().start(() -> {
                        Latches.await(start, "start");
                        int first = ThreadLocalRandom.current().nextInt(keys);
                        try {
                            for (int op = 0; op < 4_000; op++) {
                                int k = (first + op) % keys;
                                boolean after;
                                synchronized (clearedLock) {
                                    after = cleared[0];
                                }
                                clock.advance(RACE_TTI.toMillis() / (4L * keys));
                                String value = cache.get(k);
                                if (after && value != null) {
                                    throw new AssertionError("key " + k + " read as " + value
                                            + " after invalidateAll returned");
                                }
                            }
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    }));
                }
                clock.advance(RACE_STEP);                 // every key is due from the first read on
                start.countDown();
                cache.invalidateAll();
                synchronized (clearedLock) {
                    cleared[0] = true;
                }
                for (Thread reader : readers) {
                    reader.join();
                }
                if (failure.get() != null) {
                    throw new AssertionError("round " + round, failure.get());
                }
                assertEquals(0, cache.size(), "round " + round);
            }
            cache.close();
        }
    }

    private static String versioned(int key, int version) {
        return key + ":" + version;
    }

    private static int versionOf(String value) {
        return Integer.parseInt(value.substring(value.indexOf(':') + 1));
    }

    private static Tier tierOf(Cache<Integer, String> cache) {
        return cache.tiers().stream().filter(tier -> cache.size(tier) > 0).findFirst().orElseThrow();
    }
}
