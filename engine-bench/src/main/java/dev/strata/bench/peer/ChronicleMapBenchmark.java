package dev.strata.bench.peer;

import dev.strata.bench.workload.JvmFlags;
import org.openjdk.jmh.annotations.Fork;

/** {@link CacheWorkload} on Chronicle Map (off-heap, no eviction). Flags: the exports/opens list it needs on JDK 25. */
@Fork(value = 1, jvmArgsAppend = {JvmFlags.PRE_TOUCH, JvmFlags.XMS, JvmFlags.XMX, JvmFlags.NATIVE_ACCESS,
        JvmFlags.UNSAFE_ALLOW, JvmFlags.CHRONICLE_JAVAC, JvmFlags.CHRONICLE_REF, JvmFlags.CHRONICLE_NIO,
        JvmFlags.CHRONICLE_MISC, JvmFlags.CHRONICLE_LANG, JvmFlags.CHRONICLE_REFLECT, JvmFlags.CHRONICLE_NIO_OPEN,
        JvmFlags.CHRONICLE_NO_ANALYTICS, JvmFlags.CHRONICLE_NO_ANNOUNCER})
public class ChronicleMapBenchmark extends CacheWorkload {
    @Override
    protected CacheAdapter open(int valueSize, int keyCount) {
        return new ChronicleMapAdapter(keyCount, valueSize);
    }
}
