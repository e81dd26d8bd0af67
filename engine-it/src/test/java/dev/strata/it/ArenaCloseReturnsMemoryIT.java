package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.ArenaAddressSpaceScenario;
import dev.strata.it.scenario.ArenaCloseScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ARENA} backend in child JVMs: closing the allocator returns its memory to the operating system at once
 * with no GC involved, and under a real address-space limit ({@code prlimit --as}) a budget larger than the limit
 * ends in the engine's own exception, not a crash. See {@link ArenaCloseScenario} and
 * {@link ArenaAddressSpaceScenario}.
 */
class ArenaCloseReturnsMemoryIT {

    private static final long MIB = 1L << 20;
    private static final long ARENA_BUDGET = 512 * MIB;
    private static final long ADDRESS_SPACE_LIMIT = 2048 * MIB;
    /**
     * First 16 MiB slabs, then 64 MiB: a second round of slabs of at most 32 MiB may be served from glibc's heap and
     * not all returned, see {@link ArenaCloseScenario}.
     */
    private static final String[] SLAB_SIZES_MIB = {"16", "64"};

    @TempDir
    Path workDirectory;

    @Test
    void closeReturnsTouchedMemoryWithoutGc() throws Exception {
        ChildResult child = ChildJvm.scenario(ArenaCloseScenario.class, workDirectory)
                .jvmFlags("-Xmx128m")
                .args(SLAB_SIZES_MIB)
                .run();

        assertEquals(0, child.exitCode(), child::describe);
        for (int round = 1; round <= SLAB_SIZES_MIB.length; round++) {
            String prefix = "round" + round + ".";
            assertEquals(ARENA_BUDGET / (64 * 1024), child.longValue(prefix + "pages"), child::describe);
            assertTrue(child.longValue(prefix + "rss.touched") - child.longValue(prefix + "rss.start")
                    >= ARENA_BUDGET * 8 / 10, child::describe);
            assertTrue(child.longValue(prefix + "rss.returned") >= ARENA_BUDGET * 8 / 10, child::describe);
            assertEquals(child.longValue(prefix + "gc.beforeClose"), child.longValue(prefix + "gc.afterClose"),
                    child::describe);
            assertEquals(IllegalStateException.class.getName(), child.value(prefix + "accessAfterClose.thrown"),
                    child::describe);
        }
    }

    @Test
    void budgetBeyondTheAddressSpaceLimitFailsWithTheEnginesException() throws Exception {
        ChildResult child = ChildJvm.scenario(ArenaAddressSpaceScenario.class, workDirectory)
                .addressSpaceLimit(ADDRESS_SPACE_LIMIT)
                .args(Long.toString(ADDRESS_SPACE_LIMIT))
                .run();

        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(MemoryBudgetExceededException.class.getName(), child.value("fill.thrown"), child::describe);
        long reserved = child.longValue("fill.bytesReserved");
        assertTrue(reserved > 0 && reserved < ADDRESS_SPACE_LIMIT, child::describe);
        assertTrue(child.longValue("vm.full") - child.longValue("vm.closed") >= reserved * 9 / 10, child::describe);
        assertEquals(256, child.longValue("afterClose.pages"), child::describe);
    }
}
