package dev.strata.bench;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The counting part of the tour: two threads count words into a three-tier cache with {@code merge} while the
 * counters move between its tiers (the heap and off-heap tiers hold 256 KiB each), then one walk of the cache
 * ({@code for (var entry : cache)}) adds the counts up: none may be lost or made twice.
 */
final class CountingTour {

    private static final int WORDS = 30_000;
    private static final int THREADS = 2;
    private static final int COUNTS_PER_THREAD = 200_000;

    private CountingTour() {
    }

    static void run() {
        System.out.printf(Locale.ROOT, "Counting: %d threads merge %d counts each into %d word counters (heap and "
                + "off-heap held to 256 KiB, disk below), then one walk of the cache adds them up:%n", THREADS,
                COUNTS_PER_THREAD, WORDS);
        Path dir = TierTour.scratch();
        try (Engine engine = Engine.builder().name("tour-counting").heap(DataSize.ofMebibytes(64))
                .offHeap(DataSize.ofMebibytes(64), OffHeapBackend.ARENA).disk(dir, DataSize.ofMebibytes(256)).build();
             Cache<String, Long> counts = engine.newCache("counts", Codecs.utf8(), Codecs.int64())
                     .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).maximumSize(Tier.HEAP, DataSize.ofKibibytes(256))
                     .maximumSize(Tier.OFF_HEAP, DataSize.ofKibibytes(256)).build()) {
            long start = System.nanoTime();
            count(counts);
            long countNanos = System.nanoTime() - start;
            start = System.nanoTime();
            long sum = 0;
            long words = 0;
            for (Map.Entry<String, Long> entry : counts) {
                sum += entry.getValue();
                words++;
            }
            long walkNanos = System.nanoTime() - start;
            long made = (long) THREADS * COUNTS_PER_THREAD;
            CacheStats stats = counts.stats();
            System.out.printf(Locale.ROOT, "  merged %d counts in %.0f ms; the walk found %d words in %.0f ms (heap %d, "
                    + "off-heap %d, disk %d), counting %d: %s%n", made, countNanos / 1e6, words, walkNanos / 1e6,
                    counts.size(Tier.HEAP), counts.size(Tier.OFF_HEAP), counts.size(Tier.DISK), sum,
                    sum == made ? "none lost" : (made - sum) + " LOST");
            System.out.printf(Locale.ROOT, "  meanwhile counters moved down a tier %d times (each merge's new value "
                    + "lands in the heap tier, as a put's does)%n",
                    stats.tier(Tier.HEAP).demotions() + stats.tier(Tier.OFF_HEAP).demotions());
            if (sum != made) {
                throw new IllegalStateException("counts lost: " + (made - sum) + " of " + made);
            }
        } finally {
            TierTour.delete(dir);
        }
        System.out.println();
    }

    /** Runs the counting threads: skewed words (a few counted often, most seldom), one {@code merge} per count. */
    private static void count(Cache<String, Long> counts) {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            SplittableRandom random = new SplittableRandom(11 + t);
            threads.add(Thread.ofPlatform().name("tour-counter-" + t).start(() -> {
                for (int i = 0; i < COUNTS_PER_THREAD; i++) {
                    int word = (int) (WORDS * Math.pow(random.nextDouble(), 3));
                    counts.merge("word-" + word, 1L, Long::sum);
                }
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while counting", e);
            }
        }
    }
}
