package dev.strata.bench.report;

import dev.strata.Tier;
import java.util.List;
import java.util.Map;

/**
 * Which benchmark measures which system, per tier: the single place that ties benchmark class names to report columns.
 * The first column of each tier is Strata's primary configuration; ratios in the report are Strata ÷ column.
 *
 * <p>Stateless and thread-safe.
 */
final class Catalog {

    /** Class of the Strata tier ladder benchmark. */
    static final String STRATA_CLASS = "StrataTierBenchmark";

    static final Column STRATA_HEAP = strata("Strata heap", "HEAP");
    static final Column STRATA_ARENA = strata("Strata off-heap (ARENA)", "OFF_HEAP_ARENA");
    static final Column STRATA_DIRECT = strata("Strata off-heap (DIRECT_BUFFER)", "OFF_HEAP_DIRECT");
    /** Strata off-heap on transparent huge pages: its own benchmark class, whose fork has native access. */
    static final Column STRATA_HUGE_PAGES = new Column("Strata off-heap (HUGE_PAGES)", Column.Kind.STRATA,
            "StrataHugePagesBenchmark", "OFF_HEAP_HUGE_PAGES", Column.CACHE_OPERATIONS);
    static final Column STRATA_DISK = strata("Strata disk", "DISK");

    /** OHC, an off-heap peer (a goal's yardstick). */
    static final Column OHC = peer("OHC", "OhcBenchmark", null);
    /** Chronicle Map, an off-heap peer (a goal's yardstick). */
    static final Column CHRONICLE_MAP = peer("Chronicle Map", "ChronicleMapBenchmark", null);
    /** Caffeine, the heap peer (a goal's yardstick). */
    static final Column CAFFEINE = peer("Caffeine", "CaffeineBenchmark", null);
    /** The floor of an off-heap get and put: a hashed index over one slab, no cache around it. */
    static final Column RAW_INDEX = raw("raw hash index", "RawIndexBenchmark", Map.of("get", "get", "put", "put"));

    /** The tier ladder, top to bottom. */
    static final List<Column> LADDER = List.of(STRATA_HEAP, STRATA_ARENA, STRATA_DIRECT, STRATA_DISK);

    /** The operations of the cache workload, in report order. */
    static final List<String> OPERATIONS = List.of("get", "put", "mix");

    private Catalog() {
    }

    /**
     * {@return the columns of a tier's comparison table, Strata's primary configuration first}
     *
     * @param tier the tier
     */
    static List<Column> columns(Tier tier) {
        return switch (tier) {
            case HEAP -> List.of(STRATA_HEAP,
                    CAFFEINE,
                    peer("Ehcache heap", "EhcacheBenchmark", "HEAP"),
                    raw("HashMap, stored array", "RawHeapMapBenchmark", Map.of("get", "getStored")),
                    raw("HashMap + copy", "RawHeapMapBenchmark", Map.of("get", "getCopy")));
            case OFF_HEAP -> List.of(STRATA_ARENA, STRATA_DIRECT, STRATA_HUGE_PAGES,
                    OHC,
                    CHRONICLE_MAP,
                    peer("Ehcache off-heap", "EhcacheBenchmark", "OFF_HEAP"),
                    RAW_INDEX,
                    raw("key pick + hash only", "RawIndexBenchmark", Map.of("get", "keyOnly")),
                    raw("raw slab copy", "RawSlabBenchmark", Map.of("get", "copyOut")));
            case DISK -> List.of(STRATA_DISK,
                    peer("Ehcache disk", "EhcacheBenchmark", "DISK"),
                    raw("pread into byte[]", "RawFileReadBenchmark", Map.of("get", "positionalRead")),
                    raw("pread direct + copy", "RawFileReadBenchmark", Map.of("get", "positionalReadDirect")),
                    raw("copy out of a mapping", "RawFileReadBenchmark", Map.of("get", "mappedCopy")),
                    raw("sequential write", "RawFileWriteBenchmark", Map.of("put", "sequentialWrite")));
        };
    }

    private static Column strata(String header, String tier) {
        return new Column(header, Column.Kind.STRATA, STRATA_CLASS, tier, Column.CACHE_OPERATIONS);
    }

    private static Column peer(String header, String className, String tier) {
        return new Column(header, Column.Kind.PEER, className, tier, Column.CACHE_OPERATIONS);
    }

    private static Column raw(String header, String className, Map<String, String> methods) {
        return new Column(header, Column.Kind.RAW, className, null, methods);
    }
}
