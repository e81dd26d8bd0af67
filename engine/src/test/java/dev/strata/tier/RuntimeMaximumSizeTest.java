package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Cache.setMaximumSize} and {@code removeMaximumSize} while a cache runs: a smaller maximum is met before the
 * call returns, what it pushed out of a memory tier moved down and reads back, later puts stay within it, a larger one
 * (or none) lets the tier grow; bad sizes are refused naming the value and the rule.
 */
class RuntimeMaximumSizeTest {

    private static final long REGION = 4L << 20;
    private static final int PAGE = 4096;
    private static final int VALUE_BYTES = 200;

    @TempDir
    Path dir;

    private static byte[] value(int key) {
        return TestValues.seeded(key, VALUE_BYTES);
    }

    private static long reserved(Cache<?, ?> cache, Tier tier) {
        return cache.stats().tier(tier).reservedBytes();
    }

    private static void putRange(Cache<Integer, byte[]> cache, int from, int to) {
        for (int key = from; key < to; key++) {
            cache.put(key, value(key));
        }
    }

    private static void assertAllReadBack(Cache<Integer, byte[]> cache, int keys) {
        for (int key = 0; key < keys; key++) {
            assertArrayEquals(value(key), cache.get(key), "key " + key);
        }
        assertEquals(keys, cache.size());
    }

    @Test
    void aSmallerHeapMaximumIsMetAtOnce_itsEntriesMoveDown_andALargerOneOrNoneLetsTheHeapGrow() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, 256L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("runtime-heap", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            assertEquals(Optional.empty(), cache.maximumSize(Tier.HEAP));
            putRange(cache, 0, 3000);                   // about 1 MB of heap weight, a quarter of the region
            assertTrue(reserved(cache, Tier.HEAP) > REGION / 5, "on the heap: " + reserved(cache, Tier.HEAP));

            long small = 64 * 1024;
            cache.setMaximumSize(Tier.HEAP, DataSize.ofBytes(small));
            assertEquals(Optional.of(DataSize.ofBytes(small)), cache.maximumSize(Tier.HEAP));
            assertTrue(reserved(cache, Tier.HEAP) <= small, "after the call: " + reserved(cache, Tier.HEAP));
            assertTrue(engine.memory.state(MemoryMode.ON_HEAP).storageUsedBytes() <= small);
            assertArrayEquals(new long[] {small, 0, 0}, (long[]) ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(new ObjectName("dev.strata:type=Cache,name=runtime-heap"), "MaximumSizes"));
            assertEquals(List.of(small), engine.caches.memoryMaximums().stream()
                    .map(CacheMaximum::maximumBytes).toList(), "the engine's plan lists it");
            putRange(cache, 3000, 3500);
            assertTrue(reserved(cache, Tier.HEAP) <= small, "after more puts: " + reserved(cache, Tier.HEAP));
            assertAllReadBack(cache, 3500);

            long larger = 2L << 20;
            cache.setMaximumSize(Tier.HEAP, DataSize.ofBytes(larger));
            putRange(cache, 3500, 12_000);
            long grown = reserved(cache, Tier.HEAP);
            assertTrue(grown > larger / 2 && grown <= larger, "grown to " + grown);

            cache.removeMaximumSize(Tier.HEAP);
            assertEquals(Optional.empty(), cache.maximumSize(Tier.HEAP));
            putRange(cache, 12_000, 20_000);
            assertTrue(reserved(cache, Tier.HEAP) > larger, "no maximum: " + reserved(cache, Tier.HEAP));
            assertAllReadBack(cache, 20_000);
            engine.checkPools();
            cache.close();
        }
    }

    @Test
    void aSmallerOffHeapMaximumIsMetAtOnceInWholePages_itsRecordsMoveDown_andALargerOneLetsTheTierGrow()
            throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, PAGE, dir, 256L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("runtime-off-heap", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            putRange(cache, 0, 10_000);                 // about 2.2 MB of records
            assertTrue(reserved(cache, Tier.OFF_HEAP) > REGION / 3, "off the heap: " + reserved(cache, Tier.OFF_HEAP));

            long small = 64 * PAGE;
            cache.setMaximumSize(Tier.OFF_HEAP, DataSize.ofBytes(small + PAGE / 2));
            assertEquals(Optional.of(DataSize.ofBytes(small)), cache.maximumSize(Tier.OFF_HEAP), "whole pages");
            assertTrue(reserved(cache, Tier.OFF_HEAP) <= small, "after the call: " + reserved(cache, Tier.OFF_HEAP));
            putRange(cache, 10_000, 12_000);
            assertTrue(reserved(cache, Tier.OFF_HEAP) <= small, "after more: " + reserved(cache, Tier.OFF_HEAP));
            assertAllReadBack(cache, 12_000);

            cache.setMaximumSize(Tier.OFF_HEAP, DataSize.ofBytes(REGION / 2));
            putRange(cache, 12_000, 30_000);
            long grown = reserved(cache, Tier.OFF_HEAP);
            assertTrue(grown > REGION / 4 && grown <= REGION / 2, "grown to " + grown);
            assertAllReadBack(cache, 30_000);
            engine.checkPools();
            cache.close();
        }
    }

    /** On disk, the lowest tier, the oldest segments are evicted; the store's segments are 512 KiB here. */
    @Test
    void aSmallerDiskMaximumEvictsTheOldestSegmentsAtOnce_andLaterPutsStayWithinIt() throws Exception {
        long quota = 8L << 20;
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, quota)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("runtime-disk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            putRange(cache, 0, 25_000);                 // about 5.8 MB of records
            engine.awaitCompactorIdle();
            assertTrue(reserved(cache, Tier.DISK) > quota / 2, "on disk: " + reserved(cache, Tier.DISK));

            long small = 2L << 20;
            cache.setMaximumSize(Tier.DISK, DataSize.ofBytes(small));
            assertTrue(reserved(cache, Tier.DISK) <= small, "after the call: " + reserved(cache, Tier.DISK));
            putRange(cache, 25_000, 40_000);
            engine.awaitCompactorIdle();
            assertTrue(reserved(cache, Tier.DISK) <= small, "after more puts: " + reserved(cache, Tier.DISK));
            int found = 0;
            for (int key = 0; key < 40_000; key++) {
                byte[] read = cache.get(key);
                if (read != null) {
                    assertArrayEquals(value(key), read, "key " + key);
                    found++;
                }
            }
            assertTrue(found > 40_000 / 8, "the newest entries stay: " + found);

            cache.removeMaximumSize(Tier.DISK);
            putRange(cache, 40_000, 70_000);
            engine.awaitCompactorIdle();
            assertTrue(reserved(cache, Tier.DISK) > 2 * small, "no maximum: " + reserved(cache, Tier.DISK));
            cache.close();
        }
    }

    /** Maximums changed back and forth while two threads put: every value reads back, and the last maximum holds. */
    @Test
    void maximumsChangedWhileThreadsPutLoseNoEntry() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, PAGE, dir, 256L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("runtime-racing", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).build();
            int perThread = 8000;
            CyclicBarrier start = new CyclicBarrier(3);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int from = t * perThread;
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        putRange(cache, from, from + perThread);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            start.await();
            for (int round = 0; writers.stream().anyMatch(Thread::isAlive); round++) {
                boolean small = round % 2 == 0;
                cache.setMaximumSize(Tier.HEAP, DataSize.ofBytes(small ? 32 * 1024 : 1L << 20));
                cache.setMaximumSize(Tier.OFF_HEAP, DataSize.ofBytes(small ? 16 * PAGE : 128 * PAGE));
            }
            for (Thread writer : writers) {
                writer.join();
            }
            assertEquals(null, failure.get());
            cache.setMaximumSize(Tier.HEAP, DataSize.ofBytes(32 * 1024));
            cache.setMaximumSize(Tier.OFF_HEAP, DataSize.ofBytes(16 * PAGE));
            putRange(cache, 2 * perThread, 2 * perThread + 1000);
            assertTrue(reserved(cache, Tier.HEAP) <= 32 * 1024, "heap: " + reserved(cache, Tier.HEAP));
            assertTrue(reserved(cache, Tier.OFF_HEAP) <= 16 * PAGE, "off-heap: " + reserved(cache, Tier.OFF_HEAP));
            assertAllReadBack(cache, 2 * perThread + 1000);
            engine.checkPools();
            cache.close();
        }
    }

    /**
     * The model test ({@link TieredCacheModelTest#runModel}) with a disk large enough that nothing is dropped, while
     * every 250 operations each memory tier's maximum is set anew (from one page or 4 KiB to the whole region) or
     * removed: the cache matches the model exactly, with no error.
     */
    @Test
    void maximumsChangedAsTheModelRunsLoseNothing() {
        for (List<Tier> tiers : List.of(List.of(Tier.HEAP, Tier.DISK), List.of(Tier.OFF_HEAP, Tier.DISK),
                List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK))) {
            try (TestEngine engine = new TestEngine(128 * 1024, 128 * 1024, PAGE, dir.resolve(tiers.toString()),
                    256L << 20)) {
                Cache<Integer, String> cache = engine.caches.newCache("model", Codecs.int32(), Codecs.utf8())
                        .tiers(tiers.toArray(Tier[]::new)).build();
                int[] changes = {0};
                TieredCacheModelTest.runModel(cache, new Random(tiers.size()), 0, 400, 8000, true, "r", engine,
                        random -> {
                            for (Tier tier : tiers.subList(0, tiers.size() - 1)) {
                                if (random.nextInt(4) == 0) {
                                    cache.removeMaximumSize(tier);
                                } else {
                                    cache.setMaximumSize(tier, DataSize.ofBytes(PAGE * (1 + random.nextInt(32))));
                                }
                                changes[0]++;
                            }
                        });
                assertTrue(changes[0] >= 32, "maximums changed " + changes[0] + " times");
                assertEquals(0, cache.stats().errors(), "errors");
                cache.close();
            }
        }
    }

    /** An operator resizes a running cache through its MXBean's operations. */
    @Test
    void theCacheMXBeanOperationsSetAndRemoveAMaximum() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, 256L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("runtime-jmx", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            putRange(cache, 0, 3000);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.strata:type=Cache,name=runtime-jmx");
            String[] signature = {String.class.getName(), long.class.getName()};
            server.invoke(name, "setMaximumSize", new Object[] {"HEAP", 32_768L}, signature);
            assertEquals(Optional.of(DataSize.ofKibibytes(32)), cache.maximumSize(Tier.HEAP));
            assertTrue(reserved(cache, Tier.HEAP) <= 32_768, "heap: " + reserved(cache, Tier.HEAP));
            assertArrayEquals(new long[] {32_768, 0, 0}, (long[]) server.getAttribute(name, "MaximumSizes"));
            RuntimeMBeanException badTier = assertThrows(RuntimeMBeanException.class, () -> server.invoke(name,
                    "setMaximumSize", new Object[] {"RAM", 32_768L}, signature));
            assertEquals("tier: 'RAM' (expected: one of [HEAP, OFF_HEAP, DISK])", badTier.getCause().getMessage());
            RuntimeMBeanException negative = assertThrows(RuntimeMBeanException.class, () -> server.invoke(name,
                    "setMaximumSize", new Object[] {"HEAP", -1L}, signature));
            assertEquals("setMaximumSize: HEAP -1 bytes (expected: >= 0)", negative.getCause().getMessage());
            server.invoke(name, "removeMaximumSize", new Object[] {"HEAP"}, new String[] {String.class.getName()});
            assertEquals(Optional.empty(), cache.maximumSize(Tier.HEAP));
            assertAllReadBack(cache, 3000);
            cache.close();
        }
    }

    @Test
    void badMaximumsAreRefusedNamingTheValueAndTheRule() {
        try (TestEngine engine = new TestEngine(REGION, REGION, PAGE, dir, 8L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("runtime-bad", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            IllegalArgumentException noTier = assertThrows(IllegalArgumentException.class,
                    () -> cache.setMaximumSize(Tier.DISK, DataSize.ofMebibytes(4)));
            assertEquals("setMaximumSize: DISK with tiers [HEAP, OFF_HEAP] (expected: a tier of the cache)",
                    noTier.getMessage());
            IllegalArgumentException page = assertThrows(IllegalArgumentException.class,
                    () -> cache.setMaximumSize(Tier.OFF_HEAP, DataSize.ofBytes(PAGE - 1)));
            assertEquals("setMaximumSize: OFF_HEAP 4095 bytes (expected: at least 4096 bytes, one page)",
                    page.getMessage());
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> cache.setMaximumSize(Tier.HEAP, DataSize.ZERO));
            assertEquals("setMaximumSize: HEAP 0 bytes (expected: at least 1 byte)", zero.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cache.removeMaximumSize(Tier.DISK));
            assertThrows(NullPointerException.class, () -> cache.setMaximumSize(null, DataSize.ZERO));
            assertThrows(NullPointerException.class, () -> cache.setMaximumSize(Tier.HEAP, null));
            Cache<Integer, byte[]> onDisk = engine.caches.newCache("runtime-bad-disk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            IllegalArgumentException segments = assertThrows(IllegalArgumentException.class,
                    () -> onDisk.setMaximumSize(Tier.DISK, DataSize.ofMebibytes(1)));
            assertEquals("setMaximumSize: DISK 1048576 bytes (expected: at least 2097152 bytes, 4 of its segments of "
                    + "524288 bytes)", segments.getMessage());
            onDisk.close();
            cache.close();
            assertThrows(IllegalStateException.class, () -> cache.setMaximumSize(Tier.HEAP, DataSize.ofMebibytes(1)));
            assertEquals(Optional.empty(), cache.maximumSize(Tier.HEAP), "readable after close");
        }
    }
}
