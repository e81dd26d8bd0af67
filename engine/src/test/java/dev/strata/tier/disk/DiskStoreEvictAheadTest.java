package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DiskStore#evictAhead}: a store that evicts ahead frees room before a writer finds the quota full, on the
 * compactor, and reports what it dropped; one that does not refuses a put once the quota is full.
 */
class DiskStoreEvictAheadTest {

    private static final int VALUE_BYTES = 1000;
    private static final long SEGMENT = DiskTestSupport.SMALL_SEGMENT;
    /** Sixteen segments, as the engine sizes them. */
    private static final long QUOTA = 16 * SEGMENT;
    /** Puts of about four times the quota. */
    private static final int KEYS = (int) (4 * QUOTA / VALUE_BYTES);

    @TempDir
    Path dir;

    /**
     * With the compactor running its tasks in the writing thread, every put is followed by the eviction it handed
     * over: no put is refused, the quota never fills past its headroom, and each eviction's keys reach the listener.
     */
    @ParameterizedTest(name = "persistent={0}")
    @ValueSource(booleans = {false, true})
    void aStoreThatEvictsAheadNeverFindsTheQuotaFull(boolean persistent) throws IOException {
        DiskQuota quota = new DiskQuota(QUOTA);
        AtomicLong reported = new AtomicLong();
        try (DiskStore store = DiskStore.open(dir, persistent ? persistentConfig() : transientConfig(), quota,
                Runnable::run)) {
            store.evictAhead(reported::addAndGet);
            for (int k = 0; k < KEYS; k++) {
                assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, k)), k % 2 == 0), "put " + k);
                assertFalse(quota.nearlyFull(SEGMENT / 2), "after put " + k + ": " + quota);
                assertTrue(quota.usedBytes() <= QUOTA, "after put " + k + ": " + quota);
            }
            DiskStoreStats stats = store.stats();
            assertEquals(0, stats.quotaRefusals());
            assertTrue(stats.evictedSegments() >= 3, "evicted " + stats.evictedSegments() + " segments");
            assertEquals(stats.evictedSegments(), stats.evictedAhead(), "every eviction was ahead");
            assertEquals(stats.evictedRecords(), reported.get(), "the listener heard of every key dropped");
            assertEquals(KEYS - stats.evictedRecords(), store.size());
            assertArrayEquals(value(VALUE_BYTES, KEYS - 1), store.get(key(KEYS - 1)), "the newest key stays");
            assertNull(store.get(key(0)), "the oldest key left");
        }
    }

    /**
     * When the quota counts as nearly full: less than the headroom free in files, spare files counted as free (a
     * reservation deletes them first), or less than the headroom's share of the index limit free.
     */
    @Test
    void theQuotaIsNearlyFullWhenFilesOrIndexLeaveLessThanTheHeadroom() throws IOException {
        DiskQuota files = new DiskQuota(1000);
        assertTrue(files.tryReserve(899));
        assertFalse(files.nearlyFull(100), "101 bytes free");
        assertTrue(files.tryReserve(2));
        assertTrue(files.nearlyFull(100), "99 bytes free");

        SpareFiles spares = new SpareFiles(dir, files, 1000);
        Path spare = Files.write(spares.newName(), new byte[10]);
        assertTrue(spares.offer(spare, 10));              // its 10 bytes are part of the 901 reserved
        assertFalse(files.nearlyFull(100), "99 free and a spare of 10 a reservation would delete");
        spares.close();                                   // deletes the spare and releases its bytes
        assertEquals(891, files.usedBytes());

        DiskQuota index = new DiskQuota(1000, 400);
        index.chargeIndex(359);
        assertFalse(index.nearlyFull(100), "41 of 400 index bytes free, more than a tenth");
        index.chargeIndex(2);
        assertTrue(index.nearlyFull(100), "39 of 400 index bytes free, less than a tenth");
        assertFalse(new DiskQuota(1000).nearlyFull(100), "no index limit: only the files count");
    }

    /** The same store without {@code evictAhead} evicts nothing itself: a put into the full quota is refused. */
    @Test
    void aStoreThatDoesNotEvictAheadRefusesWhenFull() throws IOException {
        DiskQuota quota = new DiskQuota(QUOTA);
        try (DiskStore store = DiskStore.open(dir, transientConfig(), quota, Runnable::run)) {
            int k = 0;
            while (store.put(key(k), segmentOf(value(VALUE_BYTES, k)))) {
                k++;
                assertTrue(k < KEYS, "the quota never refused");
            }
            assertEquals(0, store.stats().evictedSegments());
            assertEquals(1, store.stats().quotaRefusals());
            assertEquals(k, store.size(), "everything put is held");
        }
    }

    /**
     * A persistent store that evicted ahead reopens with exactly the keys it held: the eviction ahead is the same
     * segment eviction as {@link DiskStore#evictOldest()}, with its file deleted before the keys leave.
     */
    @Test
    void aPersistentStoreReopensWithTheKeysItHeldAfterEvictingAhead() throws IOException {
        DiskQuota quota = new DiskQuota(QUOTA);
        Set<Integer> held = new HashSet<>();
        try (DiskStore store = DiskStore.open(dir, persistentConfig(), quota, Runnable::run)) {
            store.evictAhead(dropped -> { });
            for (int k = 0; k < KEYS; k++) {
                store.put(key(k), segmentOf(value(VALUE_BYTES, k)));
                if (k % 7 == 0) {
                    store.remove(key(k / 2));
                }
            }
            assertTrue(store.stats().evictedAhead() > 0);
            for (int k = 0; k < KEYS; k++) {
                if (store.containsKey(key(k))) {
                    held.add(k);
                }
            }
        }
        try (DiskStore reopened = DiskStore.open(dir, persistentConfig(), new DiskQuota(QUOTA), Runnable::run)) {
            for (int k = 0; k < KEYS; k++) {
                if (held.contains(k)) {
                    assertArrayEquals(value(VALUE_BYTES, k), reopened.get(key(k)), "key " + k);
                } else {
                    assertNull(reopened.get(key(k)), "key " + k + " was evicted or removed before the close");
                }
            }
        }
    }

    /**
     * On a real compactor thread, the evictions ahead run there. Writes may outrun it; a put the quota refuses is
     * retried after an eviction in the writing thread, as the cache does. Every key written last stays.
     */
    @Test
    void evictionsAheadRunOnTheCompactorsThread() throws IOException {
        DiskQuota quota = new DiskQuota(QUOTA);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicLong reported = new AtomicLong();
        long evictedInline = 0;
        try (DiskCompactor compactor = new DiskCompactor(DiskTestSupport.COMPACTOR_THREAD);
             DiskStore store = DiskStore.open(dir, transientConfig(), quota, compactor)) {
            store.evictAhead(dropped -> {
                threads.add(Thread.currentThread().getName());
                reported.addAndGet(dropped);
            });
            int k = 0;
            for (; k < KEYS || store.stats().evictedAhead() == 0; k++) {
                assertTrue(k < 100 * KEYS, "no eviction ahead after " + k + " puts");
                while (!store.put(key(k), segmentOf(value(VALUE_BYTES, k)))) {
                    evictedInline += Math.max(0, store.evictOldest());
                }
            }
            assertEquals(Set.of(DiskTestSupport.COMPACTOR_THREAD), threads);
            assertArrayEquals(value(VALUE_BYTES, k - 1), store.get(key(k - 1)));
            assertTrue(quota.usedBytes() <= QUOTA, quota.toString());
            store.close();
            compactor.close();                             // the eviction it may be running has reported
            assertEquals(store.stats().evictedRecords(), reported.get() + evictedInline,
                    "each key dropped was reported once, by the compactor or the writer");
        }
    }

    /** An eviction handed over before the store closed does nothing when it runs, and throws nothing. */
    @Test
    void anEvictionHandedOverBeforeCloseDoesNothingAfterIt() throws IOException {
        DiskQuota quota = new DiskQuota(QUOTA);
        List<Runnable> handedOver = new ArrayList<>();
        AtomicLong reported = new AtomicLong();
        DiskStore store = DiskStore.open(dir, transientConfig(), quota, handedOver::add);
        store.evictAhead(reported::addAndGet);
        int handedBefore = 0;
        for (int k = 0; !quota.nearlyFull(SEGMENT / 2); k++) {   // the put that makes it so hands the eviction over
            handedBefore = handedOver.size();
            assertTrue(store.put(key(k), segmentOf(value(VALUE_BYTES, k))), "put " + k);
        }
        assertTrue(handedOver.size() > handedBefore, "the last put handed a task over");
        store.close();
        for (Runnable task : handedOver) {
            task.run();
        }
        assertEquals(0, reported.get());
        assertEquals(0, store.stats().evictedSegments());
        assertEquals(0, quota.usedBytes(), "a transient store's files are gone");
        assertThrows(IllegalStateException.class, () -> store.put(key(0), segmentOf(value(1, 0))));
    }
}
