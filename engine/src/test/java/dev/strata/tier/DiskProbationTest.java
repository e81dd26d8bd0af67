package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import dev.strata.tier.disk.DiskStoreStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The disk tier's two logs (a {@code DiskStore}'s S3-FIFO in segments), seen through a cache: a put of a
 * new key goes to disk on trial, and so does an entry the heap or off-heap tier evicts from its own probation unread;
 * entries they evict from their main queues go to the disk's main log, which a scan of one-off keys does not reach.
 */
class DiskProbationTest {

    private static final int PAGE = 4096;
    private static final int SIZE = 300;
    /** A 1 MiB quota: sixteen 64 KiB segments. */
    private static final int QUOTA = 1 << 20;
    private static final int ONE_OFF = 1_000_000;

    @TempDir
    Path dir;

    /**
     * Every key read once, at once: each probation segment the full quota evicts is all read, so it frees nothing (its
     * records all move to the main log), and a put may meet several such in a row. It evicts on until one frees room:
     * no put is dropped. (Four rounds dropped about 3 puts in 200,000 into an 8 MiB quota.)
     */
    @Test
    void aFullQuotaWhoseProbationSegmentsWereAllReadDropsNoPut() {
        int keys = 40 * QUOTA / SIZE;
        try (TestEngine engine = new TestEngine(1 << 20, 0, PAGE, dir, QUOTA)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("read-once", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).build();
            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 1, SIZE));
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key + " read right after its put");
            }
            assertEquals(keys, cache.stats().tier(Tier.DISK).puts());
            assertEquals(0, cache.stats().errors());
            cache.close();
        }
    }

    /**
     * Four disk-only caches share the quota, so each holds about four of its sixteen segments, and the probation
     * segment being written alone holds more than a tenth of a cache's bytes: every key read right after its put is
     * found. (While a store evicted that segment like any other, about one put in 1,500 missed here.)
     */
    @Test
    void cachesOfUnderTenSegmentsEachFindEveryKeyReadRightAfterItsPut() {
        int keys = 10 * QUOTA / SIZE;
        try (TestEngine engine = new TestEngine(1 << 20, 0, PAGE, dir, QUOTA)) {
            List<Cache<Integer, byte[]>> caches = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                caches.add(engine.caches.newCache("share-" + i, Codecs.int32(), Codecs.bytes())
                        .tiers(Tier.DISK).build());
            }
            for (int key = 0; key < keys; key++) {
                for (Cache<Integer, byte[]> cache : caches) {
                    cache.put(key, value(key, 1, SIZE));
                    assertArrayEquals(value(key, 1, SIZE), cache.get(key), cache.name() + ", key " + key);
                }
            }
            for (Cache<Integer, byte[]> cache : caches) {
                CacheStats.TierStats disk = cache.stats().tier(Tier.DISK);
                assertTrue(disk.evictions() > keys - QUOTA / SIZE, "cycled through its share: " + disk);
                assertTrue(disk.reservedBytes() < QUOTA / 2, "under half the quota: " + disk);
                cache.close();
            }
        }
    }

    /**
     * 100 keys put and read, then one-off keys six times the quota put and never read: the read keys moved to the main
     * log when their probation segment left, and the scan cycles through probation alone. (With one log the read keys
     * got one second chance and left with the scan's second pass.) A persistent cache does the same, and a cache of
     * its name opened after it still holds the read keys.
     */
    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void aScanOfOneOffKeysSixTimesTheQuotaEvictsNoKeyReadBeforeIt(boolean persistent) {
        int hotKeys = 100;
        int scan = 6 * QUOTA / SIZE;
        try (TestEngine engine = new TestEngine(1 << 20, 0, PAGE, dir, QUOTA)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("disk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.DISK).persistent(persistent).build();
            for (int key = 0; key < hotKeys; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            for (int key = 0; key < hotKeys; key++) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "hot key " + key);
            }
            for (int key = ONE_OFF; key < ONE_OFF + scan; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            assertTrue(cache.stats().tier(Tier.DISK).evictions() > scan - QUOTA / SIZE,
                    "the scan cycled through the quota: " + cache.stats().tier(Tier.DISK));
            for (int key = 0; key < hotKeys; key++) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "hot key " + key + " after the scan");
            }
            cache.close();
            if (persistent) {
                Cache<Integer, byte[]> reopened = engine.caches.newCache("disk", Codecs.int32(), Codecs.bytes())
                        .tiers(Tier.DISK).persistent(true).build();
                for (int key = 0; key < hotKeys; key++) {
                    assertArrayEquals(value(key, 1, SIZE), reopened.get(key), "hot key " + key + " reopened");
                }
                reopened.close();
            }
        }
    }

    /**
     * Off-heap over disk, keys put and never read: every record the off-heap tier moves down left its probation
     * unread, so every one goes to disk on trial. The quota is large enough that the disk neither evicts nor compacts,
     * so its records written are the records moved down.
     */
    @Test
    void recordsLeavingOffHeapProbationUnreadGoToDiskOnTrial() {
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, PAGE, dir, 16 * QUOTA)) {
            Cache<Integer, byte[]> cache = offHeapOverDisk(engine);
            for (int key = ONE_OFF; key < ONE_OFF + 3 * 256 * 1024 / SIZE; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            DiskStoreStats disk = disk(cache);
            assertTrue(disk.recordsWritten() > 256 * 1024 / SIZE, "records moved down: " + disk);
            assertEquals(disk.recordsWritten(), disk.probationPuts(), disk.toString());
            cache.close();
        }
    }

    /**
     * Off-heap over disk, each key read right after its put: it moves to the off-heap main log when its probation page
     * is recycled, and leaves the off-heap tier from there, unread since; it goes to the disk's main log, not on trial.
     */
    @Test
    void recordsLeavingTheOffHeapMainLogGoToTheDiskMainLog() {
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, PAGE, dir, 16 * QUOTA)) {
            Cache<Integer, byte[]> cache = offHeapOverDisk(engine);
            for (int key = 0; key < 3 * 256 * 1024 / SIZE; key++) {
                cache.put(key, value(key, 1, SIZE));
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key);
            }
            DiskStoreStats disk = disk(cache);
            assertTrue(disk.recordsWritten() > 256 * 1024 / SIZE, "records moved down: " + disk);
            assertEquals(0, disk.probationPuts(), disk.toString());
            cache.close();
        }
    }

    /**
     * Heap over disk: entries put and never read leave the heap from its queue's probation and go to disk on trial;
     * entries read once after their put leave from its main queue and go to the disk's main log (the unread ones they
     * push out of the heap go on trial).
     */
    @Test
    void heapEntriesGoToDiskOnTrialOnlyIfTheyLeaveTheHeapUnread() {
        int keys = 3 * 256 * 1024 / SIZE;
        try (TestEngine engine = new TestEngine(256 * 1024, 0, PAGE, dir, 16 * QUOTA)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("heap-disk", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            for (int key = ONE_OFF; key < ONE_OFF + keys; key++) {
                cache.put(key, value(key, 1, SIZE));
            }
            DiskStoreStats unread = disk(cache);
            assertTrue(unread.recordsWritten() > keys / 2, "entries moved down: " + unread);
            assertEquals(unread.recordsWritten(), unread.probationPuts(), unread.toString());
            long stillOnHeap = cache.size(Tier.HEAP);              // unread: on trial if the next keys push them out

            for (int key = 0; key < keys; key++) {
                cache.put(key, value(key, 1, SIZE));
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key);
            }
            DiskStoreStats read = disk(cache);
            assertTrue(read.recordsWritten() - unread.recordsWritten() > keys / 2, "entries moved down: " + read);
            long onTrial = read.probationPuts() - unread.probationPuts();
            assertTrue(onTrial <= stillOnHeap, onTrial + " on trial, " + stillOnHeap + " unread entries were left");
            assertTrue(read.recordsWritten() - unread.recordsWritten() - onTrial > keys / 2, read.toString());
            cache.close();
        }
    }

    /**
     * Heap over disk: an entry promoted from disk on a hit starts in the heap queue's main queue (it proved itself
     * below), so it does not leave the heap unread from probation, on trial, at the next eviction. The key left the
     * heap from main, so the ghost does not remember it: only the move puts it in main.
     */
    @Test
    void anEntryPromotedFromDiskStartsInTheHeapMainQueue() {
        try (TestEngine engine = new TestEngine(256 * 1024, 0, PAGE, dir, 16 * QUOTA)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("promoted", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).promotion(Promotion.ON_HIT).build();
            int key = 0;
            cache.put(key, value(key, 1, SIZE));
            cache.get(key);                                        // read: it leaves the heap from main, no ghost
            Tiers<Integer, byte[]> tiers = ((TieredCache<Integer, byte[]>) cache).tiersImpl();
            int hash = KeyIndex.hash(key);
            for (int next = ONE_OFF; onHeap(tiers, key, hash); next++) {
                cache.put(next, value(next, 1, SIZE));
                cache.get(next);                                   // so main fills and turns over
            }
            assertArrayEquals(value(key, 1, SIZE), cache.get(key), "read on disk, promoted");
            synchronized (tiers.index.stripe(hash)) {
                Node<Integer, byte[]> node = tiers.index.stripe(hash).nodes.find(key, hash);
                assertNotNull(node, "the key is on the heap again");
                assertTrue(node.inMain, "in the heap queue's main queue");
            }
            cache.close();
        }
    }

    private static boolean onHeap(Tiers<Integer, byte[]> tiers, int key, int hash) {
        synchronized (tiers.index.stripe(hash)) {
            return tiers.index.stripe(hash).nodes.find(key, hash) != null;
        }
    }

    private static Cache<Integer, byte[]> offHeapOverDisk(TestEngine engine) {
        return engine.caches.newCache("two-tiers", Codecs.int32(), Codecs.bytes()).tiers(Tier.OFF_HEAP, Tier.DISK)
                .build();
    }

    private static DiskStoreStats disk(Cache<Integer, byte[]> cache) {
        DiskStoreStats stats = ((TieredCache<Integer, byte[]>) cache).tiersImpl().disk().stats();
        assertEquals(0, stats.evictedSegments() + stats.compactions() + stats.secondChances(),
                "the disk wrote nothing but the records moved down: " + stats);
        return stats;
    }
}
