package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based randomized tests of every tier combination against a {@link HashMap}. With a disk tier large enough
 * nothing is ever dropped, so the cache must match the model exactly; without one, the cache may drop entries, and
 * then every value it returns must still be the model's (never a stale or foreign value).
 */
class TieredCacheModelTest {

    private static final long REGION = 128 * 1024;
    private static final int KEYS = 400;

    @TempDir
    Path dir;

    static Stream<List<Tier>> combinations() {
        List<List<Tier>> all = new ArrayList<>();
        Tier[] tiers = Tier.values();
        for (int mask = 1; mask < 8; mask++) {
            List<Tier> combo = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                if ((mask & (1 << i)) != 0) {
                    combo.add(tiers[i]);
                }
            }
            all.add(combo);
        }
        return all.stream();
    }

    private TestEngine engine() {
        return new TestEngine(REGION, REGION, 4096, dir, 256L << 20);
    }

    private static String value(Random random, int key, String tag) {
        return value(random, key, tag, 8, 6000, 400);
    }

    /**
     * {@return a value of {@code key}: its key and {@code tag}, then random letters up to a length of 1 to
     * {@code longMax} for one value in {@code longOneIn}, else 1 to {@code shortMax}}
     */
    static String value(Random random, int key, String tag, int longOneIn, int longMax, int shortMax) {
        int length = random.nextInt(longOneIn) == 0 ? 1 + random.nextInt(longMax) : 1 + random.nextInt(shortMax);
        StringBuilder text = new StringBuilder("k").append(key).append('-').append(tag).append('-');
        while (text.length() < length) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void singleThreadMatchesModel(List<Tier> tiers) {
        for (long seed : new long[] {1, 2}) {
            try (TestEngine engine = engine()) {
                Cache<Integer, String> cache = engine.caches.newCache("model", Codecs.int32(), Codecs.utf8())
                        .tiers(tiers.toArray(Tier[]::new)).build();
                runModel(cache, new Random(seed), 0, KEYS, 6000, tiers.contains(Tier.DISK), "s" + seed, engine);
                cache.close();
            }
        }
    }

    /**
     * A caller whose interrupt status is set before one operation in five (a cancelled task's thread) gets the same
     * answers as any other: the disk tier's I/O, segment creation included, must not fail for it (an interrupt closes
     * a {@code FileChannel}), and the status is still set when the operation returns. A cache with a disk tier is
     * persistent here, opened, closed and reopened by an interrupted thread, and must hold the model's entries again.
     */
    @ParameterizedTest
    @MethodSource("combinations")
    void interruptedCallersMatchTheModel(List<Tier> tiers) {
        boolean disk = tiers.contains(Tier.DISK);
        Random random = new Random(7);
        Map<Integer, String> model = new HashMap<>();
        for (int life = 0; life < (disk ? 2 : 1); life++) {
            try (TestEngine engine = engine()) {
                Thread.currentThread().interrupt();            // opened (and, the second time, recovered) too
                Cache<Integer, String> cache;
                try {
                    cache = engine.caches.newCache("interrupted", Codecs.int32(), Codecs.utf8())
                            .tiers(tiers.toArray(Tier[]::new)).persistent(disk).build();
                    assertTrue(Thread.currentThread().isInterrupted(), "status after the open");
                } finally {
                    Thread.interrupted();
                }
                for (Map.Entry<Integer, String> entry : model.entrySet()) {
                    assertEquals(entry.getValue(), cache.get(entry.getKey()), "after the reopen: " + entry.getKey());
                }
                for (int op = 0; op < 4000; op++) {
                    int key = random.nextInt(KEYS);
                    boolean interrupted = random.nextInt(5) == 0;
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    try {
                        switch (random.nextInt(4)) {
                            case 0, 1 -> {
                                String v = value(random, key, "i" + life + "-" + op);
                                cache.put(key, v);
                                model.put(key, v);
                            }
                            case 2 -> check(cache.get(key), model.get(key), disk, model, key);
                            default -> {
                                cache.remove(key);
                                model.remove(key);
                            }
                        }
                        assertEquals(interrupted, Thread.currentThread().isInterrupted(), "status after op " + op);
                    } finally {
                        Thread.interrupted();
                    }
                }
                assertEquals(0, cache.stats().errors(), "operations that failed");
                Thread.currentThread().interrupt();
                try {
                    cache.close();
                    assertTrue(Thread.currentThread().isInterrupted(), "status after close");
                } finally {
                    Thread.interrupted();
                }
            }
        }
    }

    /** Runs random operations on keys [from, from + keys) against a private model. */
    static void runModel(Cache<Integer, String> cache, Random random, int from, int keys, int operations,
                         boolean exact, String tag, TestEngine engine) {
        runModel(cache, random, from, keys, operations, exact, tag, engine, null);
    }

    /** {@link #runModel} that also runs {@code every250} (if not null) every 250 operations, with the random. */
    static void runModel(Cache<Integer, String> cache, Random random, int from, int keys, int operations,
                         boolean exact, String tag, TestEngine engine, Consumer<Random> every250) {
        Map<Integer, String> model = new HashMap<>();
        for (int op = 0; op < operations; op++) {
            if (every250 != null && op % 250 == 249) {
                every250.accept(random);
            }
            int key = from + random.nextInt(keys);
            String expected = model.get(key);
            switch (random.nextInt(13)) {
                case 0, 1, 2 -> {
                    String v = value(random, key, tag + op);
                    cache.put(key, v);
                    model.put(key, v);
                }
                case 3, 4, 5 -> check(cache.get(key), expected, exact, model, key);
                case 6 -> {
                    boolean removed = cache.remove(key);
                    if (exact) {
                        assertEquals(expected != null, removed, "remove " + key);
                    }
                    model.remove(key);
                }
                case 7 -> {
                    String v = value(random, key, tag + op);
                    String previous = cache.putIfAbsent(key, v);
                    check(previous, expected, exact, model, key);
                    if (previous == null) {
                        model.put(key, v);
                    }
                }
                case 8 -> {
                    String v = value(random, key, tag + op);
                    String result = cache.computeIfAbsent(key, k -> v);
                    if (expected == null || (!exact && !result.equals(expected))) {
                        assertEquals(v, result, "computeIfAbsent " + key);
                        model.put(key, v);
                    } else {
                        assertEquals(expected, result, "computeIfAbsent " + key);
                    }
                }
                case 9 -> {
                    if (random.nextInt(50) == 0) {
                        Map<Integer, String> batch = new HashMap<>();
                        for (int i = 0; i < 5; i++) {
                            int k = from + random.nextInt(keys);
                            batch.put(k, value(random, k, tag + op));
                        }
                        cache.putAll(batch);
                        model.putAll(batch);
                    } else if (random.nextInt(200) == 0 && from == 0 && keys > 100) {
                        cache.invalidateAll();
                        model.clear();
                    } else if (random.nextBoolean()) {
                        List<Integer> asked = List.of(key, from + random.nextInt(keys), from + random.nextInt(keys));
                        Map<Integer, String> found = cache.getAll(asked);
                        for (Integer k : asked) {
                            check(found.get(k), model.get(k), exact, model, k);
                        }
                    } else {
                        bulkLoad(cache, random, from, keys, exact, model, tag + op);
                    }
                }
                default -> conditional(cache, random, key, exact, model, tag + op);
            }
            if (op % 500 == 0 && engine != null) {
                engine.checkPools();
            }
        }
        for (Map.Entry<Integer, String> entry : new HashMap<>(model).entrySet()) {
            check(cache.get(entry.getKey()), entry.getValue(), exact, model, entry.getKey());
        }
        if (exact && from == 0) {
            assertEquals(model.size(), cache.size(), "size");
        }
        checkWalk(cache, from, keys, exact, model);
    }

    /**
     * Walks the cache: each key once, and each of this run's keys (its range) with the model's value; with
     * {@code exact}, every one of the model's keys.
     */
    private static void checkWalk(Cache<Integer, String> cache, int from, int keys, boolean exact,
                                  Map<Integer, String> model) {
        Map<Integer, String> walked = new HashMap<>();
        for (Map.Entry<Integer, String> entry : cache) {
            assertNull(walked.put(entry.getKey(), entry.getValue()), () -> "walked twice: " + entry.getKey());
        }
        walked.keySet().removeIf(key -> key < from || key >= from + keys);
        if (exact) {
            assertEquals(model, walked, "the walk");
        } else {
            walked.forEach((key, value) -> assertEquals(model.get(key), value, "walked value of " + key));
        }
    }

    /**
     * A {@code getAll} with a loader of three keys: the loader must be asked for the keys the model lacks (with
     * {@code exact}; else at least those), and finds a value for one key in two; the cache then holds what the model
     * held, or what was loaded.
     */
    private static void bulkLoad(Cache<Integer, String> cache, Random random, int from, int keys, boolean exact,
                                 Map<Integer, String> model, String tag) {
        List<Integer> asked = List.of(from + random.nextInt(keys), from + random.nextInt(keys),
                from + random.nextInt(keys));
        Map<Integer, String> loaded = new HashMap<>();
        Map<Integer, String> found = cache.getAll(asked, missing -> {
            for (Integer k : missing) {
                if (exact) {
                    assertNull(model.get(k), "the loader was asked for " + k + ", which has a value");
                }
                if (random.nextBoolean()) {
                    loaded.put(k, value(random, k, tag));
                }
            }
            return loaded;
        });
        for (Integer k : new java.util.LinkedHashSet<>(asked)) {
            String expected = loaded.containsKey(k) ? loaded.get(k) : model.get(k);
            check(found.get(k), expected, exact, model, k);
            if (loaded.containsKey(k)) {
                model.put(k, loaded.get(k));
            }
        }
    }

    /**
     * One conditional write of {@code key}, checked against the model: a replace, a replace or remove expecting the
     * key's value or another, or a compute, compute-if-present or merge whose function sees the key's value. Where
     * the cache may drop entries ({@code exact} false), an answer that says the key has no value drops it from the
     * model.
     */
    private static void conditional(Cache<Integer, String> cache, Random random, int key, boolean exact,
                                    Map<Integer, String> model, String tag) {
        String expected = model.get(key);
        String v = value(random, key, tag);
        String wrong = value(random, key, tag + "-not");
        switch (random.nextInt(6)) {
            case 0 -> {
                String replaced = cache.replace(key, v);
                check(replaced, expected, exact, model, key);
                if (replaced != null) {
                    model.put(key, v);
                }
            }
            case 1 -> {
                String old = expected != null && random.nextBoolean() ? new String(expected) : wrong;
                boolean replaced = cache.replace(key, old, v);
                settle(replaced, old.equals(expected), exact, model, key, v, "replace " + key);
            }
            case 2 -> {
                String old = expected != null && random.nextBoolean() ? new String(expected) : wrong;
                boolean removed = cache.remove(key, old);
                settle(removed, old.equals(expected), exact, model, key, null, "remove " + key + " if");
            }
            default -> remap(cache, random, key, exact, model, v);
        }
    }

    /**
     * Checks a conditional write's answer ({@code done}) against whether the model had the value it expected
     * ({@code matched}), and applies it: the key's value is now {@code value} (null: removed).
     */
    private static void settle(boolean done, boolean matched, boolean exact, Map<Integer, String> model, int key,
                               String value, String what) {
        if (exact || done) {
            assertEquals(matched, done, what);
        } else if (matched) {
            model.remove(key);                       // dropped by the cache: a cache may
            return;
        }
        if (done) {
            if (value == null) {
                model.remove(key);
            } else {
                model.put(key, value);
            }
        }
    }

    /**
     * A compute, compute-if-present or merge of {@code key}: the function must see the model's value (or, where the
     * cache may drop entries, none), and the key then holds what it returned, or nothing when it returned null. With
     * one writer per key it runs once, unless the cache dropped the key between its look and its write.
     */
    private static void remap(Cache<Integer, String> cache, Random random, int key, boolean exact,
                              Map<Integer, String> model, String v) {
        boolean toNull = random.nextInt(4) == 0;
        List<String> seen = new ArrayList<>();
        int kind = random.nextInt(3);
        String result = switch (kind) {
            case 0 -> cache.compute(key, (k, current) -> {
                seen.add(current);
                return toNull ? null : v;
            });
            case 1 -> cache.computeIfPresent(key, (k, current) -> {
                seen.add(current);
                return toNull ? null : v;
            });
            default -> cache.merge(key, v, (current, given) -> {
                seen.add(current);
                return toNull ? null : given + "+";
            });
        };
        if (exact) {
            assertTrue(seen.size() <= 1, "the function ran " + seen.size() + " times");
        }
        String current;                              // the value the last round found
        if (seen.isEmpty()) {
            current = null;
        } else if (kind == 0) {
            current = seen.getLast();
        } else if (kind == 1) {
            current = result == null && !toNull ? null : seen.getLast();
        } else {
            current = v.equals(result) ? null : seen.getLast();
        }
        check(current, model.get(key), exact, model, key);
        String stored;
        if (current == null) {
            stored = kind == 0 ? (toNull ? null : v) : kind == 1 ? null : v;
        } else {
            stored = toNull ? null : kind == 2 ? v + "+" : v;
        }
        assertEquals(stored, result, "what the remapping left for " + key);
        if (stored == null) {
            model.remove(key);
        } else {
            model.put(key, stored);
        }
    }

    private static void check(String actual, String expected, boolean exact, Map<Integer, String> model, int key) {
        if (exact || actual != null) {
            assertEquals(expected, actual, "value of " + key);
        } else {
            model.remove(key);                       // dropped by the cache: a cache may
        }
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void concurrentDisjointAndSharedKeys(List<Tier> tiers) throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("concurrent", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).build();
            boolean exact = tiers.contains(Tier.DISK);
            CyclicBarrier start = new CyclicBarrier(4);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int from = 10_000 + t * 1000;
                long seed = 100 + t;
                threads.add(Thread.ofPlatform().start(() -> guarded(failure, () -> {
                    start.await();
                    runModel(cache, new Random(seed), from, 200, 3000, exact, "t" + seed, null);
                })));
            }
            for (int t = 0; t < 2; t++) {
                long seed = 200 + t;
                threads.add(Thread.ofPlatform().start(() -> guarded(failure, () -> {
                    Random random = new Random(seed);
                    start.await();
                    for (int op = 0; op < 3000; op++) {
                        int key = random.nextInt(50);
                        if (random.nextBoolean()) {
                            cache.put(key, value(random, key, "shared" + seed));
                        } else if (random.nextInt(10) == 0) {
                            cache.remove(key);
                        } else {
                            String read = cache.get(key);
                            if (read != null && !read.startsWith("k" + key + "-")) {
                                fail("key " + key + " read a value written for another key: " + read);
                            }
                        }
                    }
                })));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int key = 0; key < 50; key++) {
                String read = cache.get(key);
                assertTrue(read == null || read.startsWith("k" + key + "-"), () -> "final value " + read);
            }
            engine.checkPools();
            cache.close();
            assertNull(engine.caches.stats().stream().filter(s -> s.name().equals("concurrent")).findAny()
                    .orElse(null));
        }
    }

    interface Body {
        void run() throws Exception;
    }

    static void guarded(AtomicReference<Throwable> failure, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
