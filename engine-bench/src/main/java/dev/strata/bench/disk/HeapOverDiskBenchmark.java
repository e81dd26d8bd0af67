package dev.strata.bench.disk;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.CacheWorkload;
import dev.strata.bench.tier.StrataAdapter;
import dev.strata.bench.tier.StrataTierBenchmark;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;

/**
 * Two tiers at work: {@link CacheWorkload} on a Strata cache of heap over disk whose heap region holds about a
 * quarter of the working set (heap weight: key, value and 128 bytes per entry), so the rest is
 * on disk. A get hits the heap, or reads the disk and, on a key's second disk hit, promotes it (the default policy),
 * demoting heap victims to disk; a put overwrites a key in whichever tier holds it, a disk key moving up to the heap.
 * The tier ladder ({@link StrataTierBenchmark}) measures each tier alone; this measures the moves and the lookups of
 * the index that span them.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class HeapOverDiskBenchmark extends CacheWorkload {

    /** Heap weight per entry beyond key and value, as the heap tier charges it (node, slots, object headers). */
    private static final int ENTRY_OVERHEAD = 128;
    /** The share of the working set's heap weight the heap region holds: 1 in this many. */
    private static final int HEAP_SHARE = 4;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        long heapWeight = (long) keyCount * (valueSize + ENTRY_OVERHEAD);
        return StrataAdapter.heapOverDisk(heapWeight / HEAP_SHARE, WorkingSet.CAPACITY_BYTES);
    }
}
