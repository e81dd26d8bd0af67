package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.MemoryMode;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent readers and writers on a heap + off-heap + disk cache small enough that eviction and spill run all the
 * time, while a squeezer takes execution memory (reclaiming storage) round after round; every read is checked
 * against a model (run by {@code ConcurrentModelIT}).
 *
 * <p>{@value #WORKERS} workers each own the keys {@code k} with {@code k % WORKERS == worker} among {@value #KEYS}
 * and keep a model (key to last value written) of them. Each does {@value #OPS_PER_WORKER} seeded random operations:
 * reads of any key (an owned key must read exactly as the model says; any other key must read as a value written
 * for it), puts, removes, {@code putIfAbsent} and {@code computeIfAbsent} on owned keys. Values are
 * {@link CheckedValue}s of 64 B to 20 KiB. The disk quota is large, so nothing may be dropped: a read of an owned key
 * returning null where the model has a value is a failure. Afterwards every owned key is checked once more.
 *
 * <p>Everything is bounded: a fixed number of operations, a latch for the workers, and a {@link Watchdog} that dumps
 * all threads and halts the JVM if the run takes longer than {@value #WATCHDOG_SECONDS} s (a deadlock).
 *
 * <p>Facts: {@code ops}, {@code mismatches}, {@code firstMismatch}, {@code squeezeRounds},
 * {@code evictedForExecution}, {@code demotions.TIER}, {@code errors}. {@code args[0]}: the disk directory.
 */
public final class ConcurrentModelScenario {

    static final int WORKERS = 4;
    static final int KEYS = 4_096;
    static final int OPS_PER_WORKER = 12_000;
    static final long WATCHDOG_SECONDS = 90;

    private ConcurrentModelScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args {@code args[0]}: the disk directory
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> run(report, Path.of(args[0])));
    }

    private static void run(ScenarioReport report, Path disk) throws Exception {
        AtomicLong mismatches = new AtomicLong();
        AtomicLong ops = new AtomicLong();
        Watchdog watchdog = Watchdog.start(report, Duration.ofSeconds(WATCHDOG_SECONDS));
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                     .offHeap(DataSize.ofMebibytes(8), OffHeapBackend.ARENA).disk(disk, DataSize.ofGibibytes(1))
                     .build();
             Cache<Long, byte[]> cache = engine.newCache("model", Codecs.int64(), Codecs.bytes())
                     .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).build()) {
            CountDownLatch workersDone = new CountDownLatch(WORKERS);
            AtomicBoolean stopSqueezing = new AtomicBoolean();
            AtomicLong squeezeRounds = new AtomicLong();
            Thread squeezer = Thread.ofPlatform().name("squeezer").start(() -> squeeze(engine, stopSqueezing,
                    squeezeRounds, report));
            for (int worker = 0; worker < WORKERS; worker++) {
                int id = worker;
                Thread.ofPlatform().name("worker-" + id).start(() -> {
                    try {
                        work(id, cache, ops, mismatches, report);
                    } catch (RuntimeException | Error e) {
                        mismatches.incrementAndGet();
                        report.put("worker" + id + ".thrown", e);
                        e.printStackTrace();
                    } finally {
                        workersDone.countDown();
                    }
                });
            }
            workersDone.await();
            stopSqueezing.set(true);
            squeezer.join();
            CacheStats stats = cache.stats();
            report.put("ops", ops.get());
            report.put("mismatches", mismatches.get());
            report.put("squeezeRounds", squeezeRounds.get());
            report.put("evictedForExecution", engine.stats().manager().storageEvictedForExecutionBytes());
            report.put("storageUsed.heap", engine.stats().pool(MemoryMode.ON_HEAP).storageUsedBytes());
            for (CacheStats.TierStats tier : stats.tiers()) {
                report.put("demotions." + tier.tier(), tier.demotions());
                report.put("evictions." + tier.tier(), tier.evictions());
            }
            report.put("errors", stats.errors());
            report.check("matchesModel", mismatches.get() == 0);
            report.check("allOpsRan", ops.get() == (long) WORKERS * OPS_PER_WORKER);
            report.check("executionReclaimedStorage", engine.stats().manager().storageEvictedForExecutionBytes() > 0);
            report.check("spilled", stats.tier(Tier.HEAP).demotions() > 0 && stats.tier(Tier.OFF_HEAP).demotions() > 0);
        } finally {
            watchdog.close();                          // after the engine's close, which it guards too
        }
    }

    private static void squeeze(Engine engine, AtomicBoolean stop, AtomicLong rounds, ScenarioReport report) {
        ExecutionSqueeze squeeze = new ExecutionSqueeze(engine, 1_000_000);
        try {
            for (int round = 0; round < 100_000 && !stop.get(); round++) {
                squeeze.round();
                rounds.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            report.put("squeezer.thrown", e);
            e.printStackTrace();
        }
    }

    private static void work(int worker, Cache<Long, byte[]> cache, AtomicLong ops, AtomicLong mismatches,
                             ScenarioReport report) {
        Random random = new Random(worker * 7919L + 1);
        Map<Long, byte[]> model = new HashMap<>();
        long sequence = 0;
        for (int op = 0; op < OPS_PER_WORKER; op++) {
            long owned = (long) random.nextInt(KEYS / WORKERS) * WORKERS + worker;
            int dice = random.nextInt(100);
            String problem = null;
            if (dice < 45) {
                long key = random.nextInt(KEYS);
                byte[] value = cache.get(key);
                if (key % WORKERS == worker) {
                    problem = java.util.Arrays.equals(value, model.get(key)) ? null : "get of owned key " + key;
                } else if (value != null && CheckedValue.sequenceOf(key, value) == CheckedValue.INVALID) {
                    problem = "get of key " + key + " returned a value not written for it";
                }
            } else if (dice < 80) {
                byte[] value = CheckedValue.of(owned, ++sequence, 64 + random.nextInt(20_000));
                cache.put(owned, value);
                model.put(owned, value);
            } else if (dice < 88) {
                boolean removed = cache.remove(owned);
                problem = removed == model.containsKey(owned) ? null : "remove of " + owned + " returned " + removed;
                model.remove(owned);
            } else if (dice < 94) {
                byte[] value = CheckedValue.of(owned, ++sequence, 64 + random.nextInt(2_000));
                byte[] existing = cache.putIfAbsent(owned, value);
                problem = java.util.Arrays.equals(existing, model.get(owned)) ? null : "putIfAbsent of " + owned;
                model.putIfAbsent(owned, value);
            } else {
                byte[] loaded = CheckedValue.of(owned, ++sequence, 64 + random.nextInt(2_000));
                byte[] value = cache.computeIfAbsent(owned, k -> loaded);
                byte[] expected = model.computeIfAbsent(owned, k -> loaded);
                problem = java.util.Arrays.equals(value, expected) ? null : "computeIfAbsent of " + owned;
            }
            ops.incrementAndGet();
            if (problem != null && mismatches.getAndIncrement() == 0) {
                report.put("firstMismatch", "worker " + worker + " op " + op + ": " + problem);
            }
        }
        for (Map.Entry<Long, byte[]> entry : model.entrySet()) {
            if (!java.util.Arrays.equals(entry.getValue(), cache.get(entry.getKey()))
                    && mismatches.getAndIncrement() == 0) {
                report.put("firstMismatch", "worker " + worker + " final check of key " + entry.getKey());
            }
        }
    }
}
