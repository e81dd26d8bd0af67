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
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based randomized tests of time-to-live expiry ({@link Cache.Builder#expireAfterWrite(Duration)}). Every cache
 * reads a {@link ManualClock} that moves only when a test moves it, so each outcome follows from the seed and no test
 * waits for time to pass. What they prove:
 * <ul>
 *   <li>On every tier combination, a thread's random operations agree with a map of (value, deadline): an entry is
 *       visible exactly while {@code clock.millis() < deadline}, to {@code get}, {@code getAll}, {@code containsKey}
 *       and {@code read} (whose reader an expired entry never reaches); {@code putIfAbsent} installs and
 *       {@code computeIfAbsent} loads over an expired entry; a write renews the deadline. With a disk tier nothing is
 *       dropped, so the cache matches the model exactly; without one it may drop entries but never returns an expired,
 *       stale or foreign value. Reading every key once expired empties the cache. Expiry sweeps run among the
 *       operations ({@link #sweep}), their disk compactions on the compactor's thread while the operations go on.</li>
 *   <li>An eviction drops an expired entry instead of moving it down a tier: each tier counts as expired exactly the
 *       entries it held when they expired.</li>
 *   <li>Threads racing with a clock that another thread moves never get a value that had expired before their call
 *       began, and (with a disk tier) a write still certainly live is never lost, though other threads' reads remove
 *       expired values of the same keys meanwhile, and the thread that moves the clock sweeps, compacting disk segments
 *       under the others' writes. A write's deadline is the clock at some instant inside the write
 *       plus the time to live, so the test brackets each write between the clock read before it and after it returns,
 *       and fails only when even the latest possible deadline had passed (or the earliest had not).</li>
 *   <li>The same holds when each entry's time to live is computed from its value
 *       ({@link Cache.Builder#expireAfterWrite(java.util.function.BiFunction)}): entries expire each at its own
 *       deadline, and a write whose time to live is zero or less stores nothing (a put removes the older value).</li>
 *   <li>The same holds with a time to idle ({@link Cache.Builder#expireAfterAccess(Duration)}), the model renewing a
 *       deadline on every read that hands the value back, once the renewal step has passed since it was set.</li>
 *   <li>The same holds with a refresh after write beside the time to live
 *       ({@link Cache.Builder#refreshAfterWrite}), its refreshes run now and then among the operations: a read of a
 *       value written the interval ago queues one refresh of the key, which reloads the value only if the key still
 *       holds it.</li>
 *   <li>A persistent cache keeps each entry's deadline across close and reopen.</li>
 *   <li>The builder refuses a null time to live or one under a millisecond.</li>
 * </ul>
 */
class ExpiryModelTest {

    /** Heap and off-heap regions: a few hundred of the model's values overflow them into the lower tiers. */
    private static final long REGION = 64 * 1024;
    /** Smaller still for the racing threads, whose fewer keys must reach the lower tiers too. */
    private static final long RACING_REGION = 32 * 1024;
    private static final int KEYS = 400;
    /** Half of the operations go to these keys, so they are often rewritten before they expire. */
    private static final int HOT_KEYS = 50;
    private static final long TTL_MILLIS = 1000;
    /** The refresh interval of the model run with a refresh: a third of the time to live. */
    private static final long REFRESH_MILLIS = 333;
    private static final Duration TTL = Duration.ofMillis(TTL_MILLIS);
    /** The longest time to live {@link #perEntryMillis} gives. */
    private static final long MAX_PER_ENTRY_MILLIS = 1400;
    /** Where every clock starts: an ordinary epoch millisecond (2023-11-14), not zero. */
    private static final long START_MILLIS = 1_700_000_000_000L;

    @TempDir
    Path dir;

    static Stream<List<Tier>> combinations() {
        return TieredCacheModelTest.combinations();
    }

    /** Combinations of two or three tiers: an entry can move down. */
    static Stream<List<Tier>> layered() {
        return combinations().filter(tiers -> tiers.size() > 1);
    }

    static Stream<List<Tier>> racing() {
        return Stream.of(List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK), List.of(Tier.OFF_HEAP));
    }

    static Stream<List<Tier>> persistent() {
        return combinations().filter(tiers -> tiers.contains(Tier.DISK));
    }

    private TestEngine engine() {
        return engine(REGION);
    }

    /** A disk quota of 16 MiB: segments of 1 MiB, so the expiry sweeps find sealed ones to compact. */
    private TestEngine engine(long region) {
        return new TestEngine(region, region, 4096, dir, 16L << 20);
    }

    /**
     * Runs the expiry sweep over a random share of {@code cache}'s stripes, as the engine's sweeper thread does once a
     * second: it removes expired memory entries, and hands the disk segments whose records have all or mostly expired
     * (and the segments still appended to once all theirs have) to the compactor's thread, which drops the expired
     * records while the callers go on.
     */
    private static void sweep(Cache<Integer, String> cache, Random random) {
        ((ExpiringCache<Integer, String>) cache).stamped().sweepExpired(1 + random.nextInt(ExpirySweeper.SLICES));
    }

    private static Cache.Builder<Integer, String> builder(TestEngine engine, String name, List<Tier> tiers,
                                                          ManualClock clock) {
        return engine.caches.newCache(name, Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .expireAfterWrite(TTL).clock(clock);
    }

    /**
     * {@return a time to live that depends on the value: one value in eight gets zero and one in eight a negative one
     * (both store nothing), the others 200 to {@value #MAX_PER_ENTRY_MILLIS} ms}
     */
    private static long perEntryMillis(String value) {
        int bucket = Math.floorMod(value.hashCode(), 8);
        return switch (bucket) {
            case 0 -> 0;
            case 1 -> -5;
            default -> 200L * bucket;
        };
    }

    private static long expirations(Cache<?, ?> cache) {
        return cache.stats().tiers().stream().mapToLong(CacheStats.TierStats::expirations).sum();
    }

    private static String utf8(MemorySegment view) {
        return new String(view.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** {@return a value naming its key and {@code tag}, mostly short, sometimes a few pages, now and then not ASCII} */
    private static String value(Random random, int key, String tag) {
        int length = random.nextInt(8) == 0 ? 1 + random.nextInt(6000) : 1 + random.nextInt(400);
        StringBuilder text = new StringBuilder("k").append(key).append('-').append(tag).append('-');
        while (text.length() < length) {
            text.append(random.nextInt(50) == 0 ? 'é' : (char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // One thread against the model

    @ParameterizedTest
    @MethodSource("combinations")
    void randomOperations_matchTheModel(List<Tier> tiers) {
        runModel(new long[] {1, 2}, (engine, clock) -> builder(engine, "model", tiers, clock).build(),
                tiers.contains(Tier.DISK), value -> TTL_MILLIS, TTL_MILLIS, 0);
    }

    /**
     * A refresh after write ({@link Cache.Builder#refreshAfterWrite}) of {@value #REFRESH_MILLIS} ms beside the time
     * to live, its refreshes queued and run now and then among the operations: the model queues one per key on each
     * read that hands back a value written at least the interval ago (none while one is queued), and when it runs
     * writes the reloaded value only if the key still holds the value read (by its deadline), as the cache does.
     */
    @ParameterizedTest
    @MethodSource("combinations")
    void randomOperations_withARefresh_matchTheModel(List<Tier> tiers) {
        Queue<Runnable> refreshes = new ArrayDeque<>();
        runModel(new long[] {7, 8}, (engine, clock) -> builder(engine, "refresh", tiers, clock)
                        .refreshAfterWrite(Duration.ofMillis(REFRESH_MILLIS), (key, value) -> value + "r",
                                refreshes::add).build(),
                tiers.contains(Tier.DISK), value -> TTL_MILLIS, TTL_MILLIS, 0, refreshes);
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void randomOperations_withATimeToLivePerEntry_matchTheModel(List<Tier> tiers) {
        runModel(new long[] {3, 4}, (engine, clock) -> engine.caches.newCache("per-entry", Codecs.int32(),
                        Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                        .expireAfterWrite((key, value) -> Duration.ofMillis(perEntryMillis(value)))
                        .clock(clock).build(),
                tiers.contains(Tier.DISK), ExpiryModelTest::perEntryMillis, MAX_PER_ENTRY_MILLIS, 0);
    }

    /**
     * A time to idle ({@link Cache.Builder#expireAfterAccess}) of {@value #TTL_MILLIS} ms: the model renews a key's
     * deadline on each read that hands its value back once 1/16 of it has passed since it was set, as the cache does.
     */
    @ParameterizedTest
    @MethodSource("combinations")
    void randomOperations_withATimeToIdle_matchTheModel(List<Tier> tiers) {
        runModel(new long[] {5, 6}, (engine, clock) -> engine.caches.newCache("idle", Codecs.int32(), Codecs.utf8())
                        .tiers(tiers.toArray(Tier[]::new)).expireAfterAccess(TTL).clock(clock).build(),
                tiers.contains(Tier.DISK), value -> TTL_MILLIS, TTL_MILLIS, TTL_MILLIS / 16);
    }

    /**
     * Runs 6,000 random operations per seed on a cache {@code open} builds, against the model, then reads every key
     * and lets every entry expire; {@code timeToLiveMillis} is the time to live the cache gives a value, and
     * {@code renewalStepMillis}, if positive, how long after its deadline was set a read renews it (a time to idle).
     */
    private void runModel(long[] seeds, BiFunction<TestEngine, ManualClock, Cache<Integer, String>> open,
                          boolean exact, ToLongFunction<String> timeToLiveMillis, long maxTimeToLiveMillis,
                          long renewalStepMillis) {
        runModel(seeds, open, exact, timeToLiveMillis, maxTimeToLiveMillis, renewalStepMillis, null);
    }

    /** {@link #runModel}, with the queue the cache hands its refreshes to, or null for a cache without refresh. */
    private void runModel(long[] seeds, BiFunction<TestEngine, ManualClock, Cache<Integer, String>> open,
                          boolean exact, ToLongFunction<String> timeToLiveMillis, long maxTimeToLiveMillis,
                          long renewalStepMillis, Queue<Runnable> refreshes) {
        for (long seed : seeds) {
            ManualClock clock = new ManualClock(START_MILLIS);
            try (TestEngine engine = engine()) {
                Cache<Integer, String> cache = open.apply(engine, clock);
                ModelRun run = new ModelRun(cache, clock, exact, seed, engine, timeToLiveMillis, maxTimeToLiveMillis,
                        renewalStepMillis);
                run.refreshes = refreshes;
                if (refreshes != null) {
                    refreshes.clear();                  // the last seed's, queued by its final reads
                }
                run.operations(6000);
                run.readAllThenExpireAll();
                assertTrue(expirations(cache) > 0, () -> "seed " + seed + ": no expiration counted: " + cache.stats());
                assertTrue(refreshes == null || run.refreshed > 0, () -> "seed " + seed + ": nothing refreshed");
                engine.checkPools();
                cache.close();
            }
        }
    }

    /** What a key was last given, and the clock at which it expires. */
    private record Written(String value, long deadlineMillis) {
    }

    /** One seed's random operations on a cache, checked against a map of what each key was given and until when. */
    private static final class ModelRun {

        private final Cache<Integer, String> cache;
        private final ManualClock clock;
        private final boolean exact;
        private final long seed;
        private final Random random;
        private final TestEngine engine;
        /** The time to live the cache gives a value, in milliseconds; zero or less: it stores nothing. */
        private final ToLongFunction<String> timeToLiveMillis;
        /** The longest time to live {@link #timeToLiveMillis} gives. */
        private final long maxTimeToLiveMillis;
        /** With a time to idle, how long after a deadline was set a read renews it; 0: reads renew nothing. */
        private final long renewalStepMillis;
        /** Every key the cache may hold; an expired entry stays here (invisible) until removed or rewritten. */
        private final Map<Integer, Written> model = new HashMap<>();
        /** The cache's refreshes handed over and not run, or null for a cache without refresh. */
        Queue<Runnable> refreshes;
        /** The model's refreshes not run: each key with the deadline of the value read, in the order queued. */
        private final Map<Integer, Long> pendingRefreshes = new LinkedHashMap<>();
        /** The refreshes that reloaded a value in the model. */
        int refreshed;
        private int op;

        ModelRun(Cache<Integer, String> cache, ManualClock clock, boolean exact, long seed, TestEngine engine,
                 ToLongFunction<String> timeToLiveMillis, long maxTimeToLiveMillis, long renewalStepMillis) {
            this.cache = cache;
            this.renewalStepMillis = renewalStepMillis;
            this.timeToLiveMillis = timeToLiveMillis;
            this.maxTimeToLiveMillis = maxTimeToLiveMillis;
            this.clock = clock;
            this.exact = exact;
            this.seed = seed;
            this.random = new Random(seed);
            this.engine = engine;
        }

        void operations(int count) {
            for (op = 0; op < count; op++) {
                int key = random.nextBoolean() ? random.nextInt(HOT_KEYS) : random.nextInt(KEYS);
                int dice = random.nextInt(1000);
                if (dice < 250) {
                    put(key);
                } else if (dice < 450) {
                    check(key, cache.get(key), "get");
                } else if (dice < 530) {
                    read(key);
                } else if (dice < 600) {
                    remove(key);
                } else if (dice < 680) {
                    putIfAbsent(key);
                } else if (dice < 760) {
                    computeIfAbsent(key);
                } else if (dice < 840) {
                    containsKey(key);
                } else if (dice < 920) {
                    getAll(key);
                } else if (dice < 960) {
                    putAll();
                } else if (dice < 966) {
                    clock.advance(random.nextInt(601));
                } else if (dice < 969) {
                    acrossTheDeadline(key);
                } else if (dice < 970 && random.nextInt(4) == 0) {
                    cache.invalidateAll();
                    model.clear();
                } else if (dice >= 970 && dice < 976) {
                    sweep(cache, random);
                } else if (dice >= 976 && dice < 990) {
                    conditional(key);
                } else if (refreshes != null && dice >= 995) {
                    runRefreshes();
                } else {
                    check(key, cache.get(key), "get");
                }
                if (op % 500 == 0) {
                    engine.checkPools();
                }
            }
        }

        /**
         * Reads every key (which removes the expired entries found); with a disk tier the cache then holds exactly
         * the visible entries. Then lets every entry expire and reads every key again: the cache ends empty.
         */
        void readAllThenExpireAll() {
            op = -1;
            for (int key = 0; key < KEYS; key++) {
                check(key, cache.get(key), "final get");
            }
            if (exact) {
                long visible = model.values().stream().filter(this::live).count();
                assertEquals(visible, cache.size(), where("size after reading every key", -1));
            }
            clock.advance(maxTimeToLiveMillis);
            for (int key = 0; key < KEYS; key++) {
                assertNull(cache.get(key), where("get after every deadline", key));
            }
            assertEquals(0, cache.size(), where("size once every entry expired and was read", -1));
            for (Tier tier : cache.tiers()) {
                assertEquals(0, cache.size(tier), where("size of " + tier + " once every entry expired", -1));
            }
        }

        private boolean live(Written written) {
            return written != null && clock.millis() < written.deadlineMillis();
        }

        private String visible(int key) {
            Written written = model.get(key);
            return live(written) ? written.value() : null;
        }

        private String where(String what, int key) {
            return "seed " + seed + ", op " + op + ", clock +" + (clock.millis() - START_MILLIS) + " ms: " + what
                    + (key < 0 ? "" : " of key " + key);
        }

        /**
         * Checks a value a read handed back for {@code key} ({@link #verify}), and, if it found one, renews or queues
         * a refresh of it as such a read does ({@link #readBack}).
         */
        private void check(int key, String actual, String what) {
            verify(key, actual, what);
            if (actual != null) {
                readBack(key);
            }
        }

        /**
         * Checks a value the cache returned for {@code key}: with a disk tier it must be the visible value (null when
         * expired or absent); without one it may be null (dropped), but a value must still be the visible one.
         */
        private void verify(int key, String actual, String what) {
            String expected = visible(key);
            if (exact || actual != null) {
                assertEquals(expected, actual, where(what, key));
            } else if (expected != null) {
                model.remove(key);                      // dropped by the cache: a cache may
            }
        }

        /**
         * After a read handed back the live value of {@code key}: with a time to idle, renews its deadline once the
         * step has passed; with a refresh, queues one if the value was written the interval ago (its deadline less
         * the time to live) and none is queued for the key.
         */
        private void readBack(int key) {
            Written written = model.get(key);
            if (!live(written)) {
                return;
            }
            long timeToLive = timeToLiveMillis.applyAsLong(written.value());
            if (renewalStepMillis > 0) {
                long renewed = clock.millis() + timeToLive;
                if (renewed - written.deadlineMillis() >= renewalStepMillis) {
                    model.put(key, new Written(written.value(), renewed));
                }
            }
            boolean due = clock.millis() - (written.deadlineMillis() - timeToLive) >= REFRESH_MILLIS;
            if (refreshes != null && due) {
                pendingRefreshes.putIfAbsent(key, written.deadlineMillis());
            }
        }

        /**
         * Runs the cache's queued refreshes, and the model's: a key still holding the value read gets it reloaded
         * (the reloader appends "r") with a new deadline; another value, or none, is left as it is.
         */
        private void runRefreshes() {
            assertEquals(pendingRefreshes.size(), refreshes.size(), where("refreshes queued", -1));
            while (!refreshes.isEmpty()) {
                refreshes.poll().run();
            }
            pendingRefreshes.forEach((key, deadline) -> {
                Written written = model.get(key);
                if (live(written) && written.deadlineMillis() == deadline) {
                    write(key, written.value() + "r");
                    refreshed++;
                }
            });
            pendingRefreshes.clear();
        }

        /** Records what a write of {@code value} left: the value until its deadline, or nothing if born expired. */
        private void write(int key, String value) {
            long timeToLive = timeToLiveMillis.applyAsLong(value);
            if (timeToLive > 0) {
                model.put(key, new Written(value, clock.millis() + timeToLive));
            } else {
                model.remove(key);                      // stored nothing; a put removed the older value
            }
        }

        private void put(int key) {
            String value = value(random, key, "s" + seed + "." + op);
            cache.put(key, value);
            write(key, value);
        }

        private void putAll() {
            Map<Integer, String> batch = new HashMap<>();
            for (int i = 0; i < 5; i++) {
                int key = random.nextInt(KEYS);
                batch.put(key, value(random, key, "s" + seed + "." + op + "." + i));
            }
            cache.putAll(batch);
            batch.forEach(this::write);
        }

        private void read(int key) {
            boolean[] called = {false};
            String actual = cache.read(key, view -> {
                called[0] = true;
                return utf8(view);
            });
            assertEquals(actual != null, called[0], where("read calls its reader exactly when a value is cached", key));
            check(key, actual, "read");
        }

        private void remove(int key) {
            Written written = model.remove(key);
            boolean removed = cache.remove(key);
            if (written == null) {
                assertFalse(removed, where("remove of a key that holds nothing", key));
            } else if (exact && live(written)) {
                assertTrue(removed, where("remove of a live entry", key));
            }                                           // an expired entry: true or false
        }

        /**
         * A replace, a replace or remove expecting the visible value or another, or a merge, checked against the
         * visible value: an expired one counts as none.
         */
        private void conditional(int key) {
            String expected = visible(key);
            String value = value(random, key, "s" + seed + "." + op);
            String other = expected != null && random.nextBoolean() ? new String(expected) : value + "-not";
            switch (random.nextInt(4)) {
                case 0 -> {
                    String replaced = cache.replace(key, value);
                    verify(key, replaced, "replace");
                    if (replaced != null) {
                        write(key, value);
                    }
                }
                case 1 -> settle(key, cache.replace(key, other, value), other.equals(expected), value, "replace if");
                case 2 -> settle(key, cache.remove(key, other), other.equals(expected), null, "remove if");
                default -> {
                    List<String> seen = new ArrayList<>();
                    String merged = cache.merge(key, value, (current, given) -> {
                        seen.add(current);
                        return current + "+";
                    });
                    String current = seen.isEmpty() || merged.equals(value) ? null : seen.getLast();
                    if (exact) {
                        assertTrue(seen.size() <= 1, where("merge ran its function " + seen.size() + " times", key));
                    }
                    verify(key, current, "merge");
                    assertEquals(current == null ? value : current + "+", merged, where("merge", key));
                    write(key, merged);
                }
            }
        }

        /**
         * Checks a conditional write's answer ({@code done}) against whether the visible value was the one it expected
         * ({@code matched}), and records it: the key now holds {@code value}, or nothing if null.
         */
        private void settle(int key, boolean done, boolean matched, String value, String what) {
            if (exact || done) {
                assertEquals(matched, done, where(what, key));
            } else if (matched) {
                model.remove(key);                      // dropped by the cache: a cache may
                return;
            }
            if (done && value == null) {
                model.remove(key);
            } else if (done) {
                write(key, value);
            }
        }

        private void putIfAbsent(int key) {
            String value = value(random, key, "s" + seed + "." + op);
            String previous = cache.putIfAbsent(key, value);
            check(key, previous, "putIfAbsent");
            if (previous == null) {
                write(key, value);
            }
        }

        private void computeIfAbsent(int key) {
            String expected = visible(key);
            String value = value(random, key, "s" + seed + "." + op);
            boolean[] loaded = {false};
            String result = cache.computeIfAbsent(key, k -> {
                loaded[0] = true;
                return value;
            });
            if (loaded[0]) {
                assertEquals(value, result, where("computeIfAbsent's result after loading", key));
                if (exact) {
                    assertNull(expected, where("computeIfAbsent loaded over a live entry", key));
                }
                write(key, value);
            } else {
                assertEquals(expected, result, where("computeIfAbsent without loading", key));
                readBack(key);
            }
        }

        private void containsKey(int key) {
            boolean contains = cache.containsKey(key);
            String expected = visible(key);
            if (exact || contains) {
                assertEquals(expected != null, contains, where("containsKey", key));
            } else if (expected != null) {
                model.remove(key);                      // dropped
            }
        }

        private void getAll(int key) {
            Set<Integer> asked = new LinkedHashSet<>(List.of(key, random.nextInt(KEYS), random.nextInt(HOT_KEYS)));
            Map<Integer, String> found = cache.getAll(asked);
            assertTrue(asked.containsAll(found.keySet()), where("getAll returned keys not asked for: " + found.keySet()
                    + " of " + asked, -1));
            for (int k : asked) {
                check(k, found.get(k), "getAll");
            }
        }

        /**
         * Moves the clock to a millisecond before a live entry's deadline, where it must still be visible, then onto
         * the deadline, where every kind of read must find it expired.
         */
        private void acrossTheDeadline(int key) {
            Written written = model.get(key);
            if (!live(written)) {
                check(key, cache.get(key), "get");
                return;
            }
            clock.advance(written.deadlineMillis() - 1 - clock.millis());
            check(key, cache.get(key), "get a millisecond before the deadline");
            clock.advance(1);
            switch (random.nextInt(5)) {
                case 0 -> check(key, cache.get(key), "get at the deadline");
                case 1 -> read(key);
                case 2 -> containsKey(key);
                case 3 -> putIfAbsent(key);
                default -> computeIfAbsent(key);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Evictions

    @ParameterizedTest
    @MethodSource("layered")
    void eviction_dropsExpiredEntriesInsteadOfMovingThemDown(List<Tier> tiers) {
        int batch = 400;                                // 400 values of 500 bytes: more than one memory tier holds
        ManualClock clock = new ManualClock(START_MILLIS);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, "drop", tiers, clock).build();
            for (int key = 0; key < batch; key++) {
                cache.put(key, fixedValue(key, "old"));
            }
            Map<Tier, Long> heldWhenExpired = new EnumMap<>(Tier.class);
            for (Tier tier : tiers) {
                heldWhenExpired.put(tier, cache.size(tier));
            }
            assertTrue(heldWhenExpired.get(tiers.getFirst()) < batch, () -> "nothing moved below "
                    + tiers.getFirst() + ": " + heldWhenExpired);
            clock.advance(TTL_MILLIS);
            for (int key = batch; key < 2 * batch; key++) {   // push the expired entries out of the memory tiers
                cache.put(key, fixedValue(key, "new"));
            }
            for (int key = 0; key < batch; key++) {
                assertNull(cache.get(key), "expired key " + key);
            }
            for (Tier tier : tiers) {
                assertEquals(heldWhenExpired.get(tier), cache.stats().tier(tier).expirations(), () -> tier
                        + ": expirations other than the expired entries it held (more means an expired entry moved "
                        + "down into it): " + heldWhenExpired + ", " + cache.stats());
            }
            if (tiers.contains(Tier.DISK)) {
                for (int key = batch; key < 2 * batch; key++) {
                    assertEquals(fixedValue(key, "new"), cache.get(key), "live key " + key);
                }
                assertEquals(batch, cache.size());
            }
            engine.checkPools();
            cache.close();
        }
    }

    private static String fixedValue(int key, String tag) {
        String prefix = "k" + key + "-" + tag + "-";
        return prefix + "x".repeat(500 - prefix.length());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Threads racing with the clock

    private static final int RACING_THREADS = 3;
    private static final int SHARED_KEYS = 48;
    /** Keys each thread owns: only it writes them, every thread reads them. Few, so reads and writes meet. */
    private static final int OWNED_KEYS = 24;
    private static final int RACE_OPERATIONS = 16_000;
    private static final long NEVER = Long.MIN_VALUE;

    @ParameterizedTest
    @MethodSource("racing")
    void concurrentOperations_neverReturnAValueExpiredBeforeTheyBegan(List<Tier> tiers) throws Exception {
        ManualClock clock = new ManualClock(START_MILLIS);
        try (TestEngine engine = engine(RACING_REGION)) {
            Cache<Integer, String> cache = builder(engine, "racing", tiers, clock).build();
            CyclicBarrier start = new CyclicBarrier(RACING_THREADS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Worker> workers = new ArrayList<>();
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < RACING_THREADS; t++) {
                Worker worker = new Worker(t, cache, clock, tiers.contains(Tier.DISK), 300 + t);
                workers.add(worker);
                running.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    start.await();
                    worker.run();
                })));
            }
            for (Thread thread : running) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            int checked = 0;
            for (Worker worker : workers) {
                for (Seen seen : worker.seen) {
                    long writtenBy = workers.get(seen.writer()).writtenByMillis[seen.sequence()];
                    assertTrue(writtenBy != NEVER, () -> "a value that was never cached: " + seen);
                    assertTrue(writtenBy + TTL_MILLIS > seen.beforeMillis(), () -> "a value read at +"
                            + (seen.beforeMillis() - START_MILLIS) + " ms had expired by +"
                            + (writtenBy + TTL_MILLIS - START_MILLIS) + " ms at the latest: " + seen);
                    checked++;
                }
            }
            assertTrue(checked > 0, "no thread read a value another thread wrote");
            clock.advance(TTL_MILLIS);
            for (int key : allRacingKeys()) {
                assertNull(cache.get(key), "key " + key + " after every deadline");
            }
            assertEquals(0, cache.size(), "size once every entry expired and was read");
            assertTrue(expirations(cache) > 0, () -> "no expiration counted: " + cache.stats());
            engine.checkPools();
            cache.close();
        }
    }

    private static int ownedBase(int thread) {
        return 10_000 + thread * 1000;
    }

    private static List<Integer> allRacingKeys() {
        List<Integer> keys = new ArrayList<>();
        for (int key = 0; key < SHARED_KEYS; key++) {
            keys.add(key);
        }
        for (int thread = 0; thread < RACING_THREADS; thread++) {
            for (int key = ownedBase(thread); key < ownedBase(thread) + OWNED_KEYS; key++) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** A value that {@code reader} got for {@code key}, from write {@code sequence} of thread {@code writer}. */
    private record Seen(int reader, int key, int writer, int sequence, long beforeMillis, String operation) {
    }

    /** An owned key's last write: its value, and the clock read before the write began and after it returned. */
    private record Bracket(String value, long beforeMillis, long afterMillis, boolean gone) {

        /** {@return whether the entry was certainly visible throughout a call that ended at {@code afterCallMillis}} */
        boolean liveUntil(long afterCallMillis) {
            return !gone && afterCallMillis < beforeMillis + TTL_MILLIS;
        }

        /** {@return whether the entry had certainly expired when a call began at {@code beforeCallMillis}} */
        boolean expiredAt(long beforeCallMillis) {
            return beforeCallMillis >= afterMillis + TTL_MILLIS;
        }

        /** {@return this write, seen absent: expired or dropped, so never visible again} */
        Bracket markGone() {
            return new Bracket(value, beforeMillis, afterMillis, true);
        }
    }

    /**
     * One racing thread. Its operations go to three kinds of keys:
     * <ul>
     *   <li>keys every thread writes and reads: a value read there is recorded, and checked after the threads end
     *       against the clock after its write returned;</li>
     *   <li>keys it owns: only it writes them, so each answer is checked at once against its bracketed writes (with a
     *       disk tier, a write certainly still live must be found, whatever the other threads' reads removed);</li>
     *   <li>keys another thread owns: only read, racing with the owner's writes; recorded as for shared keys.</li>
     * </ul>
     * Thread 0 also moves the clock, and sweeps after half its moves, at random.
     */
    private static final class Worker {

        private final int id;
        private final Cache<Integer, String> cache;
        private final ManualClock clock;
        private final boolean exact;
        private final Random random;
        /** The clock after write {@code i} of this thread returned, {@link #NEVER} if it cached nothing. */
        final long[] writtenByMillis = new long[RACE_OPERATIONS];
        final List<Seen> seen = new ArrayList<>();
        private final Map<Integer, Bracket> owned = new HashMap<>();
        private int sequence;

        Worker(int id, Cache<Integer, String> cache, ManualClock clock, boolean exact, long seed) {
            this.id = id;
            this.cache = cache;
            this.clock = clock;
            this.exact = exact;
            this.random = new Random(seed);
            Arrays.fill(writtenByMillis, NEVER);
        }

        void run() {
            for (sequence = 0; sequence < RACE_OPERATIONS; sequence++) {
                if (id == 0 && random.nextInt(25) == 0) {
                    clock.advance(random.nextInt(401));
                    if (random.nextBoolean()) {
                        sweep(cache, random);
                    }
                    continue;
                }
                int kind = random.nextInt(5);
                if (kind < 1) {
                    operate(random.nextInt(SHARED_KEYS), false);
                } else if (kind < 3) {
                    operate(ownedBase(id) + random.nextInt(OWNED_KEYS), true);
                } else {
                    int owner = (id + 1 + random.nextInt(RACING_THREADS - 1)) % RACING_THREADS;
                    readOnly(ownedBase(owner) + random.nextInt(OWNED_KEYS));
                }
            }
        }

        private void operate(int key, boolean mine) {
            String value = "k" + key + "-w" + id + "-" + sequence + "-" + padding();
            long before = clock.millis();
            switch (random.nextInt(10)) {
                case 0, 1, 2 -> {
                    cache.put(key, value);
                    wrote(key, value, before, mine, false);
                }
                case 3, 4 -> got(key, cache.get(key), before, mine, "get");
                case 5 -> got(key, read(key), before, mine, "read");
                case 6 -> {
                    String previous = cache.putIfAbsent(key, value);
                    if (previous == null) {
                        wrote(key, value, before, mine, true);
                    } else {
                        got(key, previous, before, mine, "putIfAbsent");
                    }
                }
                case 7 -> {
                    boolean[] loaded = {false};
                    String result = cache.computeIfAbsent(key, k -> {
                        loaded[0] = true;
                        return value;
                    });
                    if (loaded[0] && result.equals(value)) {
                        wrote(key, value, before, mine, true);
                    } else if (loaded[0]) {                 // a put landed between the load and its install
                        assertFalse(mine, () -> where("computeIfAbsent loaded " + value + " but returned " + result
                                + " with no other writer", key, before));
                        got(key, result, before, false, "computeIfAbsent after a lost load");
                    } else {
                        got(key, result, before, mine, "computeIfAbsent");
                    }
                }
                case 8 -> {
                    boolean contains = cache.containsKey(key);
                    if (mine) {
                        ownContains(key, contains, before);
                    }
                }
                default -> {
                    boolean removed = cache.remove(key);
                    if (mine) {
                        ownRemove(key, removed);
                    }
                }
            }
        }

        /** Reads a key another thread owns (which may remove the expired value it finds as the owner writes). */
        private void readOnly(int key) {
            long before = clock.millis();
            switch (random.nextInt(3)) {
                case 0 -> got(key, cache.get(key), before, false, "get");
                case 1 -> got(key, read(key), before, false, "read");
                default -> cache.containsKey(key);
            }
        }

        private String read(int key) {
            boolean[] called = {false};
            String read = cache.read(key, view -> {
                called[0] = true;
                return utf8(view);
            });
            assertEquals(read != null, called[0], () -> where("read calls its reader exactly when a value is cached",
                    key, clock.millis()));
            return read;
        }

        private String padding() {
            int length = random.nextInt(8) == 0 ? random.nextInt(3000) : random.nextInt(300);
            return String.valueOf((char) ('a' + id)).repeat(length);
        }

        private String where(String what, int key, long before) {
            return "thread " + id + ", op " + sequence + ", clock +" + (before - START_MILLIS) + " ms: " + what
                    + " of key " + key;
        }

        /** Records a write that cached {@code value}; {@code ifAbsent} when it had to find nothing visible. */
        private void wrote(int key, String value, long before, boolean mine, boolean ifAbsent) {
            long after = clock.millis();
            writtenByMillis[sequence] = after;
            if (mine) {
                Bracket last = owned.get(key);
                assertFalse(ifAbsent && exact && last != null && last.liveUntil(after),
                        () -> where("installed over a live value " + last, key, before));
                owned.put(key, new Bracket(value, before, after, false));
            }
        }

        private void got(int key, String value, long before, boolean mine, String operation) {
            long after = clock.millis();
            if (value != null) {
                String[] parts = value.split("-", 4);
                assertEquals("k" + key, parts[0], () -> where(operation + " got another key's value " + value, key,
                        before));
                if (!mine) {
                    seen.add(new Seen(id, key, Integer.parseInt(parts[1].substring(1)), Integer.parseInt(parts[2]),
                            before, operation));
                    return;
                }
            } else if (!mine) {
                return;
            }
            Bracket last = owned.get(key);
            if (value != null) {
                assertTrue(last != null && !last.gone() && last.value().equals(value),
                        () -> where(operation + " got a stale value " + value + " instead of " + last, key, before));
                assertFalse(last.expiredAt(before), () -> where(operation + " got an expired value " + last, key,
                        before));
            } else if (last != null) {
                assertFalse(exact && last.liveUntil(after), () -> where(operation + " lost a live value " + last,
                        key, before));
                owned.put(key, last.markGone());
            }
        }

        private void ownContains(int key, boolean contains, long before) {
            long after = clock.millis();
            Bracket last = owned.get(key);
            if (contains) {
                assertTrue(last != null && !last.gone() && !last.expiredAt(before),
                        () -> where("containsKey found an expired or removed entry " + last, key, before));
            } else if (last != null) {
                assertFalse(exact && last.liveUntil(after), () -> where("containsKey missed a live entry " + last,
                        key, before));
                owned.put(key, last.markGone());
            }
        }

        private void ownRemove(int key, boolean removed) {
            long after = clock.millis();
            Bracket last = owned.remove(key);
            if (last == null) {
                assertFalse(removed, () -> where("remove of a key that holds nothing", key, after));
            } else if (exact && last.liveUntil(after)) {
                assertTrue(removed, () -> where("remove of a live entry " + last, key, after));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Persistence

    /**
     * Keys 0-99 are written at +0 ms (deadline +1000), keys 0-19 again and 100-199 at +600 (deadline +1600), keys
     * 200-299 at +1200 (deadline +2200); key 150 is removed. {@return what {@code key} holds at {@code elapsedMillis}}
     */
    private static String durable(int key, long elapsedMillis) {
        String tag;
        long deadline;
        if (key == 150 || key >= 300) {
            return null;
        } else if (key < 20) {
            tag = "renewed";
            deadline = 1600;
        } else if (key < 100) {
            tag = "first";
            deadline = 1000;
        } else if (key < 200) {
            tag = "second";
            deadline = 1600;
        } else {
            tag = "third";
            deadline = 2200;
        }
        return elapsedMillis < deadline ? durableValue(key, tag) : null;
    }

    private static String durableValue(int key, String tag) {
        return "k" + key + "-" + tag + "-" + "p".repeat(key * 37 % 3000);
    }

    private static void putDurable(Cache<Integer, String> cache, int from, int to, String tag) {
        for (int key = from; key < to; key++) {
            cache.put(key, durableValue(key, tag));
        }
    }

    private static void checkDurable(Cache<Integer, String> cache, ManualClock clock, String when) {
        long elapsed = clock.millis() - START_MILLIS;
        for (int key = 0; key < 300; key++) {
            assertEquals(durable(key, elapsed), cache.get(key), when + ", +" + elapsed + " ms: key " + key);
        }
    }

    @ParameterizedTest
    @MethodSource("persistent")
    void persistentCache_keepsDeadlinesAcrossReopen(List<Tier> tiers) {
        ManualClock clock = new ManualClock(START_MILLIS);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, "durable", tiers, clock).persistent(true).build();
            putDurable(cache, 0, 100, "first");
            clock.advance(600);
            putDurable(cache, 100, 200, "second");
            putDurable(cache, 0, 20, "renewed");
            clock.advance(600);                         // +1200: keys 20-99 expired, unread
            putDurable(cache, 200, 300, "third");
            assertTrue(cache.remove(150));
            cache.close();
        }
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, "durable", tiers, clock).persistent(true).build();
            checkDurable(cache, clock, "reopened");
            clock.advance(400);                         // +1600: exactly the deadline of keys 0-19 and 100-199
            checkDurable(cache, clock, "reopened");
            cache.close();
        }
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, "durable", tiers, clock).persistent(true).build();
            checkDurable(cache, clock, "reopened twice");
            clock.advance(600);                         // +2200: every deadline passed
            checkDurable(cache, clock, "reopened twice");
            assertEquals(0, cache.size(), "size once every entry expired and was read");
            assertTrue(expirations(cache) > 0, () -> "no expiration counted: " + cache.stats());
            cache.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Configuration

    @Test
    void expireAfterWrite_refusesNullAndDurationsUnderAMillisecond() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("bad", Codecs.int32(), Codecs.utf8());
            assertThrows(NullPointerException.class, () -> builder.expireAfterWrite((Duration) null));
            assertThrows(IllegalArgumentException.class, () -> builder.expireAfterWrite(Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> builder.expireAfterWrite(Duration.ofMillis(-5)));
            assertThrows(IllegalArgumentException.class, () -> builder.expireAfterWrite(Duration.ofNanos(999_999)));
            assertThrows(NullPointerException.class, () -> builder.clock(null));

            ManualClock clock = new ManualClock(START_MILLIS);
            Cache<Integer, String> cache = engine.caches.newCache("shortest", Codecs.int32(), Codecs.utf8())
                    .expireAfterWrite(Duration.ofMillis(1)).clock(clock).build();
            cache.put(1, "one");
            assertEquals("one", cache.get(1));
            clock.advance(1);
            assertNull(cache.get(1));
            cache.close();
        }
    }

    /** A clock that moves only when told to, forward only; safe to share between threads. */
    private static final class ManualClock implements InstantSource {

        private final AtomicLong millis;

        ManualClock(long startMillis) {
            millis = new AtomicLong(startMillis);
        }

        void advance(long deltaMillis) {
            if (deltaMillis < 0) {
                throw new IllegalArgumentException("deltaMillis: " + deltaMillis + " (expected: >= 0)");
            }
            millis.addAndGet(deltaMillis);
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }
}
