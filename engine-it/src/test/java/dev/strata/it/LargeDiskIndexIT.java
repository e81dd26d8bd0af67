package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.LargeDiskIndexScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million-entry persistent disk cache reopens in a child JVM whose heap ({@code -Xmx256m}, serial GC with a 32 MiB
 * young generation) holds its index with room to spare, and the index it rebuilt stays under {@value #HEAP_PER_ENTRY}
 * bytes of heap per entry (long keys: the store's index slot and key bytes; the cache keeps nothing of its own per
 * disk entry). It measured 217 B at {@code 21f2ebe}, when the store kept a key and a location object per key, and
 * 144 B at {@code 4c0c1c5}, when the cache still kept a node and a decoded key per disk entry: both would fail. The
 * values read back are the ones written. The reopened index charges each key what the disk index limit counts, and
 * the heap it measures stays within 1.7 times that charge.
 */
class LargeDiskIndexIT {

    /** The bound on heap per disk entry after a reopen, in bytes; measured 56 B once disk entries lost their node. */
    private static final long HEAP_PER_ENTRY = 80;
    /**
     * What the index charges a {@code long} key against the disk index limit: a slot (36 B), 8 key bytes and their
     * 4-byte length. Recovery charges every key it finds, even past the limit (here about 38 MiB, half the child's
     * user memory).
     */
    private static final long KEY_CHARGE = 48;

    @TempDir
    Path workDirectory;

    @Test
    void aMillionEntryPersistentCacheReopensInASmallHeap() throws Exception {
        Path disk = workDirectory.resolve("disk");
        ChildResult written = ChildJvm.scenario(LargeDiskIndexScenario.class, workDirectory).jvmFlags("-Xmx512m")
                .args("write", disk.toString()).run();
        assertEquals(0, written.exitCode(), written::describe);

        ChildResult child = ChildJvm.scenario(LargeDiskIndexScenario.class, workDirectory)
                .jvmFlags("-Xmx256m", "-Xmn32m").args("reopen", disk.toString()).run();
        assertEquals(0, child.exitCode(), child::describe);
        assertEquals(1_000_000, child.longValue("diskEntries"), child::describe);
        assertEquals(1_000_000 * KEY_CHARGE, child.longValue("diskIndexBytes"), child::describe);
        assertEquals(child.longValue("sampled"), child.longValue("found"), child::describe);
        assertEquals(0, child.longValue("wrong"), child::describe);
        long heapPerEntry = child.longValue("heapPerEntry");
        assertTrue(heapPerEntry > 0 && heapPerEntry < HEAP_PER_ENTRY,
                () -> "heap per entry " + heapPerEntry + " B (expected: under " + HEAP_PER_ENTRY + ")\n"
                        + child.describe());
    }
}
