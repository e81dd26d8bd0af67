package dev.strata.bench.peer;

import dev.strata.bench.workload.JvmFlags;
import dev.strata.bench.workload.WorkingSet;
import org.openjdk.jmh.annotations.Fork;

/** {@link CacheWorkload} on OHC (off-heap, malloc). Flags: native access for JNA, Unsafe memory access. */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX, JvmFlags.NATIVE_ACCESS,
        JvmFlags.UNSAFE_ALLOW})
public class OhcBenchmark extends CacheWorkload {
    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new OhcAdapter(WorkingSet.CAPACITY_BYTES, keyCount);
    }
}
