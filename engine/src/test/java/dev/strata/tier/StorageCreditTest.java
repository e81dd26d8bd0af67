package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link StorageCredit}: the manager always sees charged bytes plus the credit, the credit stays within two chunks,
 * refusals still happen at the region's limit, and draining returns everything.
 */
class StorageCreditTest {

    private static final long REGION = 1 << 20;            // chunk = REGION / 256 = 4 KiB

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
}
