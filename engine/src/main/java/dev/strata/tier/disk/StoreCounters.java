package dev.strata.tier.disk;

import java.util.concurrent.atomic.LongAdder;

/** The mutable counters behind {@link DiskStoreStats}; thread-safe (striped adders). */
final class StoreCounters {

    final LongAdder recordsWritten = new LongAdder();
    final LongAdder recordsRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder corruptRecords = new LongAdder();
    final LongAdder tornTails = new LongAdder();
    final LongAdder compactions = new LongAdder();
    final LongAdder evictedSegments = new LongAdder();
    final LongAdder evictedRecords = new LongAdder();
    final LongAdder evictedAhead = new LongAdder();
    final LongAdder secondChances = new LongAdder();
    final LongAdder probationPuts = new LongAdder();
    final LongAdder expiredRecords = new LongAdder();
    final LongAdder recoveredRecords = new LongAdder();
    final LongAdder quotaRefusals = new LongAdder();
    final LongAdder indexRefusals = new LongAdder();
    final LongAdder ioErrors = new LongAdder();

    DiskStoreStats snapshot() {
        return new DiskStoreStats(recordsWritten.sum(), recordsRead.sum(), bytesWritten.sum(), bytesRead.sum(),
                corruptRecords.sum(), tornTails.sum(), compactions.sum(), evictedSegments.sum(), evictedRecords.sum(),
                evictedAhead.sum(), secondChances.sum(), probationPuts.sum(), expiredRecords.sum(),
                recoveredRecords.sum(), quotaRefusals.sum(), indexRefusals.sum(), ioErrors.sum());
    }
}
