package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * putIfAbsent checks for a value under the same stripe monitor that installs its own: a value that arrives between
 * placing and installing wins, and of racing putIfAbsent calls exactly one installs, the rest return its value.
 */
class PutIfAbsentTest {

    @ParameterizedTest
    @EnumSource(value = Tier.class, names = {"HEAP", "OFF_HEAP"})
    void aValueThatArrivedAfterTheCheckIsNotReplaced(Tier tier) {
        try (TestEngine engine = new TestEngine(1 << 22, 1 << 20, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("absent", Codecs.int32(), Codecs.bytes())
                    .tiers(tier).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            byte[] first = {1};
            cache.put(1, first);                              // as if it came after putIfAbsent's first look
            assertEquals(Tiers.Install.REFUSED, tiers.put(1, KeyIndex.hash(1), new byte[] {2}, 4, 1,
                    Condition.absent()));
            assertArrayEquals(first, cache.get(1));
            assertEquals(1, cache.stats().tier(tier).puts(), "the refused put is not counted");
            assertEquals(1, cache.size());
            cache.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Tier.class, names = {"HEAP", "OFF_HEAP"})
    void ofRacingPutIfAbsentCallsExactlyOneInstalls(Tier tier) throws Exception {
        int threads = 4;
        int keys = 2_000;
        try (TestEngine engine = new TestEngine(1 << 24, 1 << 24, 65536, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("race", Codecs.int32(), Codecs.bytes())
                    .tiers(tier).build();
            byte[][][] returned = new byte[threads][keys][];
            byte[][][] offered = new byte[threads][keys][];
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> racers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int racer = t;
                racers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int key = 0; key < keys; key++) {
                            offered[racer][key] = new byte[] {(byte) racer, (byte) key};
                            returned[racer][key] = cache.putIfAbsent(key, offered[racer][key]);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread racer : racers) {
                racer.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int key = 0; key < keys; key++) {
                byte[] stored = cache.get(key);
                assertNotNull(stored, "key " + key);
                AtomicInteger installed = new AtomicInteger();
                for (int t = 0; t < threads; t++) {
                    if (returned[t][key] == null) {
                        installed.incrementAndGet();
                        assertArrayEquals(offered[t][key], stored, "the installer's value stays, key " + key);
                    } else {
                        assertArrayEquals(stored, returned[t][key], "the others see it, key " + key);
                    }
                }
                assertEquals(1, installed.get(), "installers of key " + key);
            }
            cache.close();
        }
    }
}
