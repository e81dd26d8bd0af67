package dev.strata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.management.CacheMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle caches through the public entry points: the builder's rules for the idle time, and an engine whose idle time is
 * one nanosecond (so a cache not used between two looks is idle, with the real clock and no waiting), where a cache in
 * use takes all the heap an unused one holds, whose entries move to its disk tier, and the MXBeans say which is which.
 */
class EngineIdleCachesTest {

    private static final long REGION = 4L << 20;
    private static final int VALUE_BYTES = 400;

    @TempDir
    Path dir;

    @Test
    void theIdleTimeMustBePositive() {
        Engine.Builder builder = Engine.builder();
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> builder.idleCacheAfter(Duration.ZERO));
        assertEquals("idleCacheAfter: PT0S (expected: > 0)", zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> builder.idleCacheAfter(Duration.ofMillis(-5)));
        assertEquals("idleCacheAfter: PT-0.005S (expected: > 0)", negative.getMessage());
        assertThrows(NullPointerException.class, () -> builder.idleCacheAfter(null));
        builder.idleCacheAfter(Duration.ofSeconds(Long.MAX_VALUE));   // never comes: accepted
        try (Engine engine = Engine.builder().name("idle-caches-rules").heap(DataSize.ofMebibytes(4)).build()) {
            Cache.Builder<Integer, byte[]> cache = engine.newCache("c", Codecs.int32(), Codecs.bytes());
            IllegalArgumentException own = assertThrows(IllegalArgumentException.class,
                    () -> cache.idleCacheAfter(Duration.ofSeconds(-1)));
            assertEquals("idleCacheAfter: PT-1S (expected: > 0)", own.getMessage());
            assertThrows(NullPointerException.class, () -> cache.idleCacheAfter(null));
        }
    }

    /** A cache given an idle time of its own that never comes keeps its share unread; one without loses it. */
    @Test
    void aCacheWithAnIdleTimeOfItsOwnThatNeverComesKeepsItsShare() {
        try (Engine engine = Engine.builder().name("idle-caches-own").heap(DataSize.ofBytes(REGION))
                .idleCacheAfter(Duration.ofNanos(1)).build();
             Cache<Integer, byte[]> unused = engine.newCache("unused", Codecs.int32(), Codecs.bytes()).build();
             Cache<Integer, byte[]> kept = engine.newCache("kept", Codecs.int32(), Codecs.bytes())
                     .idleCacheAfter(Duration.ofDays(365_000)).build();
             Cache<Integer, byte[]> busy = engine.newCache("busy", Codecs.int32(), Codecs.bytes()).build()) {
            for (int k = 0; k < REGION / 3 / VALUE_BYTES; k++) {
                unused.put(k, value(k));
                kept.put(k, value(k));
            }
            for (int k = 0; k < 4 * REGION / VALUE_BYTES; k++) {
                busy.put(k, value(k));
                assertArrayEquals(value(k), busy.get(k), "a hit: busy is in use");
            }
            long keptHolds = kept.bytes(Tier.HEAP);
            long busyHolds = busy.bytes(Tier.HEAP);
            assertTrue(unused.bytes(Tier.HEAP) <= REGION / 64, "unused keeps " + unused.bytes(Tier.HEAP));
            assertTrue(keptHolds >= (keptHolds + busyHolds) * 2 / 5, "kept " + keptHolds + ", busy " + busyHolds);
        }
    }

    @Test
    void aCacheInUseTakesTheHeapAnUnusedOneHolds_whoseEntriesMoveToItsDiskTier() throws Exception {
        try (Engine engine = Engine.builder().name("idle-caches-test").heap(DataSize.ofBytes(REGION))
                .disk(dir, DataSize.ofMebibytes(64)).idleCacheAfter(Duration.ofNanos(1)).build();
             Cache<Integer, byte[]> unused = engine.newCache("unused", Codecs.int32(), Codecs.bytes())
                     .tiers(Tier.HEAP, Tier.DISK).build();
             Cache<Integer, byte[]> busy = engine.newCache("busy", Codecs.int32(), Codecs.bytes())
                     .tiers(Tier.HEAP).build()) {
            int unusedKeys = (int) (REGION / 2 / VALUE_BYTES);
            for (int k = 0; k < unusedKeys; k++) {
                unused.put(k, value(k));
            }
            assertTrue(unused.bytes(Tier.HEAP) > REGION / 4, "on the heap: " + unused.bytes(Tier.HEAP));
            for (int k = 0; k < 4 * REGION / VALUE_BYTES; k++) {
                busy.put(k, value(k));
                assertArrayEquals(value(k), busy.get(k), "a hit: busy is in use");
            }
            assertTrue(unused.bytes(Tier.HEAP) <= REGION / 64, "left on the heap: " + unused.bytes(Tier.HEAP));
            assertTrue(busy.bytes(Tier.HEAP) > REGION / 2, "busy: " + busy.bytes(Tier.HEAP));
            assertTrue(bean("unused").isIdle());
            assertFalse(bean("busy").isIdle());
            for (int k = 0; k < unusedKeys; k++) {
                assertArrayEquals(value(k), unused.get(k), "key " + k);
            }
            assertEquals(unusedKeys, unused.size(), "every entry moved down, none lost");
        }
    }

    /**
     * Three threads, each on a cache of its own (heap, then a disk large enough that nothing is dropped), with an idle
     * time of 1 ns, so that the caches flip between idle and in use as their threads pause their reads: memory moves
     * between them all the time, and every value each thread reads is the last it wrote.
     */
    @Test
    void cachesFlippingBetweenIdleAndInUseUnderConcurrentUseLoseNoValue() throws Exception {
        int threads = 3;
        try (Engine engine = Engine.builder().name("idle-caches-racing").heap(DataSize.ofBytes(REGION))
                .disk(dir, DataSize.ofMebibytes(256)).idleCacheAfter(Duration.ofNanos(1)).build()) {
            List<Cache<Integer, byte[]>> caches = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                caches.add(engine.newCache("racing-" + t, Codecs.int32(), Codecs.bytes())
                        .tiers(Tier.HEAP, Tier.DISK).build());
            }
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Cache<Integer, byte[]> cache = caches.get(t);
                long seed = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        runModel(cache, new Random(seed));
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
            assertEquals(null, failure.get());
            for (Cache<Integer, byte[]> cache : caches) {
                assertEquals(0, cache.stats().errors(), cache.name());
                cache.close();
            }
        }
    }

    /** Puts and reads 6,000 keys in phases, some with no read at all (the cache then goes idle), checking each read. */
    private static void runModel(Cache<Integer, byte[]> cache, Random random) {
        int keys = 6_000;
        Map<Integer, Integer> versions = new HashMap<>();
        for (int phase = 0; phase < 12; phase++) {
            boolean reads = phase % 3 != 1;            // every third phase only writes
            for (int op = 0; op < 4_000; op++) {
                int key = random.nextInt(keys);
                if (reads && random.nextBoolean()) {
                    Integer version = versions.get(key);
                    assertArrayEquals(version == null ? null : versioned(key, version), cache.get(key), "key " + key);
                } else {
                    int version = versions.merge(key, 1, Integer::sum);
                    cache.put(key, versioned(key, version));
                }
            }
        }
        for (Map.Entry<Integer, Integer> entry : versions.entrySet()) {
            assertArrayEquals(versioned(entry.getKey(), entry.getValue()), cache.get(entry.getKey()));
        }
    }

    private static byte[] versioned(int key, int version) {
        byte[] value = value(key);
        value[0] = (byte) version;
        value[1] = (byte) (version >>> 8);
        return value;
    }

    private static CacheMXBean bean(String cache) throws Exception {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                new ObjectName("dev.strata:type=Cache,name=" + cache), CacheMXBean.class);
    }

    private static byte[] value(int key) {
        byte[] value = new byte[VALUE_BYTES];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (key * 31 + i);
        }
        return value;
    }
}
