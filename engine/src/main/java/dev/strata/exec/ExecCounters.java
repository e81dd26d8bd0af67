package dev.strata.exec;

import java.util.concurrent.atomic.LongAdder;

/** Engine-wide counters, added to by every task of one {@link TaskMemoryFactory}. Thread-safe. */
final class ExecCounters {
    final LongAdder tasksStarted = new LongAdder();
    final LongAdder tasksClosed = new LongAdder();
    final LongAdder grants = new LongAdder();
    final LongAdder shortfalls = new LongAdder();
    final LongAdder spills = new LongAdder();
    final LongAdder spilledBytes = new LongAdder();
    final LongAdder spillFileBytes = new LongAdder();
    final LongAdder leakedBytes = new LongAdder();

    ExecutionStats snapshot() {
        long started = tasksStarted.sum();
        return new ExecutionStats(started, started - tasksClosed.sum(), grants.sum(), shortfalls.sum(), spills.sum(),
                spilledBytes.sum(), spillFileBytes.sum(), leakedBytes.sum());
    }
}
