package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code refreshAfterWrite}: a read of a value written at least the interval ago returns it and hands one refresh of
 * the key to the executor; the refresh writes the reloader's result only if the key still holds the value it was
 * given. The executor here is a queue the test runs by hand (one for the concurrent case), and the clock moves by hand.
 */
class RefreshTest extends ExpiryFixture {

    private static final Duration INTERVAL = Duration.ofSeconds(10);

    /** The refreshes handed over and not yet run. */
    private final Queue<Runnable> refreshes = new ArrayDeque<>();
    /** The values each reloader call was given. */
    private final List<String> reloaded = new ArrayList<>();

    private Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers,
                                         BiFunction<Integer, String, String> reloader) {
        return builder(engine, tiers).refreshAfterWrite(INTERVAL, (key, value) -> {
            reloaded.add(value);
            return reloader.apply(key, value);
        }, refreshes::add).build();
    }

    private Cache.Builder<Integer, String> builder(TestEngine engine, List<Tier> tiers) {
        return engine.caches.newCache("refresh", Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .clock(clock);
    }

    private void runRefreshes() {
        while (!refreshes.isEmpty()) {
            refreshes.poll().run();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aReadOfAValueOlderThanTheIntervalReturnsItAndRefreshesItOnce(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, (key, value) -> value + "+");
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis() - 1);
            assertEquals("one", cache.get(1));
            assertTrue(refreshes.isEmpty(), "not due before the interval");

            clock.advance(1);
            assertEquals("one", cache.get(1), "the value as it is, at once");
            assertEquals("one", cache.get(1));
            assertEquals(Map.of(1, "one"), cache.getAll(List.of(1)));
            assertEquals(1, refreshes.size(), "one refresh per key at a time");
            runRefreshes();
            assertEquals(List.of("one"), reloaded);
            assertEquals("one+", cache.get(1));
            assertTrue(refreshes.isEmpty(), "the refresh wrote the value anew: not due again");

            clock.advance(INTERVAL.toMillis());
            assertEquals("one+", cache.putIfAbsent(1, "ignored"));
            runRefreshes();
            assertEquals("one++", cache.computeIfAbsent(1, key -> "not loaded"));
            clock.advance(INTERVAL.toMillis());
            assertEquals(5L, cache.read(1, MemorySegment::byteSize));
            runRefreshes();
            assertEquals("one+++", cache.get(1));
            assertEquals(List.of("one", "one+", "one++"), reloaded);
            CacheStats stats = cache.stats();
            assertEquals(3, stats.loads(), "each refresh a load");
            assertEquals(0, stats.loadFailures());
            cache.close();
        }
    }

    @Test
    void containsKeyAndAWalkRefreshNothing() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.HEAP), (key, value) -> value + "+");
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis());
            assertTrue(cache.containsKey(1));
            cache.forEach(entry -> assertEquals("one", entry.getValue()));
            assertTrue(refreshes.isEmpty());
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aWriteBetweenTheReadAndTheRefreshWins(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, (key, value) -> value + "+");
            cache.put(1, "one");
            cache.put(2, "two");
            clock.advance(INTERVAL.toMillis());
            cache.get(1);
            cache.get(2);
            cache.put(1, "put");                       // before the refresh runs: it finds a newer value
            cache.remove(2);
            runRefreshes();
            assertEquals(List.of(), reloaded, "no reloader called for a value written or removed since the read");
            assertEquals("put", cache.get(1));
            assertNull(cache.get(2));
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aWriteWhileTheReloaderRunsWins(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String>[] self = new Cache[1];
            Cache<Integer, String> cache = cache(engine, tiers, (key, value) -> {
                self[0].put(key, "put meanwhile");
                return "reloaded";
            });
            self[0] = cache;
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis());
            cache.get(1);
            runRefreshes();
            assertEquals("put meanwhile", cache.get(1), "the reloader's result was dropped");
            assertEquals(1, cache.stats().loads(), "it still loaded a value");
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aNullResultRemovesTheEntryAndAThrowKeepsIt(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, (key, value) -> {
                if (key == 2) {
                    throw new IllegalStateException("reloader refused by the test");
                }
                return null;
            });
            cache.put(1, "one");
            cache.put(2, "two");
            clock.advance(INTERVAL.toMillis());
            cache.get(1);
            cache.get(2);
            runRefreshes();
            assertNull(cache.get(1), "a null result removes");
            assertEquals("two", cache.get(2), "a throw keeps the value");
            assertEquals(1, refreshes.size(), "and the next read tries again");
            CacheStats stats = cache.stats();
            assertEquals(0, stats.loads());
            assertEquals(2, stats.loadFailures());
            cache.close();
        }
    }

    @Test
    void aRefreshedValueIsReplacedForTheListener() {
        List<String> told = new CopyOnWriteArrayList<>();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK))
                    .removalListener((key, value, cause) -> told.add(key + "=" + value + " " + cause), Runnable::run)
                    .refreshAfterWrite(INTERVAL, (key, value) -> value + "+", refreshes::add).build();
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis());
            cache.get(1);
            runRefreshes();
            assertEquals(List.of("1=one " + RemovalCause.REPLACED), told);
            cache.close();
        }
    }

    /** With a time to live the refresh gives the value a new deadline; an entry nobody reads still expires. */
    @Test
    void withATimeToLiveARefreshStartsANewOneAndAnUnreadEntryExpires() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK))
                    .expireAfterWrite(INTERVAL.multipliedBy(3))
                    .refreshAfterWrite(INTERVAL, (key, value) -> value + "+", refreshes::add).build();
            cache.put(1, "one");
            cache.put(2, "two");
            clock.advance(INTERVAL.toMillis() * 2);
            assertEquals("one", cache.get(1));
            runRefreshes();
            clock.advance(INTERVAL.toMillis() * 2);   // four intervals after the put: key 2 expired, key 1 not
            assertNull(cache.get(2));
            assertEquals("one+", cache.get(1), "lives three intervals from its refresh");
            assertEquals(1, refreshes.size(), "and is due again");
            cache.close();
        }
    }

    /** A refreshed value is written as a put's: to the highest tier, even where reads never promote. */
    @Test
    void aRefreshedValueLandsInTheHighestTierAsAPutsDoes() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP, Tier.DISK)).promotion(Promotion.NEVER)
                    .maximumSize(Tier.HEAP, DataSize.ofKibibytes(16))
                    .refreshAfterWrite(INTERVAL, (key, value) -> value + "+", refreshes::add).build();
            cache.put(1, "one");
            for (int key = 2; key < 200; key++) {      // 200 B each: key 1 leaves the 16 KiB heap tier
                cache.put(key, "v".repeat(200));
            }
            clock.advance(INTERVAL.toMillis());
            assertEquals("one", cache.get(1));
            assertEquals(1, cache.stats().tier(Tier.DISK).hits(), "read on disk");
            runRefreshes();
            assertEquals("one+", cache.get(1));
            assertEquals(1, cache.stats().tier(Tier.HEAP).hits(), "the refreshed value is on the heap");
            cache.close();
        }
    }

    @Test
    void anExecutorThatRefusesLeavesTheValue() {
        try (TestEngine engine = engine()) {
            AtomicInteger offered = new AtomicInteger();
            Executor refusing = task -> {
                offered.incrementAndGet();
                throw new RejectedExecutionException("refused by the test");
            };
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP))
                    .refreshAfterWrite(INTERVAL, (key, value) -> value + "+", refusing).build();
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis());
            assertEquals("one", cache.get(1));
            assertEquals("one", cache.get(1));
            assertEquals(2, offered.get(), "not left marked as running: the next read offers again");
            cache.close();
        }
    }

    @Test
    void aRefreshThatRunsAfterTheCacheClosedDoesNothing() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.OFF_HEAP), (key, value) -> value + "+");
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis());
            cache.get(1);
            cache.close();
            runRefreshes();
            assertEquals(List.of(), reloaded);
        }
    }

    /** Threads reading one due key together hand over one refresh; its reloader runs once. */
    @Test
    void concurrentReadersStartOneRefresh() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try (TestEngine engine = engine()) {
            AtomicInteger calls = new AtomicInteger();
            CountDownLatch release = new CountDownLatch(1);
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP, Tier.OFF_HEAP))
                    .refreshAfterWrite(INTERVAL, (key, value) -> {
                        calls.incrementAndGet();
                        await(release);
                        return value + "+";
                    }, executor).build();
            cache.put(1, "one");
            clock.advance(INTERVAL.toMillis());
            Thread[] readers = new Thread[4];
            for (int i = 0; i < readers.length; i++) {
                readers[i] = Thread.ofPlatform().start(() -> {
                    for (int read = 0; read < 1_000; read++) {
                        assertEquals("one", cache.get(1));
                    }
                });
            }
            for (Thread reader : readers) {
                reader.join();
            }
            release.countDown();
            executor.shutdown();
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS));
            assertEquals(1, calls.get());
            assertEquals("one+", cache.get(1));
            cache.close();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aPersistentCacheKeepsItsWriteTimesAcrossARestart() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP, Tier.DISK)).persistent(true)
                    .refreshAfterWrite(INTERVAL, (key, value) -> value + "+", refreshes::add).build();
            cache.put(1, "one");
            cache.close();
        }
        try (TestEngine engine = engine()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> builder(engine, List.of(Tier.HEAP, Tier.DISK)).persistent(true).build());
            assertTrue(refused.getMessage().contains("refreshAfterWrite"), refused.getMessage());
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP, Tier.DISK)).persistent(true)
                    .refreshAfterWrite(INTERVAL, (key, value) -> value + "+", refreshes::add).build();
            clock.advance(INTERVAL.toMillis() - 1);
            assertEquals("one", cache.get(1));
            assertTrue(refreshes.isEmpty(), "written less than the interval ago, before the restart");
            clock.advance(1);
            assertEquals("one", cache.get(1));
            runRefreshes();
            assertEquals("one+", cache.get(1));
            cache.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"expireAfterAccess", "expireAfterWrite per entry", "expireAfterWrite too long"})
    void buildRefusesARefreshWithoutOneTimeToLive(String expiry) {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = builder(engine, List.of(Tier.HEAP))
                    .refreshAfterWrite(INTERVAL, (key, value) -> value);
            switch (expiry) {
                case "expireAfterAccess" -> builder.expireAfterAccess(INTERVAL);
                case "expireAfterWrite per entry" -> builder.expireAfterWrite((key, value) -> INTERVAL);
                default -> builder.expireAfterWrite(Refresh.NEVER.plusDays(1));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
            assertTrue(e.getMessage().startsWith("refreshAfterWrite: PT10S with expireA"), e.getMessage());
        }
    }

    @Test
    void badArgumentsAreRefused() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = builder(engine, List.of(Tier.HEAP));
            BiFunction<Integer, String, String> same = (key, value) -> value;
            assertThrows(NullPointerException.class, () -> builder.refreshAfterWrite(null, same));
            assertThrows(NullPointerException.class, () -> builder.refreshAfterWrite(INTERVAL, null));
            assertThrows(NullPointerException.class, () -> builder.refreshAfterWrite(INTERVAL, same, null));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> builder.refreshAfterWrite(Duration.ofNanos(999_999), same));
            assertEquals("interval: PT0.000999999S (expected: at least 1 ms)", e.getMessage());
            Cache<Integer, String> cache = builder.build();
            assertFalse(cache instanceof ExpiringCache, "nothing was set: " + cache);
            cache.close();
        }
    }

    @Test
    void anIntervalLongerThanMillisecondsCountIsNeverDue() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, List.of(Tier.HEAP))
                    .refreshAfterWrite(Duration.ofSeconds(Long.MAX_VALUE), (key, value) -> value + "+", refreshes::add)
                    .build();
            cache.put(1, "one");
            clock.advance(Duration.ofDays(365L * 900).toMillis());
            assertEquals("one", cache.get(1));
            assertTrue(refreshes.isEmpty());
            cache.close();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
