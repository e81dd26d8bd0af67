package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.EngineLimitsScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Engine.builder().build()} in child JVMs with a small heap, with and without {@code -XX:MaxDirectMemorySize}:
 * regions beyond the JVM's limits are refused with both sizes in the message (down to one page past the limit), a
 * region of exactly the limit builds, an engine within them builds and closes. See {@link EngineLimitsScenario}.
 */
class EngineLimitsIT {

    @TempDir
    Path workDirectory;

    @Test
    void explicitMaxDirectMemorySize() throws Exception {
        ChildResult child = ChildJvm.scenario(EngineLimitsScenario.class, workDirectory)
                .jvmFlags("-Xmx128m", "-XX:MaxDirectMemorySize=32m")
                .run();

        assertHeldEveryCheck(child);
        assertEquals(32L << 20, child.longValue("jvm.directLimit"), child::describe);
        String message = child.value("directRefused.message");
        assertTrue(message.contains("off-heap 64 MiB exceeds MaxDirectMemorySize 32 MiB"), child::describe);
    }

    @Test
    void maxDirectMemorySizeUnsetMeansTheMaxHeap() throws Exception {
        ChildResult child = ChildJvm.scenario(EngineLimitsScenario.class, workDirectory)
                .jvmFlags("-Xmx128m")
                .run();

        assertHeldEveryCheck(child);
        assertEquals(0, child.longValue("jvm.maxDirectMemorySize"), child::describe);
        assertEquals(child.longValue("jvm.maxHeap"), child.longValue("jvm.directLimit"), child::describe);
        String message = child.value("directRefused.message");
        assertTrue(message.contains(DataSize.format(child.longValue("jvm.maxHeap"))), child::describe);
    }

    private static void assertHeldEveryCheck(ChildResult child) {
        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(IllegalArgumentException.class.getName(), child.value("directRefused.thrown"), child::describe);
        assertEquals(IllegalArgumentException.class.getName(), child.value("heapRefused.thrown"), child::describe);
        assertTrue(child.value("heapRefused.message").contains("1 GiB"), child::describe);
        assertEquals("none", child.value("arenaBeyondDirectLimit.thrown"), child::describe);
        for (String boundary : new String[] {"directBoundary", "heapBoundary"}) {
            assertEquals("none", child.value(boundary + ".atLimit.thrown"), child::describe);
            assertEquals(IllegalArgumentException.class.getName(), child.value(boundary + ".over.thrown"),
                    child::describe);
        }
        assertEquals("none", child.value("withinLimits.thrown"), child::describe);
        assertEquals(IllegalStateException.class.getName(), child.value("withinLimits.statsAfterClose.thrown"),
                child::describe);
    }
}
