package dev.strata.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.scenario.HarnessProbeScenario;
import dev.strata.it.scenario.ScenarioReport;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness itself: facts round-trip, exit codes follow the checks, a hanging child is destroyed. */
class ChildJvmIT {

    @TempDir
    Path workDirectory;

    @Test
    void factsRoundTripAndChildRunsOnThisJdk() throws Exception {
        ChildResult child = probe("facts").env("PROBE", "from the test").run();

        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(HarnessProbeScenario.AWKWARD_VALUE, child.value("awkward"), child::describe);
        assertEquals(Runtime.version().feature(), child.longValue("java.version"), child::describe);
        assertEquals("from the test", child.value("env.PROBE"), child::describe);
        assertEquals("pass", child.value("check.passes"), child::describe);
        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(ChildJvm.BASE_FLAGS.getFirst(), child.command().get(1), child::describe);
    }

    @Test
    void failedCheckMakesTheChildExitNonZero() throws Exception {
        ChildResult child = probe("failCheck").run();

        assertEquals(ScenarioReport.CHECK_FAILED, child.exitCode(), child::describe);
        assertEquals("fails", child.value("failedChecks"), child::describe);
        assertTrue(child.stderr().contains("check failed: fails"), child::describe);
    }

    @Test
    void throwingScenarioReportsItsStackTrace() throws Exception {
        ChildResult child = probe("throw").run();

        assertEquals(ScenarioReport.UNCAUGHT, child.exitCode(), child::describe);
        assertTrue(child.value("uncaught").contains("probe threw on purpose"), child::describe);
        assertFalse(child.values().containsKey("failedChecks"), child::describe);
    }

    @Test
    void hangingChildIsDestroyedAndItsOutputShown() {
        AssertionError error = assertThrows(AssertionError.class,
                () -> probe("hang").timeout(Duration.ofSeconds(3)).run());

        assertTrue(error.getMessage().contains("outlived its timeout"), error::getMessage);
        assertTrue(error.getMessage().contains(HarnessProbeScenario.class.getName()), error::getMessage);
        assertTrue(error.getMessage().contains("mode = hang"), error::getMessage);
    }

    @Test
    void missingFactFailsNamingTheKey() throws Exception {
        ChildResult child = probe("facts").run();

        AssertionError error = assertThrows(AssertionError.class, () -> child.value("no.such.fact"));
        assertTrue(error.getMessage().contains("no.such.fact"), error::getMessage);
    }

    private ChildJvm probe(String mode) {
        return ChildJvm.scenario(HarnessProbeScenario.class, workDirectory).jvmFlags("-Xmx32m").args(mode);
    }
}
