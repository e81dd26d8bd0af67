package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.DiskFullScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up ({@link DiskFullScenario}): a tiny engine disk quota, and a real {@code EFBIG} from the kernel
 * under {@code prlimit --fsize} (tmpfs or loop mounts would need privileges). The engine keeps serving from memory,
 * returns no wrong value, and counts what it could not write.
 */
class DiskFullIT {

    private static final long FILE_SIZE_LIMIT = 1L << 20;

    @TempDir
    Path workDirectory;

    @Test
    void tinyQuotaEvictsFromDiskAndKeepsServingFromMemory() throws Exception {
        ChildResult child = ChildJvm.scenario(DiskFullScenario.class, workDirectory).jvmFlags("-Xmx96m")
                .args("quota", workDirectory.resolve("disk").toString()).run();

        assertServedFromMemory(child);
        assertTrue(child.longValue("diskEvictions") > 0, child::describe);
        assertTrue(child.longValue("diskUsed") <= child.longValue("diskQuota"), child::describe);
    }

    @Test
    void fileSizeLimitFailsDiskWritesWhichAreCountedAsErrors() throws Exception {
        ChildResult child = ChildJvm.scenario(DiskFullScenario.class, workDirectory).jvmFlags("-Xmx96m")
                .resourceLimit("--fsize=" + FILE_SIZE_LIMIT)
                .args("fsize", workDirectory.resolve("disk").toString()).run();

        assertServedFromMemory(child);
        assertTrue(child.longValue("errors") > 0, child::describe);
        assertTrue(child.stderr().contains("File too large"), child::describe);
    }

    /**
     * A disk-only cache's newest records wait in memory until 64 KiB of them are written at once; under the same
     * limit such a write fails and loses its run. The cache keeps serving what reached its files, counts the errors,
     * never returns a wrong value, and its entry count is exactly the keys it returns.
     */
    @Test
    void fileSizeLimitUnderADiskOnlyCacheLosesOnlyWhatWaitedForTheFailedWrites() throws Exception {
        ChildResult child = ChildJvm.scenario(DiskFullScenario.class, workDirectory).jvmFlags("-Xmx96m")
                .resourceLimit("--fsize=" + FILE_SIZE_LIMIT)
                .args("fsize-disk", workDirectory.resolve("disk").toString()).run();

        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals("none", child.value("write.thrown"), child::describe);
        assertEquals("none", child.value("read.thrown"), child::describe);
        assertEquals(0, child.longValue("wrong"), child::describe);
        assertTrue(child.longValue("errors") > 0, child::describe);
        assertEquals(child.longValue("all.found"), child.longValue("diskEntries"), child::describe);
        assertTrue(child.stderr().contains("File too large"), child::describe);
    }

    private static void assertServedFromMemory(ChildResult child) {
        assertEquals("", child.value("failedChecks"), child::describe);
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals("none", child.value("write.thrown"), child::describe);
        assertEquals("none", child.value("read.thrown"), child::describe);
        assertEquals(0, child.longValue("recent.missing"), child::describe);
        assertEquals(0, child.longValue("wrong"), child::describe);
    }
}
