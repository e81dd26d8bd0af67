package dev.strata.memory;

import static dev.strata.memory.AllocatorFixtures.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two threads allocate and free at random, near the budget, and hand pages to each other to free. No page may ever be
 * held by two owners at once, no page's bytes may change while held, and everything balances at the end.
 */
class PageAllocatorStressTest {

    private static final long PAGE = 4096;
    /** 64 pages in slabs of 8 (the allocator grows under contention), held up to ~36 per thread: frequent refusals. */
    private static final long BUDGET = 64 * PAGE;
    private static final long SLAB = 8 * PAGE;
    private static final int OPERATIONS = 150_000;
    private static final int MAX_HELD = 36;
    private static final long[] SEEDS = {0x5EED_0001L, 0x5EED_0002L};

    @ParameterizedTest
    @EnumSource(SlabSourceKind.class)
    void twoThreadsNeverShareAPageAndNothingLeaks(SlabSourceKind kind) throws Exception {
        AllocatorFixtures.assumeAvailable(kind);
        try (PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("stress-" + kind, kind, PAGE, SLAB,
                BUDGET, true, false))) {
            AtomicIntegerArray holder = new AtomicIntegerArray(1 << 16);
            List<ConcurrentLinkedQueue<Held>> inboxes = List.of(new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>());
            CyclicBarrier start = new CyclicBarrier(2);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Worker[] workers = new Worker[2];
            Thread[] threads = new Thread[2];
            for (int t = 0; t < 2; t++) {
                workers[t] = new Worker(t + 1, allocator, holder, inboxes.get(t), inboxes.get(1 - t), SEEDS[t]);
                Worker worker = workers[t];
                threads[t] = new Thread(() -> {
                    try {
                        start.await();
                        worker.run();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        start.reset();
                    }
                }, "stress-" + t);
                threads[t].start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a worker failed", failure.get());
            }
            for (int t = 0; t < 2; t++) {
                workers[t].freeEverything();   // pages handed over after the receiver stopped
            }
            assertBalanced(allocator, 0);
            assertEquals(BUDGET, allocator.stats().bytesReserved(), "the budget was reached");
            assertTrue(workers[0].refusals + workers[1].refusals > 0, "the budget was hit");
            assertTrue(workers[0].handedOver > 0 && workers[1].handedOver > 0, "pages crossed threads");
            for (int i = 0; i < holder.length(); i++) {
                assertEquals(0, holder.get(i), "page " + i + " still marked held");
            }
        }
    }

    /** A page and the stamp its holder wrote into it. */
    private record Held(Page page, long stamp) {
    }

    private static final class Worker {

        private final int id;
        private final PageAllocator allocator;
        private final AtomicIntegerArray holder;
        private final ConcurrentLinkedQueue<Held> inbox;
        private final ConcurrentLinkedQueue<Held> outbox;
        private final SplittableRandom random;
        private final List<Held> held = new ArrayList<>();
        int refusals;
        int handedOver;

        Worker(int id, PageAllocator allocator, AtomicIntegerArray holder, ConcurrentLinkedQueue<Held> inbox,
               ConcurrentLinkedQueue<Held> outbox, long seed) {
            this.id = id;
            this.allocator = allocator;
            this.holder = holder;
            this.inbox = inbox;
            this.outbox = outbox;
            this.random = new SplittableRandom(seed);
        }

        void run() {
            for (int op = 0; op < OPERATIONS; op++) {
                int choice = random.nextInt(10);
                if (choice < 5 && held.size() < MAX_HELD) {
                    allocateOne();
                } else if (choice < 8 && !held.isEmpty()) {
                    freeOne(held.remove(random.nextInt(held.size())));
                } else if (choice == 8 && !held.isEmpty()) {
                    outbox.add(held.remove(random.nextInt(held.size())));
                    handedOver++;
                } else {
                    drainInbox();
                }
            }
            freeEverything();
        }

        void freeEverything() {
            drainInbox();
            held.forEach(this::freeOne);
            held.clear();
        }

        private void allocateOne() {
            Page page = allocator.tryAllocate(this);
            if (page == null) {
                refusals++;
                return;
            }
            int previous = holder.compareAndExchange(page.pageNumber(), 0, id);
            if (previous != 0) {
                throw new AssertionError("page " + page.pageNumber() + " handed to worker " + id + " while worker "
                        + previous + " holds it");
            }
            long stamp = random.nextLong();
            page.putLong(0, stamp);
            page.putLong(PAGE - 8, ~stamp);
            held.add(new Held(page, stamp));
        }

        private void freeOne(Held entry) {
            Page page = entry.page();
            if (page.getLong(0) != entry.stamp() || page.getLong(PAGE - 8) != ~entry.stamp()) {
                throw new AssertionError("bytes of " + page + " changed while held");
            }
            holder.set(page.pageNumber(), 0);   // before free: the next holder may take it at once
            allocator.free(page);
        }

        private void drainInbox() {
            for (Held entry = inbox.poll(); entry != null; entry = inbox.poll()) {
                freeOne(entry);
            }
        }
    }
}
