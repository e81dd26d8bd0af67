package dev.strata.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.MemoryManagerKind;
import dev.strata.MemoryMode;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Long random single-threaded sequences against a reference model written from the rules, not from the code: after
 * every step the manager's pools, used bytes, active tasks and counters must equal the model's, and
 * storage + execution == region. Execution requests the model predicts would wait are not made (waiting is covered
 * by {@link ExecutionFairnessTest}).
 */
class MemoryManagerModelTest {

    private static final int STEPS = 5_000;
    private static final double[] FRACTIONS = {0.0, 0.25, 0.4, 0.5, 0.6, 0.9};

    static Stream<Arguments> seedsAndKinds() {
        return IntStream.range(0, 20).boxed()
                .flatMap(seed -> Stream.of(MemoryManagerKind.values()).map(kind -> Arguments.of(seed, kind)));
    }

    /** The reference: one mode's pools as numbers, and what each operation should do to them. */
    static final class Pools {
        final MemoryMode mode;
        final boolean unified;
        final long region;
        final long r;
        long storagePool;
        long storageUsed;
        long executionPool;
        long executionUsed;
        final TreeMap<Long, Long> held = new TreeMap<>();

        Pools(MemoryMode mode, boolean unified, long region, double fraction) {
            this.mode = mode;
            this.unified = unified;
            this.region = region;
            this.r = (long) Math.floor(region * fraction);
            this.storagePool = r;
            this.executionPool = region - r;
        }

        PoolState state() {
            return new PoolState(mode, region, r, storagePool, storageUsed, executionPool, executionUsed, held.size());
        }
    }

    /** Counters as the model expects them. */
    static final class Expected {
        long storageGrants;
        long storageRefusals;
        long borrowed;
        long executionGrants;
        long shortfalls;
        long evicted;
        long evictionCalls;

        ManagerStats stats() {
            return new ManagerStats(storageGrants, storageRefusals, borrowed, executionGrants, shortfalls, 0, evicted,
                    evictionCalls);
        }
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @MethodSource("seedsAndKinds")
    void randomSequencesMatchTheModel(int seed, MemoryManagerKind kind) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(seed * 7919L + kind.ordinal());
        boolean unified = kind == MemoryManagerKind.UNIFIED;
        double fraction = FRACTIONS[random.nextInt(FRACTIONS.length)];
        long onHeap = regionSize(random);
        long offHeap = regionSize(random);
        MemoryManager manager = MemoryManager.create(kind, onHeap, offHeap, fraction);
        TestCache cache = new TestCache(manager, 1);
        Map<MemoryMode, Pools> model = new EnumMap<>(MemoryMode.class);
        model.put(MemoryMode.ON_HEAP, new Pools(MemoryMode.ON_HEAP, unified, onHeap, fraction));
        model.put(MemoryMode.OFF_HEAP, new Pools(MemoryMode.OFF_HEAP, unified, offHeap, fraction));
        Expected expected = new Expected();

        for (int step = 0; step < STEPS; step++) {
            MemoryMode mode = random.nextBoolean() ? MemoryMode.ON_HEAP : MemoryMode.OFF_HEAP;
            Pools pools = model.get(mode);
            long taskId = random.nextInt(4);
            String op;
            switch (random.nextInt(10)) {
                case 0, 1, 2 -> {
                    long bytes = requestSize(random, pools.region);
                    op = "put " + bytes;
                    assertEquals(expectStorage(pools, bytes, expected), cache.put(bytes, mode), op);
                }
                case 3, 4 -> {
                    if (pools.storageUsed == 0) {
                        continue;
                    }
                    long bytes = 1 + random.nextLong(pools.storageUsed);
                    op = "remove " + bytes;
                    cache.remove(bytes, mode);
                    pools.storageUsed -= bytes;
                }
                case 5, 6, 7 -> {
                    long bytes = requestSize(random, pools.region);
                    op = "acquire " + bytes + " for task " + taskId;
                    long grant = expectExecution(pools, bytes, taskId, expected);
                    if (grant < 0) {
                        continue;               // the model says this would wait
                    }
                    assertEquals(grant, manager.acquireExecutionMemory(bytes, taskId, mode), op + " in " + pools.state());
                }
                case 8 -> {
                    long holds = pools.held.getOrDefault(taskId, 0L);
                    if (holds == 0) {
                        op = "over-release for task " + taskId;
                        assertThrows(IllegalArgumentException.class, () -> manager.releaseExecutionMemory(1, taskId, mode));
                        continue;
                    }
                    long bytes = 1 + random.nextLong(holds);
                    op = "release " + bytes + " for task " + taskId;
                    manager.releaseExecutionMemory(bytes, taskId, mode);
                    release(pools, taskId, bytes);
                }
                default -> {
                    op = "releaseAll for task " + taskId;
                    long total = 0;
                    for (Pools p : model.values()) {
                        long holds = p.held.getOrDefault(taskId, 0L);
                        if (holds > 0) {
                            release(p, taskId, holds);
                        }
                        total += holds;
                    }
                    assertEquals(total, manager.releaseAllExecutionMemory(taskId), op);
                }
            }
            for (Pools p : model.values()) {
                PoolState actual = manager.state(p.mode);
                assertEquals(p.state(), actual, "seed " + seed + " step " + step + " after " + op);
                assertEquals(actual.regionBytes(), actual.storagePoolBytes() + actual.executionPoolBytes());
                assertEquals(p.storageUsed, cache.cached(p.mode));
            }
            assertEquals(expected.stats(), manager.stats(), "seed " + seed + " step " + step + " after " + op);
        }
    }

    private static long regionSize(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> random.nextLong(8);               // tiny or empty regions
            default -> 100 + random.nextLong(10_000);
        };
    }

    private static long requestSize(SplittableRandom random, long region) {
        long bound = random.nextInt(8) == 0 ? region + 10 : Math.max(1, region / 3);
        return 1 + random.nextLong(bound);
    }

    private static boolean expectStorage(Pools p, long bytes, Expected expected) {
        long storageFree = p.storagePool - p.storageUsed;
        long executionFree = p.executionPool - p.executionUsed;
        boolean fits = p.unified ? bytes <= storageFree + executionFree : bytes <= storageFree;
        if (!fits) {
            expected.storageRefusals++;
            return false;
        }
        if (bytes > storageFree) {
            long borrow = bytes - storageFree;
            p.storagePool += borrow;
            p.executionPool -= borrow;
            expected.borrowed += borrow;
        }
        p.storageUsed += bytes;
        expected.storageGrants++;
        return true;
    }

    /** {@return the grant the manager must make, or -1 if the task would wait (then nothing is applied)} */
    private static long expectExecution(Pools p, long bytes, long taskId, Expected expected) {
        long holds = p.held.getOrDefault(taskId, 0L);
        int tasks = p.held.size() + (p.held.containsKey(taskId) ? 0 : 1);
        long reach = p.unified ? p.region - Math.min(p.storageUsed, p.r) : p.executionPool;
        long wanted = Math.min(bytes, Math.max(0, reach / tasks - holds));
        long executionFree = p.executionPool - p.executionUsed;
        long storageFree = p.storagePool - p.storageUsed;
        long need = Math.max(0, wanted - executionFree);
        long takeFree = p.unified ? Math.min(need, storageFree) : 0;
        long evict = p.unified ? Math.min(need - takeFree, Math.max(0, p.storageUsed - p.r)) : 0;
        long executionPoolAfter = p.executionPool + takeFree + evict;
        long grant = Math.min(wanted, executionFree + takeFree + evict);
        if (grant < bytes && holds + grant < executionPoolAfter / (2L * tasks)) {
            return -1;
        }
        p.storageUsed -= evict;
        p.storagePool -= takeFree + evict;
        p.executionPool = executionPoolAfter;
        p.executionUsed += grant;
        if (holds + grant > 0) {
            p.held.put(taskId, holds + grant);
        }
        expected.evicted += evict;
        expected.evictionCalls += evict > 0 ? 1 : 0;
        if (grant == bytes) {
            expected.executionGrants++;
        } else {
            expected.shortfalls++;
        }
        return grant;
    }

    private static void release(Pools p, long taskId, long bytes) {
        long left = p.held.get(taskId) - bytes;
        p.executionUsed -= bytes;
        if (left == 0) {
            p.held.remove(taskId);
        } else {
            p.held.put(taskId, left);
        }
    }
}
