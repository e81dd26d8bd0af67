package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link StorageCredit}: the manager always sees charged bytes plus the credit, the credit stays within two chunks,
 * refusals still happen at the region's limit, and draining returns everything. A credit with a limit never holds
 * more than the limit from the manager ({@link StorageCredit#granted()}, which is what the manager counts) and refuses
 * past it while the manager has room, keeps a chunk of at most a sixteenth of it, says when a charge would pass it
 * ({@link StorageCredit#wouldPassLimit}), gets room back from releases, and stays within it under two threads.
 */
class StorageCreditTest {

    private static final long REGION = 1 << 20;            // chunk = REGION / 256 = 4 KiB
    private static final long LIMIT = 32 * 1024;           // a limited credit's chunk: LIMIT / 16 = 2 KiB

    private static long used(MemoryManager memory) {
        return memory.state(MemoryMode.ON_HEAP).storageUsedBytes();
    }

    @Test
    void managerSeesChargedBytesPlusCredit() {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP);
        long charged = 0;
        for (int i = 0; i < 100; i++) {
            assertTrue(credit.acquire(100));
            charged += 100;
            assertEquals(charged + credit.bytes(), used(memory));
            assertTrue(credit.bytes() <= 2 * 4096, "credit " + credit.bytes());
        }
        for (int i = 0; i < 100; i++) {
            credit.release(100);
            charged -= 100;
            assertEquals(charged + credit.bytes(), used(memory));
            assertTrue(credit.bytes() <= 2 * 4096, "credit " + credit.bytes());
        }
        credit.drain();
        assertEquals(0, used(memory));
    }

    @Test
    void refusesWhatTheRegionCannotHold() {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP);
        assertTrue(credit.acquire(REGION - 100));               // too big for a chunk on top: taken exactly
        assertFalse(credit.acquire(200));
        assertTrue(credit.acquire(100));
        assertEquals(REGION, used(memory));
        credit.release(REGION);
        credit.drain();
        assertEquals(0, used(memory));
    }

    @Test
    void concurrentChargesBalanceOut() throws Exception {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP);
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                start.await();
                for (int op = 0; op < 200_000; op++) {
                    long bytes = 1 + (op * 31L + seed) % 700;
                    if (credit.acquire(bytes)) {
                        credit.release(bytes);
                    }
                }
            })));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(credit.bytes(), used(memory));
        credit.drain();
        assertEquals(0, used(memory));
    }

    @Test
    void aLimitedCreditRefusesPastItsLimitWhileTheManagerHasRoom() {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP, LIMIT);
        assertEquals(LIMIT, credit.limit());
        long charged = 0;
        while (credit.acquire(100)) {
            charged += 100;
            assertTrue(credit.granted() <= LIMIT, "granted " + credit.granted());
            assertTrue(charged <= LIMIT, "charged " + charged);
        }
        assertTrue(charged > LIMIT - 200, "refused only at the limit: charged " + charged);
        assertEquals(charged + credit.bytes(), credit.granted());
        assertEquals(credit.granted(), used(memory), "nothing taken for the refused charge");
        assertTrue(used(memory) + 100 <= REGION, "the manager had room");
        assertTrue(memory.acquireStorageMemory(100, MemoryMode.ON_HEAP), "and gives it to whoever asks it");
        memory.releaseStorageMemory(100, MemoryMode.ON_HEAP);
        assertTrue(credit.wouldPassLimit(100), "the refusal was the limit's");

        credit.release(charged);
        credit.drain();
        assertEquals(0, credit.granted());
        assertEquals(0, used(memory));
    }

    @Test
    void aLimitedCreditsChunkIsAtMostASixteenthOfTheLimit() {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        assertEquals(4096, new StorageCredit(memory, MemoryMode.ON_HEAP).chunk(), "the region's share, unlimited");
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP, LIMIT);
        assertTrue(credit.chunk() > 0 && credit.chunk() <= LIMIT / 16, "chunk " + credit.chunk());
        assertEquals(0, new StorageCredit(memory, MemoryMode.ON_HEAP, 15).chunk(), "a limit below 16: no chunk");

        long charged = 0;
        for (int i = 0; i < 200; i++) {
            if (credit.acquire(1 + i % 150)) {
                charged += 1 + i % 150;
            }
            assertTrue(credit.bytes() <= 2 * LIMIT / 16, "credit " + credit.bytes());
        }
        while (charged >= 100) {                       // releases grow the credit up to two chunks
            credit.release(100);
            charged -= 100;
            assertTrue(credit.bytes() <= 2 * LIMIT / 16, "credit " + credit.bytes());
        }
        credit.release(charged);
        credit.drain();
        assertEquals(0, used(memory));
    }

    @Test
    void grantedIsWhatTheManagerCounts() {
        for (long limit : new long[] {LIMIT, Long.MAX_VALUE}) {
            MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
            StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP, limit);
            SplittableRandom random = new SplittableRandom(limit);
            ArrayDeque<Long> charges = new ArrayDeque<>();
            long charged = 0;
            for (int op = 0; op < 5000; op++) {
                int choice = random.nextInt(10);
                if (choice < 6 || charges.isEmpty()) {
                    long bytes = 1 + random.nextInt(3000);
                    if (credit.acquire(bytes)) {
                        charges.add(bytes);
                        charged += bytes;
                    }
                } else if (choice < 9) {
                    long bytes = charges.poll();
                    credit.release(bytes);
                    charged -= bytes;
                } else {
                    credit.drain();
                }
                assertEquals(used(memory), credit.granted(), "limit " + limit + ", op " + op);
                assertEquals(charged + credit.bytes(), credit.granted(), "limit " + limit + ", op " + op);
                assertTrue(credit.granted() <= limit, "limit " + limit + ", op " + op);
            }
            credit.release(charged);
            credit.drain();
            assertEquals(0, credit.granted());
            assertEquals(0, used(memory));
        }
    }

    /**
     * {@code wouldPassLimit(b)} says whether taking {@code b} from the manager would pass the limit, so that a cache
     * whose credit is short knows whether other caches' memory could help: a charge larger than the credit is refused
     * exactly when it says so (a first version counted the credit too, and then sent a cache the limit had refused to
     * take other caches' entries).
     */
    @Test
    void wouldPassLimitExactlyWhenTakingTheBytesFromTheManagerPassesTheLimit() {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit unlimited = new StorageCredit(memory, MemoryMode.ON_HEAP);
        assertFalse(unlimited.wouldPassLimit(10 * REGION), "no limit, nothing passes it");
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP, LIMIT);
        SplittableRandom random = new SplittableRandom(7);
        long charged = 0;
        int refusedByTheLimit = 0;
        for (int step = 0; step < 300; step++) {
            long bytes = 1 + random.nextInt(400);
            if (credit.acquire(bytes)) {
                charged += bytes;
            } else {
                credit.release(charged / 2);
                charged -= charged / 2;
            }
            long fits = LIMIT - credit.granted();                        // the most the manager may still give
            assertFalse(credit.wouldPassLimit(fits), "step " + step + ", granted " + credit.granted());
            assertTrue(credit.wouldPassLimit(fits + 1), "step " + step);
            assertTrue(credit.wouldPassLimit(LIMIT + 1), "step " + step);

            long wanted = Math.max(credit.bytes() + 1, 1 + random.nextInt(600));   // more than the credit holds
            boolean passes = credit.wouldPassLimit(wanted);
            long granted = credit.granted();
            if (credit.acquire(wanted)) {
                assertFalse(passes, "a charge it said would pass the limit was taken, step " + step);
                charged += wanted;
            } else {
                assertTrue(passes, "refused with " + (LIMIT - granted) + " bytes under the limit, step " + step);
                assertEquals(granted, credit.granted(), "a refusal changes nothing");
                refusedByTheLimit++;
            }
        }
        assertTrue(refusedByTheLimit > 0, "the limit refused some charges");
        credit.release(charged);
        credit.drain();
        assertEquals(0, used(memory));
    }

    @Test
    void releasingBringsRoomUnderTheLimitBackAndDrainReturnsEverything() {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP, LIMIT);
        long charged = 0;
        while (credit.acquire(1000)) {
            charged += 1000;
        }
        assertFalse(credit.acquire(1000));
        credit.release(1000);
        charged -= 1000;
        assertTrue(credit.acquire(1000), "the released bytes are room again");
        charged += 1000;
        assertTrue(credit.granted() <= LIMIT);
        credit.release(3000);
        charged -= 3000;
        assertTrue(credit.acquire(2500));
        charged += 2500;
        assertTrue(credit.granted() <= LIMIT);

        credit.release(charged);
        long held = credit.bytes();
        assertTrue(held > 0, "a release keeps a chunk as credit");
        assertEquals(held, credit.granted(), "no entry charged: only the credit is granted");
        assertEquals(held, credit.drain());
        assertEquals(0, credit.bytes());
        assertEquals(0, credit.granted());
        assertEquals(0, used(memory));
        assertEquals(0, credit.drain(), "a second drain has nothing to return");
    }

    @Test
    void concurrentChargesOfALimitedCreditNeverPassItAndBalanceOut() throws Exception {
        MemoryManager memory = MemoryManager.create(MemoryManagerKind.UNIFIED, REGION, 0, 0.5);
        StorageCredit credit = new StorageCredit(memory, MemoryMode.ON_HEAP, LIMIT);
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong stillCharged = new AtomicLong();
        AtomicLong refusals = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            SplittableRandom random = new SplittableRandom(t);
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                ArrayDeque<Long> charges = new ArrayDeque<>();
                start.await();
                for (int op = 0; op < 100_000; op++) {
                    if (charges.isEmpty() || random.nextInt(3) > 0) {
                        long bytes = 1 + random.nextInt(700);
                        if (credit.acquire(bytes)) {
                            charges.add(bytes);
                            long granted = credit.granted();
                            assertTrue(granted <= LIMIT, "granted " + granted);
                        } else {
                            refusals.incrementAndGet();
                        }
                    } else {
                        credit.release(charges.poll());
                    }
                }
                stillCharged.addAndGet(charges.stream().mapToLong(Long::longValue).sum());
            })));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertTrue(refusals.get() > 1000, "the limit was reached: " + refusals.get() + " refusals");
        assertTrue(used(memory) < REGION, "by the limit, not the region");
        assertEquals(stillCharged.get() + credit.bytes(), credit.granted());
        assertEquals(credit.granted(), used(memory));
        credit.release(stillCharged.get());
        credit.drain();
        assertEquals(0, credit.granted());
        assertEquals(0, used(memory));
    }
}
