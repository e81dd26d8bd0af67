package dev.strata;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's own memory limits, read once per engine build.
 *
 * @param maxHeapBytes {@link Runtime#maxMemory()}: what the heap can grow to (a little below {@code -Xmx})
 * @param maxDirectBytes the limit on {@link java.nio.ByteBuffer#allocateDirect(int)} memory:
 *     {@code -XX:MaxDirectMemorySize}, or {@code Runtime.maxMemory()} when that option is unset (it reads 0)
 * @param maxDirectExplicit whether {@code -XX:MaxDirectMemorySize} was set
 */
record JvmLimits(long maxHeapBytes, long maxDirectBytes, boolean maxDirectExplicit) {

    /** {@return the limits of the running JVM} */
    static JvmLimits current() {
        long maxHeap = Runtime.getRuntime().maxMemory();
        long configured = configuredMaxDirect();
        return new JvmLimits(maxHeap, configured > 0 ? configured : maxHeap, configured > 0);
    }

    private static long configuredMaxDirect() {
        HotSpotDiagnosticMXBean diagnostics = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (diagnostics == null) {
            return 0;
        }
        try {
            return Long.parseLong(diagnostics.getVMOption("MaxDirectMemorySize").getValue());
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }
}
