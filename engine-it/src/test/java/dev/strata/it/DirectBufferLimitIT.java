package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.DirectBufferLimitScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code DIRECT_BUFFER} backend in a child JVM with {@code -XX:MaxDirectMemorySize=64m}: a budget equal to the
 * limit is filled exactly, a budget past it stops at the JVM's limit with the engine's own exception (never
 * {@link OutOfMemoryError}), and the engine refuses to build such a region. See {@link DirectBufferLimitScenario}.
 */
class DirectBufferLimitIT {

    private static final long MIB = 1L << 20;

    @TempDir
    static Path workDirectory;

    private static ChildResult child;

    @BeforeAll
    static void runChild() throws Exception {
        child = ChildJvm.scenario(DirectBufferLimitScenario.class, workDirectory)
                .jvmFlags("-Xmx128m", "-XX:MaxDirectMemorySize=64m")
                .run();
    }

    @Test
    void childHeldEveryCheck() {
        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
    }

    @Test
    void budgetEqualToTheLimitIsFilledExactly() {
        assertEquals(1024, child.longValue("fill.pages"), child::describe);
        assertEquals(64 * MIB, child.longValue("fill.bytesReserved"), child::describe);
        assertTrue(child.longValue("fill.directUsed") <= 64 * MIB, child::describe);
        assertEquals(MemoryBudgetExceededException.class.getName(), child.value("fill.oneMore.thrown"), child::describe);
        assertEquals(64 * 1024, child.longValue("fill.oneMore.requestedBytes"), child::describe);
    }

    @Test
    void budgetPastTheLimitStopsAtTheLimitWithTheEnginesException() {
        assertEquals(MemoryBudgetExceededException.class.getName(), child.value("beyond.thrown"), child::describe);
        long reserved = child.longValue("beyond.bytesReserved");
        assertTrue(reserved > 0 && reserved <= 64 * MIB, child::describe);
        assertEquals("none", child.value("beyond.afterFailure.thrown"), child::describe);
    }

    @Test
    void engineRefusesAnOffHeapRegionAboveTheLimit() {
        assertEquals(IllegalArgumentException.class.getName(), child.value("engine.thrown"), child::describe);
        String message = child.value("engine.message");
        assertTrue(message.contains("128 MiB") && message.contains("64 MiB"), child::describe);
    }
}
