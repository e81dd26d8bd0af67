package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Cache.Builder.maximumSize}: a cache's tier never holds more than its maximum, whatever the engine has free;
 * what passes it moves down a tier and reads back; the other caches of the engine keep their entries; bad maximums are
 * refused naming the value and the rule.
 */
class MaximumSizeTest {

    private static final long REGION = 4L << 20;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private TestEngine engine() {
        return new TestEngine(REGION, REGION, PAGE, dir, 256L << 20);
    }

    private static byte[] value(int key, int length) {
        return TestValues.seeded(key, length);
    }

    private static long reserved(Cache<?, ?> cache, Tier tier) {
        return cache.stats().tier(tier).reservedBytes();
    }

    @Test
    void heapEntriesPastTheMaximumMoveDownAndReadBack() throws Exception {
        long maximum = 64 * 1024;
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("heap", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).maximumSize(Tier.HEAP, DataSize.ofBytes(maximum)).build();
            int keys = 3000;                               // about 1 MB of heap weight, a quarter of the region
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 200));
                assertTrue(cache.bytes(Tier.HEAP) <= maximum, () -> "heap bytes " + cache.bytes(Tier.HEAP));
                long granted = engine.memory.state(MemoryMode.ON_HEAP).storageUsedBytes();
                assertTrue(granted <= maximum, () -> "heap storage memory taken " + granted);
            }
            for (int key = 0; key < keys; key++) {
                assertArrayEquals(value(key, 200), cache.get(key), "key " + key);
            }
            CacheStats.TierStats heap = cache.stats().tier(Tier.HEAP);
            assertTrue(heap.demotions() > keys / 2, () -> "demotions " + heap);
            assertTrue(heap.bytes() > maximum / 2, () -> "the heap still used: " + heap);
            assertEquals(keys, cache.size());
            ObjectName bean = new ObjectName("dev.strata:type=Cache,name=heap");
            assertArrayEquals(new long[] {maximum, 0, 0},
                    (long[]) ManagementFactory.getPlatformMBeanServer().getAttribute(bean, "MaximumSizes"));
            cache.close();
        }
    }

    @Test
    void aCacheAtItsHeapMaximumEvictsItsOwnEntriesNotAnothersCache() {
        long region = 1L << 20;
        try (TestEngine engine = new TestEngine(region, 0, PAGE, null, 0)) {
            Cache<Integer, byte[]> other = engine.caches.newCache("other", Codecs.int32(), Codecs.bytes()).build();
            for (int key = 0; key < 600; key++) {
                other.put(key, value(key, 300));           // about 260 KB of the 1 MiB region
            }
            Cache<Integer, byte[]> bounded = engine.caches.newCache("bounded", Codecs.int32(), Codecs.bytes())
                    .maximumSize(Tier.HEAP, DataSize.ofKibibytes(128)).build();
            for (int key = 0; key < 20_000; key++) {       // ten times the region
                bounded.put(key, value(key, 400));
                assertTrue(bounded.bytes(Tier.HEAP) <= 128 * 1024, () -> "bytes " + bounded.bytes(Tier.HEAP));
            }
            assertEquals(600, other.size(), "the other cache's entries");
            assertEquals(0, other.stats().tier(Tier.HEAP).evictions());
            for (int key = 0; key < 600; key++) {
                assertArrayEquals(value(key, 300), other.get(key), "other cache, key " + key);
            }
            assertTrue(bounded.stats().tier(Tier.HEAP).evictions() > 19_000, () -> "" + bounded.stats());
            for (int key = 19_900; key < 20_000; key++) {
                assertArrayEquals(value(key, 400), bounded.get(key), "the latest puts stay, key " + key);
            }
            engine.checkPools();
            bounded.close();
            other.close();
        }
    }

    @Test
    void offHeapPagesStayWithinTheMaximumRoundedDownToPages() throws Exception {
        long maximum = 16 * PAGE + 100;                    // 16 pages
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("off", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).maximumSize(Tier.OFF_HEAP, DataSize.ofBytes(maximum)).build();
            int keys = 4000;                               // about 1.3 MB of records
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 300));
                assertTrue(reserved(cache, Tier.OFF_HEAP) <= 16 * PAGE, () -> "pages " + cache.stats());
                long taken = engine.memory.state(MemoryMode.OFF_HEAP).storageUsedBytes();
                assertTrue(taken <= 16 * PAGE, () -> "off-heap storage memory taken " + taken);
            }
            assertEquals(16 * PAGE, reserved(cache, Tier.OFF_HEAP), "the tier uses what it may");
            ObjectName bean = new ObjectName("dev.strata:type=Cache,name=off");
            assertArrayEquals(new long[] {0, 16 * PAGE, 0},
                    (long[]) ManagementFactory.getPlatformMBeanServer().getAttribute(bean, "MaximumSizes"));
            for (int key = 0; key < keys; key++) {
                assertArrayEquals(value(key, 300), cache.get(key), "key " + key);
            }
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).demotions() > keys / 2, () -> "" + cache.stats());
            cache.close();
        }
    }

    /** Writers on two threads race for pages; a third thread watches the tier's pages the whole time. */
    @Test
    void racingWritersNeverTakeTheOffHeapTierPastItsMaximum() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("race", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK)
                    .maximumSize(Tier.HEAP, DataSize.ofKibibytes(32))
                    .maximumSize(Tier.OFF_HEAP, DataSize.ofBytes(8 * PAGE)).build();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            CyclicBarrier start = new CyclicBarrier(3);
            Thread watcher = Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                start.await();
                long seen = 0;
                while (writing.get()) {
                    seen = Math.max(seen, engine.memory.state(MemoryMode.OFF_HEAP).storageUsedBytes());
                    long heap = engine.memory.state(MemoryMode.ON_HEAP).storageUsedBytes();
                    assertTrue(heap <= 32 * 1024, "heap storage memory taken " + heap);
                }
                assertTrue(seen <= 8 * PAGE, "off-heap storage memory taken " + seen);
            }));
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int from = t * 100_000;
                writers.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    start.await();
                    for (int key = from; key < from + 3000; key++) {
                        cache.put(key, value(key, 1 + key % 900));
                    }
                })));
            }
            for (Thread writer : writers) {
                writer.join();
            }
            writing.set(false);
            watcher.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int t = 0; t < 2; t++) {
                for (int key = t * 100_000; key < t * 100_000 + 3000; key++) {
                    assertArrayEquals(value(key, 1 + key % 900), cache.get(key), "key " + key);
                }
            }
            engine.checkPools();
            cache.close();
        }
    }

    @Test
    void diskFilesStayWithinTheMaximumAndCountInTheEnginesQuota() throws Exception {
        long maximum = 1L << 20;
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("disk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).maximumSize(Tier.DISK, DataSize.ofBytes(maximum)).build();
            int keys = 10_000;                             // about 10 MB, in a 256 MiB quota
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 1000));
                if (key % 500 == 0) {
                    engine.awaitCompactorIdle();
                    assertTrue(reserved(cache, Tier.DISK) <= maximum, () -> "files " + cache.stats());
                }
            }
            engine.awaitCompactorIdle();
            assertTrue(reserved(cache, Tier.DISK) <= maximum, () -> "files " + cache.stats());
            assertEquals(reserved(cache, Tier.DISK), engine.quota.usedBytes(), "the engine's quota counts the files");
            CacheStats.TierStats disk = cache.stats().tier(Tier.DISK);
            assertTrue(disk.evictions() > keys / 2, () -> "evictions " + disk);
            assertEquals(0, cache.stats().errors(), "a full disk is not an error here");
            for (int key = keys - 50; key < keys; key++) {
                assertArrayEquals(value(key, 1000), cache.get(key), "the latest puts stay, key " + key);
            }
            cache.close();
            assertEquals(0, engine.quota.usedBytes(), "quota after close");
        }
    }

    /**
     * A cache at its own disk maximum evicts its own segments, even while it holds less than an equal share of the
     * engine's quota: another cache's segments would make no room under its maximum.
     */
    @Test
    void aCacheAtItsDiskMaximumEvictsItsOwnSegmentsNotAnothersCache() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, 0, PAGE, dir, 8L << 20)) {
            Cache<Integer, byte[]> other = engine.caches.newCache("other", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            for (int key = 0; key < 5000; key++) {
                other.put(key, value(key, 1000));          // about 5 MB of the 8 MiB quota
            }
            engine.awaitCompactorIdle();
            long otherEntries = other.size();
            Cache<Integer, byte[]> bounded = engine.caches.newCache("bounded", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).maximumSize(Tier.DISK, DataSize.ofMebibytes(1)).build();
            for (int key = 0; key < 10_000; key++) {
                bounded.put(key, value(key, 1000));
            }
            engine.awaitCompactorIdle();
            assertEquals(otherEntries, other.size(), "the other cache's entries");
            assertEquals(0, other.stats().tier(Tier.DISK).evictions());
            assertTrue(reserved(bounded, Tier.DISK) <= 1L << 20, () -> "" + bounded.stats());
            assertTrue(bounded.stats().tier(Tier.DISK).evictions() > 5000, () -> "" + bounded.stats());
            bounded.close();
            other.close();
        }
    }

    @Test
    void aPersistentCacheReopensWithinItsDiskMaximum() throws Exception {
        long maximum = 2L << 20;
        for (int life = 0; life < 2; life++) {
            try (TestEngine engine = engine()) {
                Cache<Integer, byte[]> cache = engine.caches.newCache("kept", Codecs.int32(), Codecs.bytes())
                        .tiers(Tier.DISK).persistent(true).maximumSize(Tier.DISK, DataSize.ofBytes(maximum)).build();
                if (life == 0) {
                    for (int key = 0; key < 1000; key++) {
                        cache.put(key, value(key, 1000));
                    }
                }
                for (int key = 0; key < 1000; key++) {
                    assertArrayEquals(value(key, 1000), cache.get(key), "life " + life + ", key " + key);
                }
                engine.awaitCompactorIdle();
                assertTrue(reserved(cache, Tier.DISK) <= maximum, () -> "files " + cache.stats());
                assertEquals(reserved(cache, Tier.DISK), engine.quota.usedBytes(), "the engine's quota, life " + life);
                cache.close();
            }
        }
    }

    @Test
    void aPersistentCacheReopenedWithASmallerMaximumEvictsDownToIt() throws Exception {
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("shrunk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).persistent(true).build();
            for (int key = 0; key < 4000; key++) {
                cache.put(key, value(key, 1000));          // about 4 MB
            }
            cache.close();
        }
        long maximum = 1L << 20;
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("shrunk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).persistent(true).maximumSize(Tier.DISK, DataSize.ofBytes(maximum)).build();
            assertTrue(reserved(cache, Tier.DISK) > maximum, () -> "the files are kept: " + cache.stats());
            assertArrayEquals(value(0, 1000), cache.get(0), "the oldest entry, before any write");
            for (int key = 4000; key < 4100; key++) {
                cache.put(key, value(key, 1000));
            }
            engine.awaitCompactorIdle();
            assertTrue(reserved(cache, Tier.DISK) <= maximum, () -> "files after writes " + cache.stats());
            assertEquals(reserved(cache, Tier.DISK), engine.quota.usedBytes(), "the engine's quota counts the files");
            for (int key = 4000; key < 4100; key++) {
                assertArrayEquals(value(key, 1000), cache.get(key), "the latest puts stay, key " + key);
            }
            cache.close();
        }
    }

    @Test
    void theModelHoldsWithEveryTierAtItsMaximum() {
        List<List<Tier>> layouts = List.of(List.of(Tier.HEAP, Tier.DISK), List.of(Tier.OFF_HEAP, Tier.DISK),
                List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK), List.of(Tier.HEAP, Tier.OFF_HEAP));
        for (List<Tier> tiers : layouts) {
            try (TestEngine engine = engine()) {
                Cache.Builder<Integer, String> builder = engine.caches.newCache("model", Codecs.int32(), Codecs.utf8())
                        .tiers(tiers.toArray(Tier[]::new));
                for (Tier tier : tiers) {
                    builder.maximumSize(tier, switch (tier) {
                        case HEAP -> DataSize.ofKibibytes(16);
                        case OFF_HEAP -> DataSize.ofBytes(8 * PAGE);
                        case DISK -> DataSize.ofMebibytes(64);
                    });
                }
                Cache<Integer, String> cache = builder.build();
                TieredCacheModelTest.runModel(cache, new Random(tiers.size()), 0, 400, 6000,
                        tiers.contains(Tier.DISK), "m", engine);
                for (Tier tier : tiers) {
                    assertTrue(cache.stats().tier(tier).puts() + cache.stats().tier(tier).demotions() > 0,
                            () -> tiers + ": every tier used " + cache.stats());
                }
                assertTrue(!tiers.contains(Tier.HEAP) || cache.bytes(Tier.HEAP) <= 16 * 1024, () -> "" + cache.stats());
                assertTrue(!tiers.contains(Tier.OFF_HEAP) || reserved(cache, Tier.OFF_HEAP) <= 8 * PAGE,
                        () -> "" + cache.stats());
                assertEquals(0, cache.stats().errors(), "errors");
                cache.close();
            }
        }
    }

    @Test
    void badMaximumsAreRefusedNamingTheValueAndTheRule() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("bad", Codecs.int32(), Codecs.utf8());
            assertThrows(NullPointerException.class, () -> builder.maximumSize(null, DataSize.ofKibibytes(1)));
            assertThrows(NullPointerException.class, () -> builder.maximumSize(Tier.HEAP, null));
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> builder.maximumSize(Tier.HEAP, DataSize.ZERO));
            assertEquals("maximumSize: HEAP 0 bytes (expected: at least 1 byte)", zero.getMessage());
            IllegalArgumentException page = assertThrows(IllegalArgumentException.class,
                    () -> builder.maximumSize(Tier.OFF_HEAP, DataSize.ofBytes(PAGE - 1)));
            assertEquals("maximumSize: OFF_HEAP 4095 bytes (expected: at least 4096 bytes, one page)", page.getMessage());
            IllegalArgumentException disk = assertThrows(IllegalArgumentException.class,
                    () -> builder.maximumSize(Tier.DISK, DataSize.ofKibibytes(512)));
            assertEquals("maximumSize: DISK 524288 bytes (expected: at least 1048576 bytes, 16 segments of the "
                    + "smallest size, 1 MiB)", disk.getMessage());
            builder.tiers(Tier.HEAP, Tier.OFF_HEAP).maximumSize(Tier.DISK, DataSize.ofMebibytes(8));
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, builder::build);
            assertEquals("maximumSize: DISK with tiers [HEAP, OFF_HEAP] (expected: a tier of the cache)",
                    missing.getMessage());
            assertNull(engine.caches.stats().stream().filter(s -> s.name().equals("bad")).findAny().orElse(null));
        }
    }
}
