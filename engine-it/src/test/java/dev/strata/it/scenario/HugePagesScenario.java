package dev.strata.it.scenario;

import static dev.strata.it.scenario.Caught.thrownBy;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.util.Arrays;

/**
 * An engine whose off-heap region is on transparent huge pages, as a user builds it, in a JVM started with or without
 * {@code --enable-native-access} (run by {@code HugePagesIT}).
 *
 * <p>Facts: {@code nativeAccess} (whether the engine's module has it); {@code build.thrown} and {@code build.message};
 * when the engine builds, an off-heap cache is filled with {@value #VALUES} values of 1 KiB and read back:
 * {@code held} (values found), {@code wrong} (values found with other bytes: must be 0); and the process's
 * {@code AnonHugePages} from {@code /proc/self/smaps_rollup} at {@code hugePages.start}, {@code hugePages.filled}
 * and {@code hugePages.closed} (after the engine closed).
 */
public final class HugePagesScenario {

    static final int VALUES = 40_000;
    static final int VALUE_BYTES = 1024;

    private HugePagesScenario() {
    }

    /**
     * Runs the scenario; see the class comment.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        ScenarioReport.run(HugePagesScenario::run);
    }

    private static void run(ScenarioReport report) {
        report.put("nativeAccess", Engine.class.getModule().isNativeAccessEnabled());
        report.put("hugePages.start", ProcessMemory.anonHugePageBytes());
        Engine[] built = new Engine[1];
        Throwable thrown = thrownBy(() -> built[0] = Engine.builder()
                .heap(DataSize.ofMebibytes(8))
                .offHeap(DataSize.ofMebibytes(64), OffHeapBackend.HUGE_PAGES)
                .pageSize(DataSize.ofKibibytes(64))
                .build());
        report.putThrown("build", thrown);
        if (built[0] == null) {
            return;
        }
        try (Engine engine = built[0]) {
            Cache<Integer, byte[]> cache = engine.newCache("huge", Codecs.int32(), Codecs.bytes())
                    .tiers(Tier.OFF_HEAP).build();
            for (int i = 0; i < VALUES; i++) {
                cache.put(i, value(i));
            }
            int held = 0;
            int wrong = 0;
            for (int i = 0; i < VALUES; i++) {
                byte[] found = cache.get(i);
                if (found != null) {
                    held++;
                    wrong += Arrays.equals(found, value(i)) ? 0 : 1;
                }
            }
            report.put("held", held);
            report.put("wrong", wrong);
            report.put("hugePages.filled", ProcessMemory.anonHugePageBytes());
        }
        report.put("hugePages.closed", ProcessMemory.anonHugePageBytes());
    }

    private static byte[] value(int i) {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) i);
        value[0] = (byte) (i >>> 8);
        value[1] = (byte) (i >>> 16);
        return value;
    }
}
