package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.key;
import static dev.strata.tier.disk.DiskTestSupport.persistentConfig;
import static dev.strata.tier.disk.DiskTestSupport.segmentOf;
import static dev.strata.tier.disk.DiskTestSupport.transientConfig;
import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quota's index limit at the store: a put of a new key is refused, with nothing written, once the keys of the
 * quota's stores are charged the limit; overwrites go on; a key that leaves makes room; stores share the limit;
 * recovery charges what it finds; closing gives every charge back. Under concurrent writers, removers and evictions
 * the charges exceed the limit by at most one key per writer and always add up to the keys held.
 */
class DiskStoreIndexLimitTest {

    /** What {@code key(i)} ("key-00000", 9 bytes) is charged. */
    private static final long CHARGE = IndexTable.keyCharge(9);

    @TempDir
    Path dir;

    @Test
    void aNewKeyPastTheLimitIsRefusedWithNothingWritten() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20, 10 * CHARGE);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            for (int i = 0; i < 10; i++) {
                assertTrue(store.put(key(i), segmentOf(value(100, i))), "key " + i);
            }
            assertEquals(10 * CHARGE, quota.indexBytes());
            assertEquals(10 * CHARGE, store.indexBytes());
            long written = store.stats().recordsWritten();
            long fileBytes = store.fileBytes();

            assertFalse(store.put(key(10), segmentOf(value(100, 10))));
            assertEquals(1, store.stats().indexRefusals());
            assertEquals(0, store.stats().quotaRefusals(), "not a refusal of the file bytes");
            assertFalse(store.containsKey(key(10)));
            assertEquals(written, store.stats().recordsWritten());
            assertEquals(fileBytes, store.fileBytes());

            assertTrue(store.put(key(3), segmentOf(value(200, 33))), "an overwrite needs no new charge");
            assertArrayEquals(value(200, 33), store.get(key(3)));
            assertTrue(store.remove(key(4)));
            assertEquals(9 * CHARGE, quota.indexBytes());
            assertTrue(store.put(key(10), segmentOf(value(100, 10))), "the removal made room");
            assertArrayEquals(value(100, 10), store.get(key(10)));
            assertEquals(1, store.stats().indexRefusals());
        }
        assertEquals(0, quota.indexBytes(), "closing gives every charge back");
    }

    @Test
    void evictingTheOldestSegmentMakesRoomForNewKeys() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20, 40 * CHARGE);
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, transientConfig(), quota)) {
            int key = 0;
            while (store.put(key(key), segmentOf(value(1000, key)))) {
                key++;
            }
            assertEquals(40, key, "as many keys as the limit holds");
            assertTrue(store.evictOldest() > 0);
            assertTrue(quota.indexBytes() < 40 * CHARGE, "the evicted keys' charges went back");
            assertTrue(store.put(key(key), segmentOf(value(1000, key))));
            assertEquals(store.size() * CHARGE, quota.indexBytes());
        }
    }

    @Test
    void storesSharingAQuotaShareItsIndexLimit() throws IOException {
        DiskQuota quota = new DiskQuota(1 << 20, 20 * CHARGE);
        try (DiskStore a = DiskTestSupport.openCompactingInline(dir.resolve("a"), transientConfig(), quota);
             DiskStore b = DiskTestSupport.openCompactingInline(dir.resolve("b"), transientConfig(), quota)) {
            for (int i = 0; i < 15; i++) {
                assertTrue(a.put(key(i), segmentOf(value(100, i))));
            }
            int accepted = 0;
            while (b.put(key(accepted), segmentOf(value(100, accepted)))) {
                accepted++;
            }
            assertEquals(5, accepted);
            assertEquals(1, b.stats().indexRefusals());
            assertEquals(a.indexBytes() + b.indexBytes(), quota.indexBytes());
            a.clear();
            assertEquals(5 * CHARGE, quota.indexBytes(), "a cleared store gives its charges back");
            assertTrue(b.put(key(accepted), segmentOf(value(100, accepted))));
        }
        assertEquals(0, quota.indexBytes());
    }

    @Test
    void recoveryChargesEveryKeyItFindsEvenPastTheLimit() throws IOException {
        try (DiskStore store = DiskTestSupport.openCompactingInline(dir, persistentConfig(), new DiskQuota(1 << 20))) {
            for (int i = 0; i < 30; i++) {
                assertTrue(store.put(key(i), segmentOf(value(100, i))));
            }
            assertTrue(store.remove(key(0)));
        }
        DiskQuota smaller = new DiskQuota(1 << 20, 20 * CHARGE);
        try (DiskStore reopened = DiskTestSupport.openCompactingInline(dir, persistentConfig(), smaller)) {
            assertEquals(29, reopened.size());
            assertEquals(29 * CHARGE, smaller.indexBytes(), "recovery keeps what it finds, whatever the limit");
            assertFalse(reopened.put(key(0), segmentOf(value(100, 0))), "a new key while over the limit");
            assertTrue(reopened.put(key(1), segmentOf(value(100, 101))), "an overwrite while over the limit");
            for (int i = 2; i < 30; i++) {
                assertArrayEquals(value(100, i), reopened.get(key(i)), "key " + i);
            }
        }
        assertEquals(0, smaller.indexBytes());
    }

    @Test
    void concurrentWritersOvershootByAtMostAKeyEachAndTheChargesAddUp() throws Exception {
        long limit = 200 * CHARGE;
        DiskQuota quota = new DiskQuota(1L << 30, limit);
        AtomicLong mostCharged = new AtomicLong();
        try (DiskCompactor compactor = new DiskCompactor(DiskTestSupport.COMPACTOR_THREAD);
             DiskStore store = DiskStore.open(dir, transientConfig(), quota, compactor)) {
            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(WriterValues.guarded(failures, () -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    for (int op = 0; op < 20_000; op++) {
                        int k = random.nextInt(5_000);
                        if (random.nextInt(4) == 0) {
                            store.remove(key(k));
                        } else if (!store.put(key(k), segmentOf(value(100 + random.nextInt(900), k)))) {
                            store.evictOldest();               // what a cache does when its store refuses
                        }
                    }
                })));
            }
            Thread watcher = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    mostCharged.accumulateAndGet(quota.indexBytes(), Math::max);
                }
            });
            for (Thread writer : writers) {
                writer.join();
            }
            running.set(false);
            watcher.join();
            assertTrue(failures.isEmpty(), () -> failures.peek().toString());
            assertTrue(store.stats().indexRefusals() > 0, "the limit was reached");
            assertTrue(mostCharged.get() <= limit + 2 * CHARGE, mostCharged.get() + " charged of " + limit);
            assertEquals(store.size() * CHARGE, quota.indexBytes());
            assertEquals(store.indexBytes(), quota.indexBytes());
        }
        assertEquals(0, quota.indexBytes());
    }
}
