package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
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
            Cache<Integer, String> cache = engine.caches.newCache("clear-race", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).promotion(Promotion.ON_HIT).build();
            List<String> survivors = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (int key = 0; key < KEYS; key++) {
                    cache.put(key, "k" + key + "-r" + round + "-" + "x".repeat(300 + key % 5 * 200));
                }
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> movers = startMovers(cache, engine, running, failure, round);
                Thread.sleep(2);
                cache.invalidateAll();
                for (int key = 0; key < KEYS; key++) {
                    String found = cache.get(key);
                    if (found != null && survivors.size() < 10) {
                        survivors.add("round " + round + ", key " + key + ": " + found.substring(0, 12));
                    }
                }
                running.set(false);
                for (Thread mover : movers) {
                    mover.join();
                }
                assertNull(failure.get());
                cache.invalidateAll();
            }
            assertEquals(List.of(), survivors, "entries read after the invalidateAll that came after their put");
            engine.checkPools();
            cache.close();
        }
    }

    private static List<Thread> startMovers(Cache<Integer, String> cache, TestEngine engine, AtomicBoolean running,
                                            AtomicReference<Throwable> failure, int round) {
        List<Thread> movers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Random random = new Random(round * 10L + r);
            movers.add(Thread.ofPlatform().name("reader-" + r).start(() -> TieredCacheModelTest.guarded(failure,
                    () -> {
                        while (running.get()) {
                            cache.get(random.nextInt(KEYS));
                        }
                    })));
        }
        movers.add(Thread.ofPlatform().name("filler").start(() -> TieredCacheModelTest.guarded(failure, () -> {
            Random random = new Random(round);
            while (running.get()) {
                int key = 10_000 + random.nextInt(1000);
                cache.put(key, "k" + key + "-f-" + "y".repeat(500));
            }
        })));
        movers.add(Thread.ofPlatform().name("squeezer").start(() -> TieredCacheModelTest.guarded(failure, () -> {
            for (int turn = 0; running.get(); turn++) {
                MemoryMode mode = MemoryMode.values()[turn % 2];
                engine.memory.acquireExecutionMemory(REGION * 3 / 4, 1, mode);
                Thread.yield();
                engine.memory.releaseAllExecutionMemory(1);
            }
        })));
        return movers;
    }
}
