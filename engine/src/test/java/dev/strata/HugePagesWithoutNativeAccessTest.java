package dev.strata;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import dev.strata.memory.hugepage.HugePageSlabSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Asking for huge pages in a JVM that has not enabled native access for the engine (the default test run): the
 * builder refuses with the flag to add, and the engine makes no native call, so the JDK prints no warning.
 */
class HugePagesWithoutNativeAccessTest {

    @BeforeAll
    static void runsWithoutNativeAccess() {
        assumeFalse(HugePageSlabSource.class.getModule().isNativeAccessEnabled(),
                "the default test run has no --enable-native-access");
    }

    @Test
    void theBuilderRefusesNamingTheFlagAndTheJdkPrintsNoWarning() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        IllegalArgumentException refused;
        try {
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            refused = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                    .heap(DataSize.ofMebibytes(4))
                    .offHeap(DataSize.ofMebibytes(16), OffHeapBackend.HUGE_PAGES)
                    .build());
        } finally {
            System.setErr(stderr);
        }
        String message = refused.getMessage();
        assertTrue(message.startsWith("off-heap backend HUGE_PAGES: "), message);
        String machine = HugePageSlabSource.machineUnavailableReason().orElse(null);
        assertTrue(machine == null ? message.contains("--enable-native-access=ALL-UNNAMED") : message.endsWith(machine),
                message);
        assertFalse(printed.toString(StandardCharsets.UTF_8).contains("restricted method"), printed::toString);
    }

    @Test
    void anEngineWithoutAnOffHeapRegionDoesNotCareWhichBackendItNames() {
        try (Engine engine = Engine.builder()
                .heap(DataSize.ofMebibytes(4))
                .offHeap(DataSize.ZERO, OffHeapBackend.HUGE_PAGES)
                .build()) {
            assertTrue(engine.stats().allocators().stream().noneMatch(a -> a.backend().equals("HUGE_PAGES")));
        }
    }

    @Test
    void anAllocatorOfHugePagesCannotBeCreated() {
        PageAllocatorConfig config = new PageAllocatorConfig("no-huge-pages", SlabSourceKind.HUGE_PAGES, 64 << 10,
                64 << 20, 64 << 20, true, false);
        UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                () -> PageAllocator.create(config));
        assertTrue(refused.getMessage().contains("native access"), refused.getMessage());
    }
}
