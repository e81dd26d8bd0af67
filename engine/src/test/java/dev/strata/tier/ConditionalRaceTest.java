package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.DataSize;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conditional writes are atomic across tiers: threads count into shared counters with {@code merge},
 * {@code compute}, {@code computeIfPresent} and a loop of {@code get} and {@code replace(key, old, new)}, while the
 * counters' values move between tiers (every tier but the lowest holds 8 KiB, reads promote) and change size (so some
 * writes overwrite in place and some take a new place). No count may be lost or made twice: at the end each counter
 * holds exactly the increments the threads made to it. The lowest tier must evict nothing for that to be exact, which
 * the test checks.
 */
class ConditionalRaceTest {

    private static final long REGION = 128 * 1024;
    private static final int THREADS = 4;
    private static final int OPERATIONS = 3000;
    private static final int HOT_KEYS = 8;

    @TempDir
    Path dir;

    static Stream<List<Tier>> layouts() {
        return TieredCacheModelTest.combinations();
    }

    /** {@return a counter's value: its count, then padding of 100 to 300 bytes that changes with the count} */
    static String counter(long count) {
        return count + "|" + "x".repeat(100 + (int) (count % 3) * 100);
    }

    static long count(String counter) {
        return Long.parseLong(counter, 0, counter.indexOf('|'), 10);
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void concurrentIncrementsAreNeitherLostNorDoubled(List<Tier> tiers) throws Exception {
        countConcurrently(tiers, builder -> builder);
    }

    /**
     * The same with a refresh after 1 ms of the system clock, whose reloader gives the value it was given back (a new
     * write of the same count), on two executor threads: the reads of the counters hand refreshes over all the time,
     * and a refresh that wrote over an increment made after it read the counter would lose that increment. Once the
     * counting threads are done the executor takes no more refreshes (those handed over then are dropped unrun) and the
     * ones it took end before the counters are checked.
     */
    @ParameterizedTest
    @MethodSource("layouts")
    void refreshesRacingTheIncrementsLoseNone(List<Tier> tiers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean counted = new AtomicBoolean();
        Executor refreshes = task -> {
            if (!counted.get()) {
                pool.execute(task);
            }
        };
        AtomicLong reloads = new AtomicLong();
        try {
            countConcurrently(tiers, builder -> builder.refreshAfterWrite(Duration.ofMillis(1), (key, value) -> {
                reloads.incrementAndGet();
                return new String(value);
            }, refreshes), () -> {
                counted.set(true);
                pool.shutdown();
                return pool.awaitTermination(60, TimeUnit.SECONDS);
            });
            assertTrue(reloads.get() > 0, "values were refreshed");
        } finally {
            pool.shutdownNow();
        }
    }

    private void countConcurrently(List<Tier> tiers, UnaryOperator<Cache.Builder<Integer, String>> configure)
            throws Exception {
        countConcurrently(tiers, configure, () -> true);
    }

    /**
     * Runs the counting threads on a cache of {@code tiers} that {@code configure} may add to, runs {@code settle}
     * once they are done (it must answer true), and checks every counter.
     */
    private void countConcurrently(List<Tier> tiers, UnaryOperator<Cache.Builder<Integer, String>> configure,
                                   Callable<Boolean> settle) throws Exception {
        boolean disk = tiers.contains(Tier.DISK);
        int keys = disk ? 1500 : 48;                  // memory alone must hold every counter: nothing may be evicted
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 256L << 20)) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("counters", Codecs.int32(),
                    Codecs.utf8()).tiers(tiers.toArray(Tier[]::new));
            for (Tier tier : tiers.subList(0, tiers.size() - 1)) {
                builder.maximumSize(tier, DataSize.ofKibibytes(8));
            }
            Cache<Integer, String> cache = configure.apply(builder).build();
            long[][] made = new long[THREADS][keys];
            CyclicBarrier start = new CyclicBarrier(THREADS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long[] mine = made[t];
                Random random = new Random(31 + t);
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    start.await();
                    for (int op = 0; op < OPERATIONS; op++) {
                        int key = random.nextBoolean() ? random.nextInt(HOT_KEYS) : random.nextInt(keys);
                        increment(cache, key, random.nextInt(4));
                        mine[key]++;
                    }
                })));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(settle.call(), "settled");
            CacheStats stats = cache.stats();
            assertEquals(0, stats.tier(tiers.getLast()).evictions(), () -> "the lowest tier evicted: " + stats);
            assertEquals(0, stats.errors(), stats::toString);
            if (tiers.size() > 1) {
                assertTrue(stats.tier(tiers.getFirst()).demotions() > 0, () -> "values moved down: " + stats);
            }
            for (int key = 0; key < keys; key++) {
                long expected = 0;
                for (long[] counts : made) {
                    expected += counts[key];
                }
                String value = cache.get(key);
                assertEquals(expected, value == null ? 0 : count(value), "counter " + key);
            }
            engine.checkPools();
            cache.close();
        }
    }

    /** Adds one to {@code key}'s counter, one of four ways. */
    private static void increment(Cache<Integer, String> cache, int key, int way) {
        switch (way) {
            case 0 -> cache.merge(key, counter(1), (old, one) -> counter(count(old) + 1));
            case 1 -> cache.compute(key, (k, old) -> counter(old == null ? 1 : count(old) + 1));
            case 2 -> {
                if (cache.computeIfPresent(key, (k, old) -> counter(count(old) + 1)) == null) {
                    cache.merge(key, counter(1), (old, one) -> counter(count(old) + 1));   // absent when looked at
                }
            }
            default -> {
                for (int round = 0; round < 1_000_000; round++) {
                    String old = cache.get(key);
                    if (old == null ? cache.putIfAbsent(key, counter(1)) == null
                            : cache.replace(key, old, counter(count(old) + 1))) {
                        return;
                    }
                }
                fail("a million replaces of counter " + key + " in a row failed");
            }
        }
    }
}
