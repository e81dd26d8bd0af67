package dev.strata.it.scenario;

import dev.strata.Engine;
import dev.strata.MemoryMode;
import dev.strata.exec.ExternalSorter;
import dev.strata.exec.SortedRecords;
import dev.strata.exec.TaskMemory;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Squeezes storage with execution memory the way a user's job would: each round is one task from
 * {@code engine.newTask()} that sorts, with an {@link ExternalSorter}, twice as many bytes of records as each mode's
 * region holds. Its page requests make the unified manager move cached entries down a tier (never below the
 * protected region R) and, once execution has what it may take, make the sorter spill.
 *
 * <p>One instance per squeezing thread; not thread-safe.
 */
final class ExecutionSqueeze {

    private static final int KEY_BYTES = 16;
    private static final int VALUE_BYTES = 1008;

    private final Engine engine;
    private final SplittableRandom random;

    ExecutionSqueeze(Engine engine, long seed) {
        this.engine = engine;
        this.random = new SplittableRandom(seed);
    }

    /**
     * Sorts twice each mode's region of random records and checks the output's order and count.
     *
     * @return the records sorted
     * @throws InterruptedException never here; kept so callers may treat a round as interruptible work
     * @throws IllegalStateException if the sort returned records out of order or lost some
     */
    long round() throws InterruptedException {
        long sorted = 0;
        for (MemoryMode mode : MemoryMode.values()) {
            long region = engine.stats().pool(mode).regionBytes();
            if (region > 0) {
                sorted += sort(mode, 2 * region / (KEY_BYTES + VALUE_BYTES));
            }
        }
        return sorted;
    }

    private long sort(MemoryMode mode, long records) {
        byte[] value = new byte[VALUE_BYTES];
        try (TaskMemory task = engine.newTask(); ExternalSorter sorter = new ExternalSorter(task, mode)) {
            for (long i = 0; i < records; i++) {
                byte[] key = new byte[KEY_BYTES];
                random.nextBytes(key);
                sorter.insert(key, value);
            }
            long count = 0;
            try (SortedRecords out = sorter.sortedRecords()) {
                byte[] previous = null;
                while (out.next()) {
                    byte[] key = out.key();
                    if (previous != null && Arrays.compareUnsigned(previous, key) > 0) {
                        throw new IllegalStateException("sorted output out of order at record " + count);
                    }
                    previous = key;
                    count++;
                }
            }
            if (count != records) {
                throw new IllegalStateException("sorted " + count + " of " + records + " records");
            }
            return count;
        }
    }
}
