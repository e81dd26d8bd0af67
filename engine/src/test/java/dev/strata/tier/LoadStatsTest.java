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
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link CacheStats} counts of loads: each value a loader returned ({@code loads}), each loader call that threw
 * or returned null ({@code loadFailures}), and the time spent in loader calls ({@code loadNanos}), for
 * {@code computeIfAbsent} and the bulk {@code getAll}, with and without a time to live (the expiring view counts in
 * the cache it wraps), and through the cache's MXBean.
 */
class LoadStatsTest extends ExpiryFixture {

    /** How long the busy loaders below run, at least: the time they take must show in {@code loadNanos}. */
    private static final long BUSY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Cache<Integer, String> cache(TestEngine engine, boolean expiring) {
        Cache.Builder<Integer, String> builder = engine.caches.newCache("load-stats", Codecs.int32(), Codecs.utf8())
                .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK);
        return expiring ? builder.clock(clock).expireAfterWrite(Duration.ofMinutes(1)).build() : builder.build();
    }

    @ParameterizedTest(name = "expiring={0}")
    @ValueSource(booleans = {false, true})
    void computeIfAbsentCountsEachLoaderCallAsALoadOrAFailure(boolean expiring) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, expiring);
            assertEquals("one", cache.computeIfAbsent(1, k -> busy("one")));
            assertEquals("one", cache.computeIfAbsent(1, k -> "never called"));
            assertNull(cache.computeIfAbsent(2, k -> busy(null)));
            IllegalStateException thrown = new IllegalStateException("loader refused by the test");
            assertSame(thrown, assertThrows(IllegalStateException.class, () -> cache.computeIfAbsent(3, k -> {
                busy(null);
                throw thrown;
            })));

            CacheStats stats = cache.stats();
            assertEquals(1, stats.loads(), "the value loaded for key 1; the hit on it loads nothing");
            assertEquals(2, stats.loadFailures(), "the null for key 2, the throw for key 3");
            assertTrue(stats.loadNanos() >= 3 * BUSY_NANOS, "three busy loaders: " + stats.loadNanos() + " ns");
            cache.close();
        }
    }

    @ParameterizedTest(name = "expiring={0}")
    @ValueSource(booleans = {false, true})
    void aBulkLoadCountsItsValuesAndAFailedCallOnce(boolean expiring) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, expiring);
            cache.put(1, "one");
            Map<Integer, String> found = cache.getAll(List.of(1, 2, 3, 4),
                    missing -> busy(Map.of(2, "two", 3, "three")));
            assertEquals(Map.of(1, "one", 2, "two", 3, "three"), found);
            assertEquals(Map.of(1, "one"), cache.getAll(List.of(1), missing -> Map.of(1, "never called")));
            assertThrows(NullPointerException.class, () -> cache.getAll(List.of(5, 6), missing -> busy(null)));
            assertThrows(IllegalStateException.class, () -> cache.getAll(List.of(5, 6), missing -> {
                throw new IllegalStateException("loader refused by the test");
            }));

            CacheStats stats = cache.stats();
            assertEquals(2, stats.loads(), "the two values of the one call that answered");
            assertEquals(2, stats.loadFailures(), "the null map, the throw: one failure per call");
            assertTrue(stats.loadNanos() >= 2 * BUSY_NANOS, "two busy loaders: " + stats.loadNanos() + " ns");
            cache.close();
        }
    }

    /** Per-entry expiry computed when a load ends: a function that throws there fails the load. */
    @Test
    void aTimeToLiveThatThrowsForALoadedValueFailsTheLoad() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("load-stats", Codecs.int32(), Codecs.utf8())
                    .clock(clock).expireAfterWrite((key, value) -> {
                        if (value.equals("refused")) {
                            throw new IllegalArgumentException("no time to live for " + key);
                        }
                        return Duration.ofMinutes(1);
                    }).build();
            assertThrows(IllegalArgumentException.class, () -> cache.computeIfAbsent(1, k -> "refused"));
            assertEquals("kept", cache.computeIfAbsent(1, k -> "kept"));
            assertEquals(1, cache.stats().loads());
            assertEquals(1, cache.stats().loadFailures());
            cache.close();
        }
    }

    /** Threads that wait for another's load of the key run no loader and count in neither. */
    @Test
    void callersThatJoinALoadCountNothing() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, false);
            CountDownLatch loading = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger calls = new AtomicInteger();
            Thread loader = Thread.ofPlatform().start(() -> cache.computeIfAbsent(7, k -> {
                calls.incrementAndGet();
                loading.countDown();
                await(release);
                return "seven";
            }));
            assertTrue(loading.await(30, TimeUnit.SECONDS));
            Thread[] joiners = new Thread[3];
            String[] results = new String[joiners.length];
            for (int i = 0; i < joiners.length; i++) {
                int index = i;
                joiners[i] = Thread.ofPlatform().start(() -> results[index] = cache.computeIfAbsent(7, k -> {
                    calls.incrementAndGet();
                    return "another";
                }));
            }
            release.countDown();
            loader.join();
            for (Thread joiner : joiners) {
                joiner.join();
            }
            assertEquals(List.of("seven", "seven", "seven"), List.of(results));
            assertEquals(1, calls.get(), "one loader ran");
            assertEquals(1, cache.stats().loads());
            assertEquals(0, cache.stats().loadFailures());
            cache.close();
        }
    }

    @Test
    void theMXBeanReportsTheLoads() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, false);
            cache.computeIfAbsent(1, k -> busy("one"));
            cache.computeIfAbsent(2, k -> null);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.strata:type=Cache,name=load-stats");
            assertEquals(1L, server.getAttribute(name, "Loads"));
            assertEquals(1L, server.getAttribute(name, "LoadFailures"));
            assertTrue((Long) server.getAttribute(name, "LoadNanos") >= BUSY_NANOS);
            cache.close();
        }
    }

    /** {@return {@code result}, after running for at least {@link #BUSY_NANOS}} */
    private static <T> T busy(T result) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < BUSY_NANOS) {
            Thread.onSpinWait();
        }
        return result;
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
