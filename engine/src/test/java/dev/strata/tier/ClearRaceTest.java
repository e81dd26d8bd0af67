package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code invalidateAll} leaves no entry written before it began, while entries move between the tiers all the time:
 * readers promote what they find on disk, a filler pushes entries down, and a squeezer takes execution memory (so
 * storage is reclaimed, and moved down, too). Round after round the keys are written, the movers start, the cache is
 * cleared, and every key must then read as absent: nothing writes those keys after the clear begins. A clear passes
 * over the memory tiers stripe by stripe and then clears the disk, so a value read on disk before the clear and moved
 * up into a stripe it had already passed would survive in memory, or, moved down again, on disk.
 */
class ClearRaceTest {

    private static final long REGION = 128 * 1024;
    private static final int KEYS = 200;
    private static final int ROUNDS = 100;
    /** How many keys the readers read while the clear is prepared, and after it: the movers' time to act. */
    private static final int MOVER_READS = 1000;

    @TempDir
    Path dir;

    static Stream<List<Tier>> tiersWithDisk() {
        return Stream.of(List.of(Tier.OFF_HEAP, Tier.DISK), List.of(Tier.HEAP, Tier.DISK),
                List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK));
    }

    @ParameterizedTest
    @MethodSource("tiersWithDisk")
    void invalidateAllLeavesNoEntryWrittenBeforeIt(List<Tier> tiers) throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 256L << 20)) {
            Cache<Integer, String> cache = newCache(engine, tiers);
            List<String> survivors = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (int key = 0; key < KEYS; key++) {
                    cache.put(key, "k" + key + "-r" + round + "-" + "x".repeat(300 + key % 5 * 200));
                }
                try (Movers movers = new Movers(cache, engine, round)) {
                    movers.awaitReads(MOVER_READS);
                    cache.invalidateAll();
                    for (int key = 0; key < KEYS; key++) {
                        String found = cache.get(key);
                        if (found != null && survivors.size() < 10) {
                            survivors.add("round " + round + ", key " + key + ": " + found.substring(0, 12));
                        }
                    }
                }
                cache.invalidateAll();
            }
            assertEquals(List.of(), survivors, "entries read after the invalidateAll that came after their put");
            engine.checkPools();
            cache.close();
        }
    }

    /**
     * A value put while a clear runs may be cleared or kept; once a read after the clear has found it, it must stay (or
     * give way to a later put). A move to disk in flight across the clear wrote the value to disk before the clear
     * emptied the disk, and used to remove it from memory afterwards: gone, though found after the clear (also when its
     * check of the clear passed just before the disk was emptied and its removal landed after the clear returned). Here
     * a writer puts the keys over and over until the clear returns; the readers note the latest put of each key they
     * find from then on, and at the end every key must hold that put or a later one.
     */
    @ParameterizedTest
    @MethodSource("tiersWithDisk")
    void aValueFoundAfterAClearStays(List<Tier> tiers) throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 256L << 20)) {
            Cache<Integer, String> cache = newCache(engine, tiers);
            List<String> lost = new ArrayList<>();
            for (int round = 0; round < ROUNDS && lost.size() < 10; round++) {
                Map<Integer, Integer> seen;
                try (Movers movers = new Movers(cache, engine, round)) {
                    putDuringAClear(cache, round, movers);
                    movers.awaitReads(MOVER_READS);
                    seen = movers.seenAfterClear;
                }
                for (Map.Entry<Integer, Integer> entry : seen.entrySet()) {
                    String now = cache.get(entry.getKey());
                    if ((now == null || putOf(now) < entry.getValue()) && lost.size() < 10) {
                        lost.add("round " + round + ", key " + entry.getKey() + ": put " + entry.getValue()
                                + " found after the clear, then " + (now == null ? "nothing" : "put " + putOf(now)));
                    }
                }
                cache.invalidateAll();
            }
            CacheStats stats = cache.stats();
            assertEquals(List.of(), lost, () -> "values found after a clear, then gone with no write; " + stats);
            assertEquals(0, cache.stats().errors());
            engine.checkPools();
            cache.close();
        }
    }

    private static Cache<Integer, String> newCache(TestEngine engine, List<Tier> tiers) {
        return engine.caches.newCache("clear-race", Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .promotion(Promotion.ON_HIT).build();
    }

    /**
     * Clears the cache while a writer puts its keys over and over (value {@code k<key>-r<round>p<put>-...}, the put
     * counting up); the writer stops once the clear has returned and {@code movers} watch from then on.
     */
    private static void putDuringAClear(Cache<Integer, String> cache, int round, Movers movers) throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong puts = new AtomicLong();
        Thread writer = Thread.ofPlatform().name("writer").start(() -> TieredCacheModelTest.guarded(movers.failure,
                () -> {
                    for (int put = 0; writing.get(); put++) {
                        int key = put % KEYS;
                        cache.put(key, "k" + key + "-r" + round + "p" + put + "-" + "x".repeat(400));
                        puts.incrementAndGet();
                    }
                }));
        while (puts.get() < KEYS / 4 && writer.isAlive()) {
            Thread.yield();
        }
        cache.invalidateAll();
        movers.watching = true;
        writing.set(false);
        writer.join();
    }

    /** {@return the put number of a writer's value} */
    private static int putOf(String value) {
        return Integer.parseInt(value.substring(value.indexOf('p') + 1, value.indexOf('-', value.indexOf('p'))));
    }

    /**
     * Threads that move entries between the tiers until closed: two readers promote what they find (and, once told
     * to watch, note the writer's values they find), a filler puts other keys (pushing entries down), and a squeezer
     * takes execution memory and gives it back. Closing stops and joins them, then fails if one of them threw.
     */
    private static final class Movers implements AutoCloseable {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Per key of the writer's, the latest put a reader found once {@link #watching} was set. */
        final Map<Integer, Integer> seenAfterClear = new ConcurrentHashMap<>();
        volatile boolean watching;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong reads = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();

        Movers(Cache<Integer, String> cache, TestEngine engine, int round) {
            for (int r = 0; r < 2; r++) {
                Random random = new Random(round * 10L + r);
                start("reader-" + r, () -> {
                    while (running.get()) {
                        boolean watched = watching;
                        int key = random.nextInt(KEYS);
                        String found = cache.get(key);
                        if (watched && found != null && found.contains("p")) {
                            seenAfterClear.merge(key, putOf(found), Math::max);
                        }
                        reads.incrementAndGet();
                    }
                });
            }
            start("filler", () -> {
                Random random = new Random(round);
                while (running.get()) {
                    int key = 10_000 + random.nextInt(1000);
                    cache.put(key, "k" + key + "-f-" + "y".repeat(500));
                }
            });
            start("squeezer", () -> {
                for (int turn = 0; running.get(); turn++) {
                    engine.memory.acquireExecutionMemory(REGION * 3 / 4, 1, MemoryMode.values()[turn % 2]);
                    Thread.yield();
                    engine.memory.releaseAllExecutionMemory(1);
                }
            });
        }

        private void start(String name, TieredCacheModelTest.Body body) {
            threads.add(Thread.ofPlatform().name(name).start(() -> TieredCacheModelTest.guarded(failure, body)));
        }

        /** Returns once the readers have read {@code count} more keys (or one of the movers has failed). */
        void awaitReads(long count) {
            long target = reads.get() + count;
            while (reads.get() < target && failure.get() == null) {
                Thread.yield();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get());
        }
    }
}
