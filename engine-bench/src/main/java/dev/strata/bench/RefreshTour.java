package dev.strata.bench;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The refreshing part of the tour: a three-tier cache in front of a slow source whose values change all the time,
 * built with {@code refreshAfterWrite}. Two threads read it for two seconds; values older than the interval are
 * reloaded on virtual threads (the loads only wait, as on a remote source) while the readers go on with the value
 * they found, so no read waits for a load. The tour prints how many reads were served beside how many loads, and how
 * stale the values read were (in versions of the source); it fails if a read found no value.
 */
final class RefreshTour {

    private static final int KEYS = 1_000;
    private static final int READERS = 2;
    private static final long READ_NANOS = Duration.ofSeconds(2).toNanos();
    /** The source's values move on a version this often. */
    private static final long VERSION_MILLIS = 50;
    /** What one load from the source takes. */
    private static final long LOAD_MILLIS = 20;
    private static final Duration REFRESH = Duration.ofMillis(200);

    private RefreshTour() {
    }

    static void run() {
        System.out.printf(Locale.ROOT, "Refreshing: %d threads read %d keys for 2 s from a three-tier cache in front "
                + "of a source that takes %d ms per load and moves on a version every %d ms (heap and off-heap held to "
                + "16 KiB), refreshAfterWrite(%d ms) on virtual threads:%n", READERS, KEYS, LOAD_MILLIS, VERSION_MILLIS,
                REFRESH.toMillis());
        Path dir = TierTour.scratch();
        long start = System.nanoTime();
        try (ExecutorService loaders = Executors.newVirtualThreadPerTaskExecutor();
             Engine engine = Engine.builder().name("tour-refresh").heap(DataSize.ofMebibytes(64))
                     .offHeap(DataSize.ofMebibytes(64), OffHeapBackend.ARENA).pageSize(DataSize.ofKibibytes(4))
                     .disk(dir, DataSize.ofMebibytes(256)).build();
             Cache<Integer, Long> versions = engine.newCache("versions", Codecs.int32(), Codecs.int64())
                     .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).maximumSize(Tier.HEAP, DataSize.ofKibibytes(16))
                     .maximumSize(Tier.OFF_HEAP, DataSize.ofKibibytes(16))
                     .refreshAfterWrite(REFRESH, (key, old) -> load(start), loaders).build()) {
            for (int key = 0; key < KEYS; key++) {
                versions.put(key, version(start));
            }
            Reads reads = read(versions, start);
            CacheStats stats = versions.stats();
            System.out.printf(Locale.ROOT, "  %d reads in 2 s while %d refreshes loaded in the background (%d failed, "
                    + "%.1f s of loads in all); a value read was at most %d versions (%d ms) behind the source; hits "
                    + "on the heap %d, off it %d, on disk %d%n", reads.count.get(), stats.loads(), stats.loadFailures(),
                    stats.loadNanos() / 1e9, reads.maxBehind.get(), reads.maxBehind.get() * VERSION_MILLIS,
                    stats.tier(Tier.HEAP).hits(), stats.tier(Tier.OFF_HEAP).hits(), stats.tier(Tier.DISK).hits());
            if (reads.missing.get() > 0) {
                throw new IllegalStateException(reads.missing.get() + " reads found no value");
            }
        } finally {
            TierTour.delete(dir);
        }
        System.out.println();
    }

    /** {@return the source's current version, after the time a load takes} */
    private static long load(long start) {
        try {
            Thread.sleep(LOAD_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading", e);
        }
        return version(start);
    }

    private static long version(long start) {
        return (System.nanoTime() - start) / (VERSION_MILLIS * 1_000_000);
    }

    /** What the readers saw: reads, reads that found no value, how many versions behind the source a value was. */
    private record Reads(AtomicLong count, AtomicLong missing, AtomicLong maxBehind) {
    }

    private static Reads read(Cache<Integer, Long> versions, long start) {
        Reads reads = new Reads(new AtomicLong(), new AtomicLong(), new AtomicLong());
        List<Thread> threads = new ArrayList<>();
        long end = System.nanoTime() + READ_NANOS;
        for (int t = 0; t < READERS; t++) {
            SplittableRandom random = new SplittableRandom(23 + t);
            threads.add(Thread.ofPlatform().name("tour-reader-" + t).start(() -> {
                long count = 0;
                for (; System.nanoTime() < end; count++) {
                    Long value = versions.get(random.nextInt(KEYS));
                    if (value == null) {
                        reads.missing.incrementAndGet();
                    } else {
                        reads.maxBehind.accumulateAndGet(version(start) - value, Math::max);
                    }
                }
                reads.count.addAndGet(count);
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading", e);
            }
        }
        return reads;
    }
}
