package dev.strata.manager;

import java.util.concurrent.atomic.LongAdder;

/** The manager's counters: updated under either mode's lock, so each is a {@link LongAdder}. Thread-safe. */
final class Counters {
    final LongAdder storageGrants = new LongAdder();
    final LongAdder storageRefusals = new LongAdder();
    final LongAdder storageBorrowedBytes = new LongAdder();
    final LongAdder executionGrants = new LongAdder();
    final LongAdder executionShortfalls = new LongAdder();
    final LongAdder executionWaits = new LongAdder();
    final LongAdder evictedForExecutionBytes = new LongAdder();
    final LongAdder evictionCalls = new LongAdder();

    ManagerStats snapshot() {
        return new ManagerStats(storageGrants.sum(), storageRefusals.sum(), storageBorrowedBytes.sum(),
                executionGrants.sum(), executionShortfalls.sum(), executionWaits.sum(),
                evictedForExecutionBytes.sum(), evictionCalls.sum());
    }
}
