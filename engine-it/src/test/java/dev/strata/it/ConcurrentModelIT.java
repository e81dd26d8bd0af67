package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.ConcurrentModelScenario;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four writers/readers checked against their models while eviction, spill to disk and execution reclaim run, in a
 * child JVM guarded by a watchdog that dumps every thread on a deadlock ({@link ConcurrentModelScenario}); the parent
 * adds its own bound (and {@code jcmd Thread.print}) through the harness timeout.
 */
class ConcurrentModelIT {

    @TempDir
    Path workDirectory;

    @Test
    void concurrentOperationsMatchTheModelUnderEvictionSpillAndReclaim() throws Exception {
        ChildResult child = ChildJvm.scenario(ConcurrentModelScenario.class, workDirectory).jvmFlags("-Xmx128m")
                .args(workDirectory.resolve("disk").toString()).timeout(Duration.ofSeconds(120)).run();

        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(0, child.longValue("mismatches"), child::describe);
        assertTrue(child.longValue("evictedForExecution") > 0, child::describe);
        assertTrue(child.longValue("squeezeRounds") > 0, child::describe);
    }
}
