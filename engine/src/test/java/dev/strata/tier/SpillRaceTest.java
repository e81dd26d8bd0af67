package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writers of keys race those keys' own moves to disk. A move to disk writes its record with the stripe's monitor
 * released and the key marked as spilling; here the key codec gives up the processor while it decodes a key on that
 * way, which widens the window to the length of a time slice. Each writer owns its keys, so a read of its own key must
 * return exactly its last write (or nothing after its remove); its writes are same-size overwrites in place (which
 * must wait for the spill instead of changing the bytes being copied), resizes, values too large for the off-heap tier
 * (written to disk at once, which must wait for the spill's own disk write of the key) and removes. A third thread
 * reads every key and checks that each value is whole and never older than one it read before. At the end every key
 * holds its owner's last write, from whichever tier. The deterministic checks of each wait are in
 * {@link SpillIsolationTest}; this one looks for what they do not foresee.
 */
class SpillRaceTest {

    private static final int WRITERS = 2;
    private static final int KEYS_PER_WRITER = 400;
    private static final int OPERATIONS = 12_000;
    private static final int SIZE = 200;
    /** Larger than 1/8 of the off-heap tier: such a value goes to disk directly. */
    private static final int LARGE = 9_000;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "heap on top: {0}")
    @ValueSource(booleans = {false, true})
    void writersOfSpillingKeysNeverLoseOrTearAValue(boolean heapOnTop) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        try (TestEngine engine = new TestEngine(64 * 1024, 64 * 1024, 4096, dir, 256L << 20)) {
            Tier[] tiers = heapOnTop ? new Tier[] {Tier.HEAP, Tier.OFF_HEAP, Tier.DISK}
                    : new Tier[] {Tier.OFF_HEAP, Tier.DISK};
            Cache<Integer, byte[]> cache = engine.caches.newCache("spill-race", yieldingKeys(), Codecs.bytes())
                    .tiers(tiers).build();
            int[][] last = new int[WRITERS][];                      // per writer: last write per key, 0 when absent
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(WRITERS + 1);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                last[w] = new int[WRITERS * KEYS_PER_WRITER];
                writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> TieredCacheModelTest.guarded(failure,
                        () -> {
                            start.await();
                            write(cache, writer, last[writer], new Random(40 + writer));
                        })));
            }
            Thread reader = Thread.ofPlatform().name("reader").start(() -> TieredCacheModelTest.guarded(failure, () -> {
                int[] lastSeen = new int[WRITERS * KEYS_PER_WRITER];
                start.await();
                while (running.get()) {
                    for (int key = 0; key < lastSeen.length; key++) {
                        checkWholeAndNotOlder(key, cache.get(key), lastSeen);
                    }
                }
            }));
            for (Thread writer : writers) {
                writer.join();
            }
            running.set(false);
            reader.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int w = 0; w < WRITERS; w++) {
                for (int key = w; key < WRITERS * KEYS_PER_WRITER; key += WRITERS) {
                    int expected = last[w][key];
                    byte[] read = cache.get(key);
                    if (expected == 0) {
                        assertNull(read, "key " + key + " was removed");
                    } else {
                        assertEquals(expected, checkWhole(key, read), "key " + key);
                    }
                }
            }
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(Tier.OFF_HEAP).demotions() > 0, stats::toString);
            assertEquals(0, stats.errors(), stats::toString);
            engine.checkPools();
            cache.close();
        }
    }

    /** One writer's run over its keys ({@code writer}, {@code writer + WRITERS}, ...), each read back at once. */
    private static void write(Cache<Integer, byte[]> cache, int writer, int[] last, Random random) {
        int sequence = 0;
        for (int op = 0; op < OPERATIONS; op++) {
            int key = writer + WRITERS * random.nextInt(KEYS_PER_WRITER);
            int choice = random.nextInt(20);
            if (choice == 0) {
                cache.remove(key);
                last[key] = 0;
            } else if (choice < 12) {
                sequence++;
                int length = switch (choice) {
                    case 1 -> SIZE + 100;                           // a new record
                    case 2 -> LARGE;                                // straight to disk
                    default -> SIZE;                                // mostly the same size: overwrites in place
                };
                cache.put(key, value(key, sequence, length));
                last[key] = sequence;
            }
            byte[] read = cache.get(key);
            if (last[key] == 0) {
                assertNull(read, "key " + key + " read after its remove");
            } else {
                assertEquals(last[key], checkWhole(key, read), "key " + key + " read back by its writer");
            }
        }
    }

    /** {@return the int32 key codec, giving up the processor whenever it decodes a key (on its way to disk)} */
    private static DelegatingCodec<Integer> yieldingKeys() {
        return new DelegatingCodec<>(Codecs.int32()) {
            @Override
            public Integer decode(MemorySegment source, long offset, int length) {
                Thread.yield();
                return super.decode(source, offset, length);
            }
        };
    }
}
