package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.OffHeapTablesScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM with a 128 MiB heap ({@code -Xmx128m}) and a 512 MiB off-heap region puts 8,000,000 {@code Long} keys
 * and values: the off-heap record tables on its heap stay within the engine's default limit (half of user memory), the
 * child ends normally, and every value it returns is the one written. Before the tables had a limit the same workload
 * (8,000,000 puts of {@code Long} keys and values into a 512 MiB region) failed with an {@link OutOfMemoryError} in a
 * 128 MiB heap before its five millionth put, as 40,000,000 into a 1 GiB region did in a 256 MiB heap (measured at
 * {@code f9253a2}).
 */
class OffHeapTablesIT {

    @TempDir
    Path workDirectory;

    @Test
    void smallRecordsInARegionLargerThanTheHeapKeepTheirTablesWithinTheLimit() throws Exception {
        ChildResult child = ChildJvm.scenario(OffHeapTablesScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args("512").run();
        assertEquals(0, child.exitCode(), child::describe);
        long limit = child.longValue("tableLimitBytes");
        assertTrue(limit > 0 && limit < child.longValue("maxHeapBytes") / 2, child::describe);
        assertTrue(child.longValue("mostTableBytes") <= limit, child::describe);
        assertTrue(child.longValue("mostTableBytes") > limit / 4, () -> "the limit was reached\n" + child.describe());
        assertTrue(child.longValue("offHeapUsedBytes") < child.longValue("regionBytes") / 2,
                () -> "the tier stopped taking pages\n" + child.describe());
        assertTrue(child.longValue("entries") > 100_000, child::describe);
        assertEquals(0, child.longValue("wrong"), child::describe);
        assertTrue(child.longValue("found") > 0, child::describe);
    }
}
