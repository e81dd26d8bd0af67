package dev.strata.bench.peer;

import dev.strata.bench.workload.JvmFlags;
import org.openjdk.jmh.annotations.Fork;

/** {@link CacheWorkload} on Caffeine (heap). No extra JVM flags. */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX})
public class CaffeineBenchmark extends CacheWorkload {
    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new CaffeineAdapter(keyCount * 2L);
    }
}
