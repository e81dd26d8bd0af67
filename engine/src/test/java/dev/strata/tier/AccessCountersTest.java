package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Hits, misses and puts counted per thread without atomics are exact once the counting threads are done: from concurrent
 * platform threads, from virtual threads (shared adders), and across many short-lived threads whose cells are folded
 * away as they end.
 */
class AccessCountersTest {

    @Test
    void aHitCountsAMissInEveryTierAboveIt() {
        AccessCounters counters = new AccessCounters(3);
        counters.hit(0);
        counters.hit(2);
        counters.miss();
        assertEquals(1, counters.hits(0));
        assertEquals(0, counters.hits(1));
        assertEquals(1, counters.hits(2));
        assertEquals(2, counters.misses(0), "the hit in tier 2 and the miss");
        assertEquals(2, counters.misses(1));
        assertEquals(1, counters.misses(2), "only the miss");
    }

    @Test
    void putsAreCountedApartFromHitsAndMisses() {
        AccessCounters counters = new AccessCounters(2);
        counters.put(1);
        counters.put(1);
        counters.hit(0);
        assertEquals(0, counters.puts(0));
        assertEquals(2, counters.puts(1));
        assertEquals(1, counters.hits(0));
        assertEquals(0, counters.hits(1));
        assertEquals(0, counters.misses(1));
    }

    @Test
    void concurrentPlatformAndVirtualThreadsAreCountedExactly() throws Exception {
        AccessCounters counters = new AccessCounters(2);
        int threads = 4;
        int each = 200_000;
        CyclicBarrier start = new CyclicBarrier(2 * threads);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < 2 * threads; t++) {
            Runnable count = () -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < each; i++) {
                    counters.hit(i & 1);
                    if (i % 4 == 0) {
                        counters.miss();
                        counters.put(1);
                    }
                }
            };
            all.add(t < threads ? Thread.ofPlatform().start(count) : Thread.ofVirtual().start(count));
        }
        for (Thread thread : all) {
            thread.join();
        }
        long total = 2L * threads * each;
        assertEquals(total / 2, counters.hits(0));
        assertEquals(total / 2, counters.hits(1));
        assertEquals(total / 4, counters.misses(1));
        assertEquals(total / 2 + total / 4, counters.misses(0), "tier 1's hits miss in tier 0");
        assertEquals(total / 4, counters.puts(1));
        assertEquals(0, counters.puts(0));
    }

    @Test
    void moreLiveThreadsThanSlotsAreCountedExactly() throws Exception {
        AccessCounters counters = new AccessCounters(3);
        int threads = 8 * Math.max(16, 4 * Runtime.getRuntime().availableProcessors());  // several times the slots
        CountDownLatch running = new CountDownLatch(threads);
        AtomicBoolean stop = new AtomicBoolean();
        long[] counted = new long[threads];
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            all.add(Thread.ofPlatform().start(() -> {
                running.countDown();
                long n = 0;
                while (!stop.get()) {                      // all alive at once: most find no slot of their own
                    counters.hit(2);
                    counters.put((int) (n % 3));
                    n++;
                }
                counted[me] = n;
            }));
        }
        running.await();
        Thread.sleep(200);                                 // how long they count together; any length will do
        stop.set(true);
        long total = 0;
        long putsInTier0 = 0;
        for (int t = 0; t < threads; t++) {
            all.get(t).join();
            total += counted[t];
            putsInTier0 += (counted[t] + 2) / 3;
        }
        assertEquals(total, counters.hits(2));
        assertEquals(total, counters.misses(0), "each hit in tier 2 misses in the tiers above it");
        assertEquals(total, counters.misses(1));
        assertEquals(0, counters.misses(2));
        assertEquals(total, counters.puts(0) + counters.puts(1) + counters.puts(2));
        assertEquals(putsInTier0, counters.puts(0));
    }

    @Test
    void countsOfThreadsThatEndedSurviveTheirCellsBeingFolded() throws Exception {
        AccessCounters counters = new AccessCounters(1);
        int threads = 200;                                     // many times the sweep threshold
        for (int t = 0; t < threads; t++) {
            Thread thread = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10; i++) {
                    counters.hit(0);
                }
            });
            thread.join();
        }
        counters.hit(0);
        assertEquals(10L * threads + 1, counters.hits(0));
    }
}
