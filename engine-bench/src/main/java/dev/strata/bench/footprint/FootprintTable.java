package dev.strata.bench.footprint;

import dev.strata.bench.workload.Keys;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders footprint measurements as a Markdown table. Stateless and thread-safe. */
final class FootprintTable {
    private FootprintTable() {
    }

    static String render(List<Map<String, String>> rows, int entries, int valueSize) {
        int payload = Keys.KEY_BYTES + valueSize;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "## Memory per entry: %,d entries, %d-byte keys, %d-byte values "
                + "(payload %d B)%n%n", entries, Keys.KEY_BYTES, valueSize, payload));
        List<Map<String, String>> inMemory = rows.stream().filter(row -> !subjectOf(row).onDisk()).toList();
        List<Map<String, String>> onDisk = rows.stream().filter(row -> subjectOf(row).onDisk()).toList();
        if (!inMemory.isEmpty()) {
            out.append("| store | entries kept | native B/entry (RSS Δ) | own counter B/entry | heap B/entry (GC'd Δ) "
                    + "| native + heap over payload | capacity given |\n|---|---:|---:|---:|---:|---:|---:|\n");
            appendRows(out, inMemory, entries, payload);
        }
        if (!onDisk.isEmpty()) {
            out.append("Disk stores: the values are in files, so this is the memory each entry keeps for its index."
                    + "\n\n| store | entries kept | native B/entry (RSS Δ) | own counter B/entry | heap B/entry "
                    + "(GC'd Δ) | native + heap | disk quota given |\n|---|---:|---:|---:|---:|---:|---:|\n");
            appendRows(out, onDisk, entries, 0);
        }
        out.append("Native: resident set size growth of the measuring JVM (`VmRSS`, /proc/self/status), heap "
                + "pre-touched so it does not count; for a disk store it leaves out the OS page cache, which holds "
                + "file pages outside the process unless the store maps them. Own counter: Strata pages in use × page "
                + "size (disk: none, 0); OHC `memUsed()`; Chronicle Map `offHeapMemoryUsed()`; Ehcache the JVM's "
                + "direct buffer pool (its off-heap pool is reserved up front; the table shows the smallest pool, in "
                + "8 MiB steps, that kept every entry). Heap: used heap growth after two full GCs (on-heap indexes "
                + "and wrappers).\n");
        return out.toString();
    }

    /** Appends one line per row; its last column is native + heap minus {@code payload} per entry. */
    private static void appendRows(StringBuilder out, List<Map<String, String>> rows, int entries, int payload) {
        for (Map<String, String> row : rows) {
            double rss = perEntry(row, "rss", entries);
            double heap = perEntry(row, "heap", entries);
            out.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %d MiB |%n",
                    subjectOf(row).label(), row.get("present"), rss, perEntry(row, "own", entries), heap,
                    rss + heap - payload, Long.parseLong(row.get("capacity")) >> 20));
        }
        out.append('\n');
    }

    private static Subject subjectOf(Map<String, String> row) {
        return Subject.valueOf(row.get("subject"));
    }

    private static double perEntry(Map<String, String> row, String field, int entries) {
        return Long.parseLong(row.get(field)) / (double) entries;
    }
}
