package dev.strata.bench.disk;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.CacheWorkload;
import dev.strata.bench.tier.StrataAdapter;
import dev.strata.bench.tier.StrataTier;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * {@link CacheWorkload} on a disk-only Strata cache, transient or persistent. The two differ in how compaction copies
 * a segment's live records: a transient store copies them into a segment of the compactor's own, a persistent one into
 * the segment that writes append to (a key's records must stay in write order for recovery), so puts, which make
 * segments due for compaction, are where they part. Runs in the report runner's {@code full} profile, or by name.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class StrataDiskBenchmark extends CacheWorkload {

    /** Whether the cache is persistent. */
    @Param({"false", "true"})
    public boolean persistent;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new StrataAdapter(StrataTier.DISK, 1L << 30, WorkingSet.CAPACITY_BYTES, persistent);
    }
}
