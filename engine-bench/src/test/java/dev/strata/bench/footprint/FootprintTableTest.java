package dev.strata.bench.footprint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The footprint table: in-memory stores charged over their payload, disk stores shown with the memory they keep. */
class FootprintTableTest {

    @Test
    void inMemoryRowsSubtractThePayloadAndDiskRowsDoNot() {
        Map<String, String> offHeap = Map.of("subject", "OHC", "present", "1000", "rss", "216000", "heap", "0",
                "own", "180000", "capacity", String.valueOf(1L << 30));
        Map<String, String> disk = Map.of("subject", "STRATA_DISK", "present", "1000", "rss", "18000",
                "heap", "186000", "own", "0", "capacity", String.valueOf(1L << 30));
        String table = FootprintTable.render(List.of(offHeap, disk), 1000, 100);
        assertTrue(table.contains("| OHC | 1000 | 216.0 | 180.0 | 0.0 | 100.0 | 1024 MiB |"), table);
        assertTrue(table.contains("| Strata disk | 1000 | 18.0 | 0.0 | 186.0 | 204.0 | 1024 MiB |"), table);
        assertTrue(table.indexOf("| OHC |") < table.indexOf("Disk stores"), "disk rows get a table of their own");
    }

    @Test
    void aRunWithoutDiskStoresHasNoDiskTable() {
        Map<String, String> offHeap = Map.of("subject", "CHRONICLE_MAP", "present", "10", "rss", "1400", "heap", "0",
                "own", "1550", "capacity", String.valueOf(1L << 30));
        assertFalse(FootprintTable.render(List.of(offHeap), 10, 100).contains("Disk stores"));
    }
}
