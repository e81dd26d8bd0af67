package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.checkWholeAndNotOlder;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import dev.strata.testing.Latches;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk entries have no heap node: the disk store's index is the cache's index of its disk keys. A key is still in one
 * tier at a time (a memory-tier install removes its disk record), the second-hit promotion policy still works from a
 * visited bit kept in the store's index, the disk tier evicts its oldest segment, and a key moving between the heap and
 * the disk is never read as a miss nor as an older value.
 */
class DiskEntryTest {

    private static final int SIZE = 200;

    @TempDir
    Path dir;

    @Test
    void aValuePutOnTheHeapRemovesTheKeysDiskRecord() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("one-place", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).promotion(Promotion.NEVER).build();
            TieredCache<Integer, byte[]> tiered = (TieredCache<Integer, byte[]>) cache;
            Tiers<Integer, byte[]> tiers = tiered.tiersImpl();
            tiers.move(7, KeyIndex.hash(7), value(7, 1, SIZE), Tier.DISK, null, null);
            assertEquals(1, cache.size(Tier.DISK));
            assertEquals(0, cache.size(Tier.HEAP));
            assertArrayEquals(value(7, 1, SIZE), cache.get(7), "read from disk");

            cache.put(7, value(7, 2, SIZE));

            assertEquals(0, cache.size(Tier.DISK), "the disk record went with the put");
            assertEquals(1, cache.size(Tier.HEAP));
            assertNull(tiers.disk().get(tiers.encodeKey(7)), "no disk record left behind");
            assertArrayEquals(value(7, 2, SIZE), cache.get(7));
            assertTrue(cache.remove(7));
            assertNull(cache.get(7));
            assertFalse(cache.remove(7));
            cache.close();
        }
    }

    /**
     * A {@code Codecs.bytes()} value goes to the disk store as the caller's array, not a copy: the store copies it
     * before the put returns, so what the caller does to the array afterwards changes nothing stored.
     */
    @Test
    void aDiskPutStoresTheBytesItWasGivenNotLaterChangesToTheArray() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("given-bytes", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            byte[] given = value(3, 1, SIZE);
            cache.put(3, given);
            java.util.Arrays.fill(given, (byte) 0);
            assertArrayEquals(value(3, 1, SIZE), cache.get(3));
            cache.close();
        }
    }

    @Test
    void putIfAbsentSeesAValueOnDisk() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("absent", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).promotion(Promotion.NEVER).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            tiers.move(3, KeyIndex.hash(3), value(3, 1, SIZE), Tier.DISK, null, null);

            assertArrayEquals(value(3, 1, SIZE), cache.putIfAbsent(3, value(3, 2, SIZE)));
            assertEquals(Tiers.Install.REFUSED, tiers.put(3, KeyIndex.hash(3), value(3, 2, SIZE), 4, SIZE,
                    Condition.absent()),
                    "refused under the monitor too, where the store's index is asked");
            assertTrue(cache.containsKey(3));
            assertArrayEquals(value(3, 1, SIZE), cache.get(3));
            assertEquals(1, cache.size(Tier.DISK));
            cache.close();
        }
    }

    @Test
    void theSecondDiskHitPromotesTheEntry() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("second-hit", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).promotion(Promotion.ON_SECOND_HIT).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            for (int key = 0; key < 2; key++) {
                tiers.move(key, KeyIndex.hash(key), value(key, 1, SIZE), Tier.DISK, null, null);
            }
            int[] viewed = new int[1];
            cache.read(1, view -> viewed[0] = view.get(ValueLayout.JAVA_BYTE, 0));    // a zero-copy read marks too

            assertArrayEquals(value(0, 1, SIZE), cache.get(0));
            assertEquals(2, cache.size(Tier.DISK), "the first hit only marks the record");
            assertArrayEquals(value(0, 1, SIZE), cache.get(0));
            assertEquals(1, cache.size(Tier.DISK), "the second hit promotes it");
            assertArrayEquals(value(1, 1, SIZE), cache.get(1));
            assertEquals(0, cache.size(Tier.DISK), "a read, then a get");
            assertEquals(2, cache.size(Tier.HEAP));
            assertEquals(2, cache.stats().tier(Tier.DISK).promotions());
            assertEquals(value(1, 1, SIZE)[0], viewed[0]);
            cache.close();
        }
    }

    /** The counts are read once the compactor, which evicts ahead, is idle: it could drop keys between two reads. */
    @Test
    void aFullDiskEvictsItsOldestSegmentFirst() throws InterruptedException {
        int entries = 8_000;
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 1 << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("fifo", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            for (int key = 0; key < entries; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            engine.awaitCompactorIdle();
            CacheStats.TierStats disk = cache.stats().tier(Tier.DISK);
            assertTrue(disk.evictions() > 0, disk::toString);
            assertEquals(entries, disk.evictions() + cache.size(Tier.DISK), disk::toString);
            int firstKept = entries;
            for (int key = 0; key < entries; key++) {
                byte[] read = cache.get(key);
                if (read != null) {
                    checkWhole(key, read);
                    firstKept = Math.min(firstKept, key);
                } else {
                    assertTrue(firstKept == entries, "key " + key + " evicted after the newer key " + firstKept);
                }
            }
            assertEquals(disk.evictions(), firstKept, "exactly the oldest keys were evicted");
            assertTrue(engine.quota.usedBytes() <= 1 << 20, "quota kept");
            cache.close();
        }
    }

    /**
     * One key moves between the heap and the disk all the time: its small values are put on the heap (over a disk
     * record, if it has one) and then moved down to disk, its large ones (too large for the heap) go straight to disk,
     * and the readers' hits promote it back up. Readers must always find it, never read a miss in the instant between
     * the heap table and the store's index, and never read an older write. The store is persistent, so that a record
     * leaves its index only after a tombstone's write: the instant is longer.
     */
    @Test
    void aKeyMovingBetweenHeapAndDiskIsNeverMissedNorStale() throws Exception {
        int readers = 2;
        int writes = 20_000;
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("moving", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).promotion(Promotion.ON_HIT).persistent(true).build();
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            int large = (int) (engine.memory.state(dev.strata.MemoryMode.ON_HEAP).regionBytes()
                    / TierLimits.LARGE_ENTRY_FRACTION);
            int hash = KeyIndex.hash(0);
            cache.put(0, value(0, 0, SIZE));
            CyclicBarrier start = new CyclicBarrier(1 + readers);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                start.await();
                for (int sequence = 1; sequence <= writes && failure.get() == null; sequence++) {
                    cache.put(0, value(0, sequence, sequence % 4 == 0 ? large : SIZE));
                    Node<Integer, byte[]> node = tiers.nodeOf(tiers.index.stripe(hash), 0, hash);
                    if (node != null) {
                        tiers.demoteHeap(node, Tier.DISK);
                    }
                }
            })));
            for (int r = 0; r < readers; r++) {
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    int[] lastSeen = new int[1];
                    start.await();
                    for (int op = 0; op < 4 * writes && failure.get() == null; op++) {
                        byte[] read = cache.get(0);
                        assertNotNull(read, "a present key read as a miss");
                        checkWholeAndNotOlder(0, read, lastSeen);
                        assertTrue(cache.containsKey(0), "a present key not contained");
                        Integer first = cache.read(0, view -> (int) view.get(ValueLayout.JAVA_BYTE, 0));
                        assertNotNull(first, "a present key read as a miss by a zero-copy read");
                    }
                })));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(Tier.HEAP).demotions() > 0 && stats.tier(Tier.DISK).promotions() > 0,
                    stats::toString);
            cache.close();
        }
    }

    /**
     * The race a stress run found: a reader misses the heap; a put places a value there, and the next put, too large
     * for the heap, writes its value to disk and has not yet removed the heap node when the reader reaches the disk.
     * Returning that new value would let the reader's next get, probing the heap first, return the older one. The
     * hooks hold each side at that point: the reader must return the older value, twice, or the newer one, twice.
     */
    @ParameterizedTest(name = "first read by {0}")
    @ValueSource(strings = {"get", "zero-copy read"})
    void aReaderNeverReturnsANewDiskValueAndThenTheOlderHeapValue(String firstRead) throws Exception {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("replaced", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            TieredCache<Integer, byte[]> impl = (TieredCache<Integer, byte[]>) cache;
            int large = (int) (engine.memory.state(dev.strata.MemoryMode.ON_HEAP).regionBytes()
                    / TierLimits.LARGE_ENTRY_FRACTION);
            CountDownLatch readerMissed = new CountDownLatch(1);
            CountDownLatch diskWritten = new CountDownLatch(1);
            CountDownLatch readerDone = new CountDownLatch(1);
            impl.lookupsImpl().afterMemoryMiss = () -> {
                if (readerMissed.getCount() > 0) {
                    readerMissed.countDown();
                    Latches.await(diskWritten, "diskWritten");
                }
            };
            impl.tiersImpl().afterDiskPutOverMemory = () -> {
                diskWritten.countDown();
                Latches.await(readerDone, "readerDone");
            };
            int[] seen = new int[2];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                try {
                    seen[0] = firstRead.equals("get") ? checkWhole(0, cache.get(0))
                            : cache.read(0, view -> checkWhole(0, view.toArray(ValueLayout.JAVA_BYTE)));
                    seen[1] = checkWhole(0, cache.get(0));
                } finally {
                    readerDone.countDown();
                }
            }));
            assertTrue(readerMissed.await(10, TimeUnit.SECONDS), "the reader missed the memory tiers");
            cache.put(0, value(0, 1, SIZE));                     // a fresh heap node
            cache.put(0, value(0, 2, large));                    // to disk; held until the reader is done
            reader.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(seen[0] <= seen[1], "read write " + seen[1] + " after write " + seen[0]);
            assertEquals(2, checkWhole(0, cache.get(0)), "the put's value once it returned");
            cache.close();
        }
    }

    /**
     * A caller whose interrupt status is set (a request thread whose task was cancelled, say) puts far more than the
     * heap holds: its own puts move entries down and start the disk store's segment files, where an interrupt would
     * close a new file's channel. No entry is lost, nothing counts as an error, and the status is the caller's again.
     */
    @Test
    void anInterruptedCallerMovesEntriesToDiskWithoutLosingOne() {
        try (TestEngine engine = new TestEngine(256 * 1024, 0, 0, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("interrupted", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            Thread.currentThread().interrupt();
            try {
                for (int key = 0; key < 2000; key++) {
                    cache.put(key, value(key, 1, 1000));
                }
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept for the caller");
            } finally {
                Thread.interrupted();
            }
            for (int key = 0; key < 2000; key++) {
                assertEquals(1, checkWhole(key, cache.get(key)), "key " + key);
            }
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(Tier.HEAP).demotions() > 1000, "most entries moved to disk");
            assertEquals(0, stats.errors());
            cache.close();
        }
    }
}
