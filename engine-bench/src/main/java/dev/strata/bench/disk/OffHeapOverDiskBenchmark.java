package dev.strata.bench.disk;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.CacheWorkload;
import dev.strata.bench.tier.StrataAdapter;
import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;

/**
 * A cache that spills: {@link CacheWorkload} on a Strata cache of off-heap over disk whose off-heap region holds about
 * a quarter of the working set (record bytes: key, value and 64 bytes of header and alignment per entry), so the rest
 * is on disk. A put lands off the heap and, the region being full, moves the coldest records down to the disk tier (a
 * copy of their bytes, no re-encoding); a get hits off the heap, or reads the disk and, on a key's second disk hit,
 * promotes it. This is the path a service's cache takes once its data outgrows its memory; {@link
 * HeapOverDiskBenchmark} measures the same with the heap on top.
 */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class OffHeapOverDiskBenchmark extends CacheWorkload {

    /** Off-heap bytes per entry beyond key and value: the record header and alignment, about. */
    private static final int RECORD_OVERHEAD = 64;
    /** The share of the working set's record bytes the off-heap region holds: 1 in this many. */
    private static final int OFF_HEAP_SHARE = 4;

    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        long recordBytes = (long) keyCount * (valueSize + RECORD_OVERHEAD);
        return StrataAdapter.offHeapOverDisk(recordBytes / OFF_HEAP_SHARE, WorkingSet.CAPACITY_BYTES);
    }
}
