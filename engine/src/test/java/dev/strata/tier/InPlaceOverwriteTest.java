package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An off-heap put of a value of the same aligned size overwrites the record in place, behind the record's version
 * seqlock: it takes no page space, lock-free readers never keep a copy made across it, and a zero-copy view never
 * changes under its callback (the writer falls back to appending while the page is pinned).
 */
class InPlaceOverwriteTest {

    private static final long REGION = 256 * 1024;
    private static final int KEYS = 32;
    private static final int SIZE = 600;

    @Test
    void aSameSizeOverwriteTakesNoPageSpace() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("same", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            cache.put(1, value(1, 0, SIZE));
            long before = tiers.offHeap.extents().extentAt(location(tiers, 1)).writeOffset;
            for (int sequence = 1; sequence <= 1000; sequence++) {
                cache.put(1, value(1, sequence, SIZE - (sequence & 3)));   // 597 to 600 bytes: one aligned size
            }
            Extent extent = tiers.offHeap.extents().extentAt(location(tiers, 1));
            assertEquals(before, extent.writeOffset, "no record appended");
            assertEquals(0, extent.deadBytes.get(), "no record died");
            assertArrayEquals(value(1, 1000, SIZE), cache.get(1));
            CacheStats.TierStats offHeap = cache.stats().tier(Tier.OFF_HEAP);
            assertEquals(1001, offHeap.puts());
            assertEquals(1, offHeap.entries());
            cache.put(1, value(1, 1001, SIZE + 64));                        // larger: appended, the old one dies
            assertTrue(extent.deadBytes.get() > 0);
            assertArrayEquals(value(1, 1001, SIZE + 64), cache.get(1));
            cache.close();
        }
    }

    @Test
    void userCodecsAreNeverOverwrittenInPlace() {
        Codec<byte[]> mine = new Codec<>() {                            // a user codec: it might fail in encode
            @Override
            public int encodedSize(byte[] value) {
                return value.length;
            }

            @Override
            public void encode(byte[] value, MemorySegment target, long offset) {
                MemorySegment.copy(value, 0, target, ValueLayout.JAVA_BYTE, offset, value.length);
            }

            @Override
            public byte[] decode(MemorySegment source, long offset, int length) {
                return source.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
            }
        };
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("user", Codecs.int32(), mine)
                    .tiers(Tier.OFF_HEAP).build();
            cache.put(1, value(1, 0, SIZE));
            long first = location(((TieredCache<Integer, byte[]>) cache).tiersImpl(), 1);
            cache.put(1, value(1, 1, SIZE));
            assertTrue(first != location(((TieredCache<Integer, byte[]>) cache).tiersImpl(), 1), "appended");
            assertArrayEquals(value(1, 1, SIZE), cache.get(1));
            cache.close();
        }
    }

    /**
     * Writers overwrite fixed-size values in place as fast as they can; lock-free readers must read every value whole
     * and never older than one they saw, and zero-copy readers must see the same bytes at the end of their callback
     * as at its start.
     */
    @Test
    void readersRacingWithInPlaceOverwritesReadWholeCurrentValues() throws Exception {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("racing", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            for (int key = 0; key < KEYS; key++) {
                cache.put(key, value(key, 0, SIZE));
            }
            int writers = 2;
            int writes = 60_000;
            CyclicBarrier start = new CyclicBarrier(writers + 2);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    int[] sequences = new int[KEYS];
                    start.await();
                    for (int op = 0; op < writes && failure.get() == null; op++) {
                        int key = writer + writers * random.nextInt(KEYS / writers);   // one writer per key
                        cache.put(key, value(key, ++sequences[key], SIZE));
                    }
                })));
            }
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                SplittableRandom random = new SplittableRandom(7);
                int[] lastSeen = new int[KEYS];
                start.await();
                for (int op = 0; op < 2 * writes && failure.get() == null; op++) {
                    int key = random.nextInt(KEYS);
                    assertTrue(checkWholeAndNotOlder(key, cache.get(key), lastSeen), "key " + key + " missing");
                }
            })));
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                SplittableRandom random = new SplittableRandom(8);
                start.await();
                for (int op = 0; op < writes / 4 && failure.get() == null; op++) {
                    int key = random.nextInt(KEYS);
                    byte[][] seen = cache.read(key, view -> {
                        byte[] first = view.toArray(ValueLayout.JAVA_BYTE);
                        Thread.onSpinWait();
                        return new byte[][] {first, view.toArray(ValueLayout.JAVA_BYTE)};
                    });
                    assertArrayEquals(seen[0], seen[1], "a view changed under its callback, key " + key);
                    checkWhole(key, seen[0]);
                }
            })));
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get());
            cache.close();
        }
    }

    /**
     * A value read from an off-heap record to be promoted moves up only if the record still holds it: an overwrite in
     * place keeps the record's slot word, so the move also checks the record's version, and a promotion of the older
     * value, racing with a put that the heap had no room for, is refused instead of bringing the older value back.
     */
    @Test
    void aPromotionOfAValueOverwrittenInPlaceSinceItWasReadIsRefused() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("promoted", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).promotion(Promotion.NEVER).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            int hash = KeyIndex.hash(5);
            byte[] first = value(5, 1, SIZE);
            assertSame(Tiers.Install.DONE, tiers.move(5, hash, first, Tier.OFF_HEAP, null, null));
            long slot = tiers.reads.find(tiers.index.stripe(hash).records.table(), hash, 5);
            int version = tiers.reads.versionOf(slot);
            byte[] second = value(5, 2, SIZE);
            assertSame(Tiers.Install.DONE, tiers.move(5, hash, second, Tier.OFF_HEAP, null, null));
            assertTrue(Slots.sameRecord(slot, tiers.reads.find(tiers.index.stripe(hash).records.table(), hash, 5)),
                    "overwritten in place: the slot names the same record");
            assertSame(Tiers.Install.REFUSED, tiers.move(5, hash, first, Tier.HEAP, Tier.OFF_HEAP,
                    Tiers.Source.of(slot, version)));
            assertArrayEquals(second, cache.get(5), "the older value was not promoted over the newer");
            assertSame(Tiers.Install.DONE, tiers.move(5, hash, second, Tier.HEAP, Tier.OFF_HEAP,
                    Tiers.Source.of(slot, tiers.reads.versionOf(slot))), "the value it holds now moves up");
            assertArrayEquals(second, cache.get(5));
            assertEquals(1, cache.stats().tier(Tier.HEAP).entries());
            assertEquals(0, cache.stats().tier(Tier.OFF_HEAP).entries());
            cache.close();
        }
    }

    /** A heap value replaced by one of the same weight keeps its node; counts and bytes stay exact. */
    @Test
    void aSameWeightHeapOverwriteReplacesTheValueInItsNode() {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("heap", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            cache.put(1, value(1, 0, SIZE));
            Stripe stripe = tiers.index.stripe(KeyIndex.hash(1));
            Node<Integer, byte[]> node = tiers.nodeOf(stripe, 1, KeyIndex.hash(1));
            long bytes = cache.stats().tier(Tier.HEAP).bytes();
            for (int sequence = 1; sequence <= 100; sequence++) {
                cache.put(1, value(1, sequence, SIZE));
            }
            assertSame(node, tiers.nodeOf(stripe, 1, KeyIndex.hash(1)), "the same node");
            assertArrayEquals(value(1, 100, SIZE), cache.get(1));
            CacheStats.TierStats heap = cache.stats().tier(Tier.HEAP);
            assertEquals(101, heap.puts());
            assertEquals(1, heap.entries());
            assertEquals(bytes, heap.bytes());
            cache.put(1, value(1, 101, SIZE + 1));             // heavier: the slow path, bytes follow
            assertEquals(bytes + 1, cache.stats().tier(Tier.HEAP).bytes());
            assertArrayEquals(value(1, 101, SIZE + 1), cache.get(1));
            engine.checkPools();
            cache.close();
        }
    }

    /**
     * A same-sized overwrite in the top tier (heap or off-heap) registers in no in-flight guard. Closing a persistent
     * cache while writers overwrite in place must still keep exactly the last put each writer saw return, and every
     * put after the close must throw.
     */
    @ParameterizedTest
    @EnumSource(value = Tier.class, names = {"HEAP", "OFF_HEAP"})
    void closeRacingWithInPlaceOverwritesKeepsEveryAcknowledgedPut(Tier top, @TempDir Path dir) throws Exception {
        int writers = 2;
        int[][] acknowledged = new int[writers][KEYS / writers];
        List<Tier> tiers = top == Tier.HEAP
                ? List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK) : List.of(Tier.OFF_HEAP, Tier.DISK);
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 16L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("closing", Codecs.int32(), Codecs.bytes())
                    .tiers(tiers.toArray(Tier[]::new)).persistent(true).build();
            for (int key = 0; key < KEYS; key++) {
                cache.put(key, value(key, 0, SIZE));
            }
            CountDownLatch warmedUp = new CountDownLatch(writers);
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> overwriteUntilClosed(cache, writer, writers,
                        acknowledged[writer], warmedUp, failure)));
            }
            warmedUp.await();
            cache.close();
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get(), () -> "writer failed: " + failure.get());
            assertThrows(IllegalStateException.class, () -> cache.put(0, value(0, 1, SIZE)));
        }
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 16L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("closing", Codecs.int32(), Codecs.bytes())
                    .tiers(tiers.toArray(Tier[]::new)).persistent(true).build();
            for (int key = 0; key < KEYS; key++) {
                int sequence = acknowledged[key % writers][key / writers];
                assertTrue(sequence > 0, "writer of key " + key + " overwrote it");
                assertArrayEquals(value(key, sequence, SIZE), cache.get(key), "key " + key);
            }
            cache.close();
        }
    }

    /** Overwrites the writer's keys (those equal to {@code writer} modulo {@code writers}) until a put throws. */
    private static void overwriteUntilClosed(Cache<Integer, byte[]> cache, int writer, int writers, int[] acknowledged,
                                             CountDownLatch warmedUp, AtomicReference<Throwable> failure) {
        try {
            for (int sequence = 1; ; sequence++) {
                for (int i = 0; i < acknowledged.length; i++) {
                    int key = i * writers + writer;
                    try {
                        cache.put(key, value(key, sequence, SIZE));
                    } catch (IllegalStateException closed) {
                        return;
                    }
                    acknowledged[i] = sequence;
                }
                if (sequence == 200) {
                    warmedUp.countDown();
                }
            }
        } catch (Throwable t) {
            failure.set(t);
            warmedUp.countDown();
        }
    }

    private static long location(Tiers<Integer, ?> tiers, int key) {
        return Slots.location(tiers.reads.find(tiers.index.stripe(KeyIndex.hash(key)).records.table(),
                KeyIndex.hash(key), key));
    }
}
