package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.HugePagesScenario;
import dev.strata.memory.hugepage.HugePageSlabSource;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code HUGE_PAGES} off-heap backend in child JVMs, with and without {@code --enable-native-access}: with it,
 * a cache keeps its values, the kernel reports the region on huge pages, and closing the engine gives them back;
 * without it, the builder refuses with the flag to add and the JDK prints no native-access warning, because the
 * engine made no native call. See {@link HugePagesScenario}.
 */
class HugePagesIT {

    private static final long MIB = 1L << 20;
    private static final String JDK_WARNING = "restricted method";

    @TempDir
    Path workDirectory;

    @BeforeAll
    static void needsTransparentHugePages() {
        Optional<String> reason = HugePageSlabSource.machineUnavailableReason();
        assumeTrue(reason.isEmpty(), reason::get);
    }

    @Test
    void withNativeAccessTheRegionIsOnHugePagesUntilTheEngineCloses() throws Exception {
        ChildResult child = ChildJvm.scenario(HugePagesScenario.class, workDirectory)
                .jvmFlags("-Xmx256m", "--enable-native-access=ALL-UNNAMED")
                .run();

        assertEquals(0, child.exitCode(), child::describe);
        assertEquals("true", child.value("nativeAccess"), child::describe);
        assertEquals("none", child.value("build.thrown"), child::describe);
        assertEquals(0, child.longValue("wrong"), child::describe);
        assertTrue(child.longValue("held") > 30_000, child::describe);
        long start = child.longValue("hugePages.start");
        assertTrue(child.longValue("hugePages.filled") - start >= 16 * MIB,
                () -> "at least a quarter of the 64 MiB region on huge pages: " + child.describe());
        assertTrue(child.longValue("hugePages.closed") <= start + 2 * MIB,
                () -> "closing the engine unmapped them: " + child.describe());
        assertFalse(child.stderr().contains(JDK_WARNING), child::describe);
    }

    @Test
    void withoutNativeAccessTheBuilderRefusesAndNothingNativeRuns() throws Exception {
        ChildResult child = ChildJvm.scenario(HugePagesScenario.class, workDirectory)
                .jvmFlags("-Xmx256m")
                .run();

        assertEquals(0, child.exitCode(), child::describe);
        assertEquals("false", child.value("nativeAccess"), child::describe);
        assertEquals(IllegalArgumentException.class.getName(), child.value("build.thrown"), child::describe);
        assertTrue(child.value("build.message").contains("--enable-native-access=ALL-UNNAMED"), child::describe);
        assertFalse(child.stderr().contains(JDK_WARNING), child::describe);
    }
}
