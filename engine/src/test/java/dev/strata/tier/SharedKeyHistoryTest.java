package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several writers share a few keys while a filler thread pushes entries down the tiers and out (its own, in this
 * cache and in a neighbour sharing the engine), and a squeezer takes execution memory round after round (so storage is
 * reclaimed too). Every operation records when it began and ended
 * on one logical clock; afterwards the history of each key is checked for a stale read, in every tier combination.
 *
 * <p>What counts as stale, for one key: every write (a put, a put-if-absent or compute-if-absent that stored its value,
 * a remove) writes a value no other write writes. A write {@code x} is known to come after the value {@code v} when
 * {@code v} was certainly in place before {@code x} began, or before a read that returned {@code x}'s value began
 * ({@code v} is certainly in place once its write or any read of it has ended). A read that returns {@code v} is stale
 * when some write known to come after {@code v} was certainly in place before the read began: in any order of the
 * operations that respects real time, that read would have to see {@code x} or a later write, and {@code v} is never
 * written again. A value never written, or written for another key, is a failure of its own. A cache may drop
 * entries, so a read of nothing (a get that finds nothing, a remove that removes nothing, a put-if-absent or
 * compute-if-absent that stores its value) is checked only where nothing is dropped, with a disk tier large enough and
 * no expiry: there it is stale when some value was certainly in place before it began and no remove can fall between
 * the two (each remove either ended before the value's write began, or before a read of it began, or began after the
 * read ended).
 *
 * <p>Unlike {@link SpillRaceTest} and the model tests, writers do not own keys: racing puts of one key may take effect
 * in either order, but once a read has seen the winner no later read may see the loser. The check's own cases (what
 * it must flag, what it must accept) are the last tests here.
 */
class SharedKeyHistoryTest {

    private static final long REGION = 128 * 1024;
    private static final int WRITERS = 3;
    private static final int SHARED_KEYS = 40;
    private static final int OPERATIONS = 4_000;
    private static final int FILLER_KEYS = 2_000;
    /** Value lengths: mostly short and equal (overwrites in place), some larger, some spanning several pages. */
    private static final int[] LENGTHS = {40, 40, 40, 40, 300, 300, 2_500, 9_000};

    @TempDir
    Path dir;

    /**
     * Every tier combination: with each promotion policy where there is a tier to promote from, once more with a time
     * to live per entry (a millisecond for transient values, an hour for the rest), and, with a disk tier, once more
     * persistent (its disk store writes tombstones, compacts into the segment its log appends to, and moves records
     * out of probation with new sequences).
     */
    static Stream<Arguments> cases() {
        return TieredCacheModelTest.combinations().flatMap(tiers -> Stream.of(
                Arguments.of(tiers, Promotion.ON_SECOND_HIT, false, false),
                Arguments.of(tiers, Promotion.ON_HIT, false, false),
                Arguments.of(tiers, Promotion.ON_SECOND_HIT, true, false),
                Arguments.of(tiers, Promotion.ON_SECOND_HIT, false, true))
                .limit(tiers.contains(Tier.DISK) ? 4 : 3).skip(tiers.size() == 1 ? 1 : 0));
    }

    @ParameterizedTest(name = "{0}, promoted {1}, expiring {2}, persistent {3}")
    @MethodSource("cases")
    void noReadOfASharedKeyIsStale(List<Tier> tiers, Promotion promotion, boolean expiring, boolean persistent)
            throws Exception {
        AtomicLong clock = new AtomicLong();
        List<List<Operation>> histories = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 256L << 20)) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("shared", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).promotion(promotion).persistent(persistent);
            if (expiring) {
                builder.expireAfterWrite((key, value) -> value.startsWith("t", value.indexOf('-') + 1)
                        ? Duration.ofMillis(1) : Duration.ofHours(1));
            }
            Cache<Integer, String> cache = builder.build();
            Cache<Integer, String> neighbour = engine.caches.newCache("neighbour", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).build();
            CyclicBarrier start = new CyclicBarrier(WRITERS + 2);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                List<Operation> history = new ArrayList<>();
                histories.add(history);
                int writer = w;
                writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> TieredCacheModelTest.guarded(failure,
                        () -> {
                            start.await();
                            new Writer(cache, clock, writer, new Random(70 + writer), history).run();
                        })));
            }
            Thread filler = Thread.ofPlatform().name("filler").start(() -> TieredCacheModelTest.guarded(failure,
                    () -> {
                        start.await();
                        fill(List.of(cache, neighbour), running, new Random(5));
                    }));
            Thread squeezer = Thread.ofPlatform().name("squeezer").start(() -> TieredCacheModelTest.guarded(failure,
                    () -> {
                        start.await();
                        squeeze(engine, running);
                    }));
            for (Thread writer : writers) {
                writer.join();
            }
            running.set(false);
            filler.join();
            squeezer.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            List<Operation> last = new ArrayList<>();
            for (int key = 0; key < SHARED_KEYS; key++) {
                long begin = clock.incrementAndGet();
                last.add(Operation.read("get", key, cache.get(key), begin, clock.incrementAndGet()));
            }
            histories.add(last);
            CacheStats stats = cache.stats();
            assertEquals(0, stats.errors(), stats::toString);
            if (tiers.size() > 1) {                   // the shared keys moved down, and were read there
                assertTrue(stats.tier(tiers.getFirst()).demotions() > 0, stats::toString);
                assertTrue(stats.tiers().stream().skip(1).mapToLong(CacheStats.TierStats::hits).sum() > 0,
                        stats::toString);
            }
            engine.checkPools();
            cache.close();
            neighbour.close();
        }
        List<String> problems = History.check(histories, tiers.contains(Tier.DISK) && !expiring);
        assertTrue(problems.isEmpty(), () -> problems.size() + " stale or foreign reads; the first:\n"
                + String.join("\n", problems.subList(0, Math.min(3, problems.size()))));
    }

    @Test
    void theCheckFlagsAReadOfAValueReplacedOrRemovedBeforeTheReadBegan() {
        List<Operation> replaced = List.of(Operation.write("put", 1, "k1-a-", 1, 2),
                Operation.write("put", 1, "k1-b-", 3, 4), Operation.read("get", 1, "k1-a-", 5, 6));
        assertEquals(1, History.check(List.of(replaced), false).size());
        List<Operation> removed = List.of(Operation.write("put", 1, "k1-a-", 1, 2),
                Operation.write("remove", 1, null, 3, 4), Operation.read("get", 1, "k1-a-", 5, 6));
        assertEquals(1, History.check(List.of(removed), false).size());
    }

    @Test
    void theCheckFlagsAValueThatComesBackAfterARacingWriteWasSeen() {
        List<Operation> racing = List.of(Operation.write("put", 1, "k1-a-", 1, 10),
                Operation.write("put", 1, "k1-b-", 2, 9), Operation.read("get", 1, "k1-b-", 11, 12),
                Operation.read("get", 1, "k1-a-", 13, 14));
        assertEquals(2, History.check(List.of(racing), false).size(), "each read stale in the light of the other");
        List<Operation> returning = List.of(Operation.write("put", 1, "k1-a-", 1, 20),
                Operation.read("get", 1, "k1-a-", 2, 3), Operation.write("put", 1, "k1-b-", 4, 5),
                Operation.read("get", 1, "k1-a-", 6, 7));   // a was in place by 3, b was written after it
        assertEquals(1, History.check(List.of(returning), false).size());
    }

    @Test
    void theCheckAcceptsRacingWritesInEitherOrderAndReadsThatOverlapAWrite() {
        List<Operation> racing = List.of(Operation.write("put", 1, "k1-a-", 1, 10),
                Operation.write("put", 1, "k1-b-", 2, 9), Operation.read("get", 1, "k1-a-", 11, 12),
                Operation.read("get", 1, "k1-a-", 13, 14), Operation.read("get", 1, null, 15, 16));
        assertEquals(List.of(), History.check(List.of(racing), false));
        List<Operation> overlapping = List.of(Operation.write("put", 1, "k1-a-", 1, 2),
                Operation.write("put", 1, "k1-b-", 3, 6), Operation.read("get", 1, "k1-a-", 4, 5),
                Operation.read("get", 1, "k1-b-", 5, 7));
        assertEquals(List.of(), History.check(List.of(overlapping), false));
    }

    @Test
    void theCheckFlagsAValueNeverWrittenOrWrittenForAnotherKey() {
        List<Operation> foreign = List.of(Operation.write("put", 2, "k2-a-", 1, 2),
                Operation.read("get", 1, "k2-a-", 3, 4), Operation.read("get", 1, "k1-never-", 5, 6));
        assertEquals(2, History.check(List.of(foreign), false).size());
    }

    @Test
    void whereNothingIsDroppedTheCheckFlagsAKeyFoundAbsentAfterAPutWithNoRemoveBetween() {
        Operation put = Operation.write("put", 1, "k1-a-", 1, 2);
        List<Operation> lost = List.of(put, Operation.read("get", 1, null, 3, 4));
        assertEquals(1, History.check(List.of(lost), true).size());
        assertEquals(List.of(), History.check(List.of(lost), false), "a cache that may drop");
        List<Operation> storedAgain = List.of(put, Operation.write("putIfAbsent", 1, "k1-b-", 3, 4));
        assertEquals(1, History.check(List.of(storedAgain), true).size());
        List<Operation> seenThenLost = List.of(Operation.write("put", 1, "k1-a-", 1, 9),
                Operation.read("get", 1, "k1-a-", 2, 3), Operation.read("get", 1, null, 4, 5));
        assertEquals(1, History.check(List.of(seenThenLost), true).size());
    }

    @Test
    void whereNothingIsDroppedTheCheckAcceptsAnAbsenceARemoveOrAnOverlapExplains() {
        Operation put = Operation.write("put", 1, "k1-a-", 1, 4);
        List<Operation> removed = List.of(put, Operation.write("remove", 1, null, 5, 6),
                Operation.read("get", 1, null, 7, 8));
        assertEquals(List.of(), History.check(List.of(removed), true));
        List<Operation> removeOverlapping = List.of(put, Operation.write("invalidateAll", 1, null, 2, 3),
                Operation.read("get", 1, null, 7, 8));   // the clear may come after the put
        assertEquals(List.of(), History.check(List.of(removeOverlapping), true));
        List<Operation> overlapping = List.of(put, Operation.read("get", 1, null, 2, 3));
        assertEquals(List.of(), History.check(List.of(overlapping), true));
    }

    /**
     * Puts entries of other keys, in the cache and in a neighbour sharing its engine, and reads some back: they push
     * the shared keys down and out (the engine frees memory across its caches), and promote.
     */
    private static void fill(List<Cache<Integer, String>> caches, AtomicBoolean running, Random random) {
        while (running.get()) {
            Cache<Integer, String> cache = caches.get(random.nextInt(caches.size()));
            int key = SHARED_KEYS + random.nextInt(FILLER_KEYS);
            if (random.nextInt(3) == 0) {
                cache.get(key);
            } else {
                cache.put(key, text(key, "f", LENGTHS[random.nextInt(LENGTHS.length)] + 100));
            }
        }
    }

    /** Takes most of each region as execution memory and gives it back, round after round. */
    private static void squeeze(TestEngine engine, AtomicBoolean running) throws InterruptedException {
        MemoryMode[] modes = MemoryMode.values();
        for (int round = 0; running.get(); round++) {
            MemoryMode mode = modes[round % modes.length];
            engine.memory.acquireExecutionMemory(REGION * 3 / 4, 1, mode);
            Thread.yield();
            engine.memory.releaseAllExecutionMemory(1);
            Thread.yield();
        }
    }

    private static String text(int key, String tag, int length) {
        StringBuilder text = new StringBuilder("k").append(key).append('-').append(tag).append('-');
        while (text.length() < length) {
            text.append((char) ('a' + text.length() % 26));
        }
        return text.toString();
    }

    /**
     * One writer's operations on the shared keys, each recorded with its begin and end on the clock. Its values are
     * tagged with the writer and a sequence number, so no two writes write the same value; one in eight is tagged
     * {@code t} (transient), which an expiring cache keeps for a millisecond only.
     */
    private record Writer(Cache<Integer, String> cache, AtomicLong clock, int writer, Random random,
                          List<Operation> history) {

        void run() {
            for (int sequence = 0; sequence < OPERATIONS; sequence++) {
                int key = random.nextInt(SHARED_KEYS);
                String tag = (random.nextInt(8) == 0 ? "t" : "") + "w" + writer + "s" + sequence;
                String value = text(key, tag, LENGTHS[random.nextInt(LENGTHS.length)]);
                int choice = random.nextInt(1000);
                long begin = clock.incrementAndGet();
                if (choice < 350) {
                    cache.put(key, value);
                    history.add(Operation.write("put", key, value, begin, clock.incrementAndGet()));
                } else if (choice < 450) {
                    boolean removed = cache.remove(key);
                    long end = clock.incrementAndGet();
                    history.add(Operation.write("remove", key, null, begin, end));
                    if (!removed) {
                        history.add(Operation.read("remove", key, null, begin, end));
                    }
                } else if (choice < 550) {
                    putIfAbsent(key, value, begin);
                } else if (choice < 650) {
                    computeIfAbsent(key, value, begin);
                } else if (choice < 999) {
                    read(choice, key, begin);
                } else {
                    invalidateAll(begin);
                }
            }
        }

        private void putIfAbsent(int key, String value, long begin) {
            String previous = cache.putIfAbsent(key, value);
            long end = clock.incrementAndGet();
            history.add(previous == null ? Operation.write("putIfAbsent", key, value, begin, end)
                    : Operation.read("putIfAbsent", key, previous, begin, end));
        }

        private void computeIfAbsent(int key, String value, long begin) {
            String result = cache.computeIfAbsent(key, k -> value);
            long end = clock.incrementAndGet();
            history.add(value.equals(result) ? Operation.write("computeIfAbsent", key, value, begin, end)
                    : Operation.read("computeIfAbsent", key, result, begin, end));
        }

        /** A get, a zero-copy read, or a getAll of two keys. */
        private void read(int choice, int key, long begin) {
            if (choice < 850) {
                String read = cache.get(key);
                history.add(Operation.read("get", key, read, begin, clock.incrementAndGet()));
            } else if (choice < 950) {
                String read = cache.read(key, segment -> Codecs.utf8().decode(segment, 0, (int) segment.byteSize()));
                history.add(Operation.read("read", key, read, begin, clock.incrementAndGet()));
            } else {
                int other = random.nextInt(SHARED_KEYS);
                Map<Integer, String> found = cache.getAll(List.of(key, other));
                long end = clock.incrementAndGet();
                history.add(Operation.read("getAll", key, found.get(key), begin, end));
                if (other != key) {
                    history.add(Operation.read("getAll", other, found.get(other), begin, end));
                }
            }
        }

        /** An invalidateAll: a remove of every key, somewhere between its begin and its end. */
        private void invalidateAll(long begin) {
            cache.invalidateAll();
            long end = clock.incrementAndGet();
            for (int key = 0; key < SHARED_KEYS; key++) {
                history.add(Operation.write("invalidateAll", key, null, begin, end));
            }
        }
    }

    /**
     * One operation on one key: a write of {@code value} (null for a remove) or a read that returned {@code value}
     * (null for nothing), between {@code begin} and {@code end} on the clock.
     */
    record Operation(String kind, int key, boolean write, String value, long begin, long end) {

        static Operation write(String kind, int key, String value, long begin, long end) {
            return new Operation(kind, key, true, value, begin, end);
        }

        static Operation read(String kind, int key, String value, long begin, long end) {
            return new Operation(kind, key, false, value, begin, end);
        }
    }

    /** The stale-read check of the class comment, key by key. */
    static final class History {

        /** What is known of one written value: its write, and the reads that returned it. */
        private static final class Written {
            final Operation write;
            /** When the value was certainly in place: the earliest end of its write or of a read of it. */
            long inPlace;
            /** The latest begin of its write or of a read of it: a value in place before this precedes it. */
            long lastBegin;

            Written(Operation write) {
                this.write = write;
                this.inPlace = write.end();
                this.lastBegin = write.begin();
            }
        }

        private History() {
        }

        /**
         * {@return a description of each read that is stale, foreign or of a value never written} {@code exact}: the
         * cache drops nothing, so a read of nothing is checked too.
         */
        static List<String> check(List<List<Operation>> histories, boolean exact) {
            Map<Integer, List<Operation>> byKey = new HashMap<>();
            for (List<Operation> history : histories) {
                for (Operation operation : history) {
                    byKey.computeIfAbsent(operation.key(), k -> new ArrayList<>()).add(operation);
                }
            }
            List<String> problems = new ArrayList<>();
            byKey.forEach((key, operations) -> checkKey(key, operations, exact, problems));
            return problems;
        }

        private static void checkKey(int key, List<Operation> operations, boolean exact, List<String> problems) {
            Map<String, Written> values = new HashMap<>();
            List<Written> writes = new ArrayList<>();
            for (Operation operation : operations) {
                if (operation.write()) {
                    Written written = new Written(operation);
                    writes.add(written);
                    if (operation.value() != null) {
                        values.put(operation.value(), written);
                    }
                }
            }
            List<Operation> reads = new ArrayList<>();
            for (Operation operation : operations) {
                if (operation.write() || operation.value() == null) {
                    continue;
                }
                Written written = values.get(operation.value());
                if (written == null || !operation.value().startsWith("k" + key + "-")) {
                    problems.add("key " + key + " read a value never written for it: " + describe(operation));
                    continue;
                }
                written.inPlace = Math.min(written.inPlace, operation.end());
                written.lastBegin = Math.max(written.lastBegin, operation.begin());
                reads.add(operation);
            }
            if (exact) {
                checkAbsences(key, operations, writes, problems);
            }
            for (Operation read : reads) {
                Written readValue = values.get(read.value());
                for (Written later : writes) {
                    if (later != readValue && readValue.inPlace < later.lastBegin && later.inPlace < read.begin()) {
                        problems.add("key " + key + ": " + describe(read) + ", where " + describe(later.write)
                                + " was in place by " + later.inPlace + "; the key's history from the read value's"
                                + " write:\n" + window(operations, readValue.write.begin(), read.end()));
                        break;
                    }
                }
            }
        }

        /** The check of reads of nothing (and of stores that found the key absent), for a cache that drops nothing. */
        private static void checkAbsences(int key, List<Operation> operations, List<Written> writes,
                                          List<String> problems) {
            List<Operation> removes = operations.stream().filter(o -> o.write() && o.value() == null).toList();
            for (Operation absent : operations) {
                boolean store = absent.write() && !absent.kind().equals("put") && absent.value() != null;
                if (!store && (absent.write() || absent.value() != null)) {
                    continue;
                }
                for (Written earlier : writes) {
                    if (earlier.write.value() != null && earlier.write != absent && earlier.inPlace < absent.begin()
                            && removes.stream().allMatch(remove -> remove.end() < earlier.lastBegin
                            || remove.begin() > absent.end())) {
                        problems.add("key " + key + ": " + describe(absent) + " found it absent, where "
                                + describe(earlier.write) + " was in place by " + earlier.inPlace
                                + " and no remove can fall between; the key's history from that write on:\n"
                                + window(operations, earlier.write.begin(), absent.end() + 400));   // and after
                        break;
                    }
                }
            }
        }

        /** {@return the operations of one key that overlap [from, to], in the order they began, one per line} */
        private static String window(List<Operation> operations, long from, long to) {
            StringBuilder window = new StringBuilder();
            operations.stream().filter(o -> o.end() >= from && o.begin() <= to)
                    .sorted(Comparator.comparingLong(Operation::begin))
                    .forEach(o -> window.append("  ").append(describe(o)).append('\n'));
            return window.toString();
        }

        /** {@return the operation's kind, value (its key and tag, without the padding) and times} */
        private static String describe(Operation operation) {
            String value = operation.value() == null ? "nothing" : operation.value();
            int tagEnd = value.indexOf('-', value.indexOf('-') + 1);
            value = tagEnd > 0 ? value.substring(0, tagEnd) : value.substring(0, Math.min(value.length(), 24));
            return operation.kind() + (operation.write() ? " writing " : " reading ") + value + " ["
                    + operation.begin() + ", " + operation.end() + "]";
        }
    }
}
