package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The removal listener's ledger: every value a cache accepted leaves through the listener exactly once, with its own
 * key, and with a cause that fits what happened to it. Random puts, put-if-absents, loads, removes, gets and clears
 * run on a cache whose memory and disk are small enough that every tier evicts; each value is unique, so each removal
 * names the put it came from. At the end a clear removes what is left, and nothing may be left unreported or reported
 * twice. The listener runs on a direct executor: in the caller's thread at the end of its operation, or in the disk
 * tier's compactor thread.
 */
class RemovalLedgerTest {

    private static final long REGION = 96 * 1024;

    @TempDir
    Path dir;

    static java.util.stream.Stream<List<Tier>> combinations() {
        return TieredCacheModelTest.combinations();
    }

    /** What happened to one accepted value, and what the listener said of it. */
    private static final class Entry {
        final int key;
        /** A later put of the key was accepted: {@link RemovalCause#REPLACED} fits. */
        volatile boolean superseded;
        /** A remove of the key, or a clear, came while it was the key's latest value: EXPLICIT fits. */
        volatile boolean explicitlyRemoved;
        final AtomicReference<RemovalCause> reported = new AtomicReference<>();

        /** When it expires, on the test's clock; never without a time to live. */
        final long deadline;

        Entry(int key, long deadline) {
            this.key = key;
            this.deadline = deadline;
        }
    }

    /** The values accepted, by value; and what went wrong in the listener, if anything. */
    private static final class Ledger {
        /** The cache's clock, with a time to live; else null. */
        final ExpiryTest.ManualClock clock;
        final Map<String, Entry> accepted = new ConcurrentHashMap<>();
        final Set<String> unknown = ConcurrentHashMap.newKeySet();
        final List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<RemovalCause, java.util.concurrent.atomic.LongAdder> causes = new ConcurrentHashMap<>();

        Ledger(ExpiryTest.ManualClock clock) {
            this.clock = clock;
        }

        /** {@return the deadline of a value put now: its time to live from {@link #timeToLive}} */
        long deadline(String value) {
            return clock == null ? Long.MAX_VALUE : clock.millis() + timeToLive(value).toMillis();
        }

        void told(Integer key, String value, RemovalCause cause) {
            causes.computeIfAbsent(cause, c -> new java.util.concurrent.atomic.LongAdder()).increment();
            Entry entry = accepted.get(value);
            if (entry == null) {
                unknown.add(key + "=" + value + " " + cause);
                return;
            }
            if (!entry.reported.compareAndSet(null, cause)) {
                wrong.add("twice: " + value + " " + entry.reported.get() + " then " + cause);
            }
            if (entry.key != key) {
                wrong.add("key " + key + " for a value of key " + entry.key);
            }
            if (cause == RemovalCause.REPLACED && !entry.superseded) {
                wrong.add("REPLACED but never superseded: " + value);
            }
            if (cause == RemovalCause.EXPLICIT && !entry.explicitlyRemoved) {
                wrong.add("EXPLICIT but never removed: " + value);
            }
            if (cause == RemovalCause.EXPIRED && (clock == null || clock.millis() < entry.deadline)) {
                wrong.add("EXPIRED before its deadline: " + value);
            }
        }
    }

    /** One thread's own keys: the latest value it had accepted for each. */
    private static final class Writer {
        final Ledger ledger;
        final Map<Integer, String> latest = new HashMap<>();

        Writer(Ledger ledger) {
            this.ledger = ledger;
        }

        /**
         * Records {@code value} as accepted for {@code key} before the operation that may report it runs (the
         * listener runs before the operation returns); a put ({@code replacing}) supersedes the key's latest value.
         */
        void accepting(int key, String value, boolean replacing) {
            ledger.accepted.put(value, new Entry(key, ledger.deadline(value)));
            String before = latest.get(key);
            if (replacing && before != null) {
                ledger.accepted.get(before).superseded = true;
            }
        }

        void accepted(int key, String value) {
            latest.put(key, value);
        }

        void refused(String value) {
            ledger.accepted.remove(value);
        }

        void removing(int key) {
            String before = latest.remove(key);
            if (before != null) {
                ledger.accepted.get(before).explicitlyRemoved = true;
            }
        }
    }

    private TestEngine engine() {
        return new TestEngine(REGION, REGION, 4096, dir, 8L << 20);
    }

    /** The cache under test: its disk tier, if any, limited to 1 MiB, so that it evicts too. */
    private static Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers, Ledger ledger) {
        return cache(engine, tiers, ledger, builder -> builder);
    }

    /** {@link #cache(TestEngine, List, Ledger)}, built further by {@code more} first. */
    private static Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers, Ledger ledger,
                                                UnaryOperator<Cache.Builder<Integer, String>> more) {
        Cache.Builder<Integer, String> builder = more.apply(engine.caches.newCache("ledger", Codecs.int32(),
                Codecs.utf8()).tiers(tiers.toArray(Tier[]::new)).removalListener(ledger::told, Runnable::run));
        if (tiers.contains(Tier.DISK)) {
            builder.maximumSize(Tier.DISK, dev.strata.DataSize.ofMebibytes(1));
        }
        return builder.build();
    }

    private static String value(Random random, int key, String tag) {
        return TieredCacheModelTest.value(random, key, tag, 10, 9000, 500);
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void everyAcceptedValueIsReportedOnceOnOneThread(List<Tier> tiers) throws Exception {
        Ledger ledger = new Ledger(null);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, ledger);
            Writer writer = new Writer(ledger);
            run(cache, writer, new Random(11), 0, 2000, 12_000, true, null);
            finish(engine, cache, writer, ledger, tiers);
        }
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void everyAcceptedValueIsReportedOnceWithThreeThreads(List<Tier> tiers) throws Exception {
        Ledger ledger = new Ledger(null);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, ledger);
            Writer[] writers = new Writer[3];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < writers.length; t++) {
                Writer writer = writers[t] = new Writer(ledger);
                int from = t * 700;
                long seed = 40 + t;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure,
                        () -> run(cache, writer, new Random(seed), from, 700, 6000, false, null))));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a writer failed", failure.get());
            }
            Writer all = new Writer(ledger);
            for (Writer writer : writers) {
                all.latest.putAll(writer.latest);
            }
            finish(engine, cache, all, ledger, tiers);
        }
    }

    /**
     * With a time to live per entry ({@link #timeToLive}: one value in eight expires at once, the others after 400 to
     * 2800 ms) and a clock moved by 0 to 4 ms before each operation, on one thread: each value is reported once, and
     * as expired only once its deadline has passed, whoever removed it (a read or write meeting it, the sweep run by
     * hand one operation in two hundred and by the engine's sweeper thread, a disk compaction, an eviction).
     */
    @ParameterizedTest
    @MethodSource("combinations")
    void everyAcceptedValueIsReportedOnceWithDeadlines(List<Tier> tiers) throws Exception {
        ExpiryTest.ManualClock clock = new ExpiryTest.ManualClock();
        Ledger ledger = new Ledger(clock);
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, ledger,
                    builder -> builder.expireAfterWrite(RemovalLedgerTest::timeToLive).clock(clock));
            Writer writer = new Writer(ledger);
            run(cache, writer, new Random(23), 0, 2000, 12_000, true, clock);
            finish(engine, cache, writer, ledger, tiers);
        }
    }

    /** {@return a value's time to live: zero for one in eight (stored nothing, told expired), else 400-2800 ms} */
    private static java.time.Duration timeToLive(Integer key, String value) {
        return timeToLive(value);
    }

    private static java.time.Duration timeToLive(String value) {
        int bucket = Math.floorMod(value.hashCode(), 8);
        return java.time.Duration.ofMillis(400L * bucket);
    }

    /**
     * Runs {@code operations} random operations on keys {@code from} to {@code from + keys - 1}, which only this
     * writer touches; {@code clears}: whether invalidateAll is one of them (one thread only: a clear removes every
     * thread's keys); {@code clock}: moved before each operation, and the expiry sweep run now and then, if not null.
     */
    private static void run(Cache<Integer, String> cache, Writer writer, Random random, int from, int keys,
                            int operations, boolean clears, ExpiryTest.ManualClock clock) {
        for (int op = 0; op < operations; op++) {
            if (clock != null) {
                clock.advance(random.nextInt(5));
                if (random.nextInt(200) == 0) {
                    ((ExpiringCache<Integer, String>) cache).stamped().sweepExpired(
                            1 + random.nextInt(ExpirySweeper.SLICES));
                }
            }
            int key = from + random.nextInt(keys);
            String tag = from + ":" + op;
            int kind = random.nextInt(100);
            if (kind < 45) {
                String value = value(random, key, tag);
                writer.accepting(key, value, true);
                cache.put(key, value);
                writer.accepted(key, value);
            } else if (kind < 55) {
                String value = value(random, key, tag);
                writer.accepting(key, value, false);
                String existing = cache.putIfAbsent(key, value);
                if (existing == null) {
                    writer.accepted(key, value);
                } else {
                    writer.refused(value);
                }
            } else if (kind < 62) {
                String loaded = value(random, key, tag);
                writer.accepting(key, loaded, false);
                String result = cache.computeIfAbsent(key, k -> loaded);
                if (loaded.equals(result)) {
                    writer.accepted(key, loaded);
                } else {
                    writer.refused(loaded);
                }
            } else if (kind < 72) {
                writer.removing(key);
                cache.remove(key);
            } else if (kind < 80) {
                conditional(cache, writer, random, key, tag);
            } else if (kind < 99 || !clears || random.nextInt(30) != 0) {   // a clear every 3000 operations
                String found = cache.get(key);
                assertTrue(found == null || found.startsWith("k" + key + "-"), () -> key + " read " + found);
            } else {
                for (Integer k : new ArrayList<>(writer.latest.keySet())) {
                    writer.removing(k);
                }
                cache.invalidateAll();
            }
        }
    }

    /**
     * One conditional write: a replace, a replace or remove expecting the key's latest value or another, or a merge
     * (whose stored value is either the one given or a new one made from it).
     */
    private static void conditional(Cache<Integer, String> cache, Writer writer, Random random, int key, String tag) {
        String value = value(random, key, tag);
        String latest = writer.latest.get(key);
        String expected = latest != null && random.nextBoolean() ? new String(latest) : value + "-not";
        switch (random.nextInt(4)) {
            case 0 -> {
                writer.accepting(key, value, true);
                settle(writer, key, value, cache.replace(key, value) != null);
            }
            case 1 -> {
                writer.accepting(key, value, true);
                settle(writer, key, value, cache.replace(key, expected, value));
            }
            case 2 -> {
                if (expected.equals(latest)) {
                    writer.removing(key);
                    cache.remove(key, expected);
                } else {
                    assertTrue(!cache.remove(key, expected), "a value never stored was removed");
                }
            }
            default -> {
                String merged = value + "m";
                writer.accepting(key, value, true);
                writer.accepting(key, merged, true);
                String result = cache.merge(key, value, (current, given) -> merged);
                writer.refused(result.equals(value) ? merged : value);
                writer.accepted(key, result);
            }
        }
    }

    private static void settle(Writer writer, int key, String value, boolean done) {
        if (done) {
            writer.accepted(key, value);
        } else {
            writer.refused(value);
        }
    }

    /** Clears what is left and checks the ledger: each accepted value reported once, nothing unknown. */
    private static void finish(TestEngine engine, Cache<Integer, String> cache, Writer writer, Ledger ledger,
                               List<Tier> tiers) throws InterruptedException {
        for (Integer key : new ArrayList<>(writer.latest.keySet())) {
            writer.removing(key);
        }
        cache.invalidateAll();
        if (tiers.contains(Tier.DISK)) {
            engine.awaitCompactorIdle();
        }
        CacheStats stats = cache.stats();
        cache.close();
        assertEquals(0, stats.errors(), "errors");
        assertEquals(List.of(), ledger.wrong, "removals reported wrong");
        assertEquals(Set.of(), ledger.unknown, "removals of values never accepted");
        List<String> unreported = new ArrayList<>();
        ledger.accepted.forEach((value, entry) -> {
            if (entry.reported.get() == null) {
                unreported.add(entry.key + "=" + value.substring(0, Math.min(24, value.length())));
            }
        });
        assertEquals(List.of(), unreported, "accepted values never reported");
        Map<RemovalCause, Long> counts = new EnumMap<>(RemovalCause.class);
        ledger.causes.forEach((cause, n) -> counts.put(cause, n.sum()));
        if (ledger.clock == null || !tiers.contains(Tier.DISK)) {     // with deadlines the disk never fills
            assertTrue(counts.getOrDefault(RemovalCause.SIZE, 0L) > 0, () -> "evictions reported: " + counts);
        }
        assertTrue(counts.getOrDefault(RemovalCause.REPLACED, 0L) > 0, () -> "replacements reported: " + counts);
        assertTrue(counts.getOrDefault(RemovalCause.EXPLICIT, 0L) > 0, () -> "removals reported: " + counts);
        if (ledger.clock == null) {
            assertNull(counts.get(RemovalCause.EXPIRED), () -> "expirations reported: " + counts);
        } else {
            assertTrue(counts.getOrDefault(RemovalCause.EXPIRED, 0L) > 0, () -> "expirations reported: " + counts);
        }
    }
}
