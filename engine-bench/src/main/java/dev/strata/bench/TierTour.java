package dev.strata.bench;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The tier part of the tour: the same 1 KiB values in a one-tier cache of each tier, read and written through the
 * public API, timed with a plain loop (a first look, not a benchmark: the JMH suite that follows in the demo, and
 * {@code BenchRunner}, measure properly).
 */
final class TierTour {

    private static final int ENTRIES = 20_000;
    private static final int VALUE_BYTES = 1024;
    private static final int ROUNDS = 5;

    private TierTour() {
    }

    static void run() {
        System.out.printf(Locale.ROOT, "One-tier caches of %d entries of %d B, %d rounds of random gets and puts "
                + "(a timed loop, best round; JMH follows):%n", ENTRIES, VALUE_BYTES, ROUNDS);
        double heapGet = 0;
        for (Tier tier : Tier.values()) {
            double[] nanos = measure(tier);
            heapGet = tier == Tier.HEAP ? nanos[0] : heapGet;
            System.out.printf(Locale.ROOT, "  %-8s get %8.0f ns   put %8.0f ns   get is %5.1fx the heap tier's time%n",
                    tier, nanos[0], nanos[1], nanos[0] / heapGet);
        }
        System.out.println();
    }

    /** {@return the best round's nanoseconds per get and per put} */
    private static double[] measure(Tier tier) {
        Path dir = scratch();
        try (Engine engine = Engine.builder().name("tour-" + tier.name().toLowerCase(Locale.ROOT))
                .heap(DataSize.ofMebibytes(64)).offHeap(DataSize.ofMebibytes(64), OffHeapBackend.ARENA)
                .disk(dir, DataSize.ofMebibytes(256)).build()) {
            Cache<Integer, byte[]> cache = engine.newCache("tour", Codecs.int32(), Codecs.bytes()).tiers(tier).build();
            byte[] value = new byte[VALUE_BYTES];
            for (int i = 0; i < ENTRIES; i++) {
                cache.put(i, value);
            }
            int[] keys = new SplittableRandom(42).ints(ENTRIES, 0, ENTRIES).toArray();
            double bestGet = Double.MAX_VALUE;
            double bestPut = Double.MAX_VALUE;
            long sink = 0;
            for (int round = 0; round < ROUNDS; round++) {
                long start = System.nanoTime();
                for (int key : keys) {
                    sink += cache.get(key).length;
                }
                bestGet = Math.min(bestGet, (System.nanoTime() - start) / (double) keys.length);
                start = System.nanoTime();
                for (int key : keys) {
                    cache.put(key, value);
                }
                bestPut = Math.min(bestPut, (System.nanoTime() - start) / (double) keys.length);
            }
            if (sink != (long) ROUNDS * keys.length * VALUE_BYTES) {
                throw new IllegalStateException("a value came back with the wrong length");
            }
            return new double[] {bestGet, bestPut};
        } finally {
            delete(dir);
        }
    }

    /** {@return a new scratch directory for a tour's disk tier} */
    static Path scratch() {
        try {
            return Files.createTempDirectory("strata-tour-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and everything in it. */
    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
