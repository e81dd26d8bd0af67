package dev.strata;

import dev.strata.manager.MemoryManager;
import dev.strata.manager.PoolState;
import dev.strata.tier.CacheMaximum;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The whole memory layout of one engine, after Spark's executor model: the JVM heap (reserved memory, user memory and
 * the engine's heap region with its storage and execution pools), the off-heap region, and the memory outside the
 * JVM's managed pools (overhead, external processes), with the container size they add up to.
 * {@link #toString()} prints it as an aligned table.
 *
 * <p>Rules, all in bytes:
 * <ul>
 * <li>reserved = {@link #reservedHeap(long) min(300 MiB, jvmHeap / 4)}: the JVM's and the application's own objects;
 * <li>heap region M = given, by default {@code floor((jvmHeap − reserved) × 0.6)} (Spark's memory fraction);
 * <li>user memory = jvmHeap − reserved − M: heap the engine does not manage;
 * <li>disk indexes = given, by default {@link #defaultDiskIndex max(user memory / 2, 1 MiB)}, when the engine has a
 *     disk: the part of user memory the disk tiers' key indexes may be charged (they live on the heap, outside M);
 * <li>off-heap tables = given, by default {@link #defaultOffHeapTables max((user memory − disk indexes) / 2, 1 MiB)},
 *     when the engine has an off-heap region: the part of user memory the off-heap tiers' record tables (one
 *     {@code long} per slot) may take; the tiers stop taking pages at half of it, the rest being room for the tables
 *     to double in;
 * <li>in each region, storage = {@code floor(region × storageFraction)} (default fraction 0.5) and execution = the
 *     rest; with the unified manager that storage share is the protected region R and only the initial split;
 * <li>overhead = given, by default {@code max(384 MiB, jvmHeap / 10)}, the 10 % truncated to a whole byte (Spark
 *     truncates to a whole MiB: 409 MiB for a 4 GiB heap; here it is 429,496,729 bytes, 409.6 MiB, so the table
 *     adds up to the byte);
 * <li>container = jvmHeap + overhead + off-heap + external processes (Spark's container request).
 * </ul>
 * An engine's live plan ({@code Engine.plan()}) also lists, under each storage pool, every cache's own maximum size in
 * that mode ({@code Cache.Builder.maximumSize}) with what the cache holds there.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * {@snippet :
 * MemoryPlan plan = MemoryPlan.builder()
 *         .jvmHeap(DataSize.ofGibibytes(4))
 *         .offHeap(DataSize.ofGibibytes(2))
 *         .externalProcesses(DataSize.ofGibibytes(1))      // e.g. Python workers
 *         .build();
 * long container = plan.containerBytes();                   // 4096 + 409.6 + 2048 + 1024 MiB
 * System.out.println(plan);
 * }
 */
public final class MemoryPlan {

    private static final long MIB = 1L << 20;
    /**
     * The least default disk index limit and off-heap table limit: 1 MiB, so a disk or off-heap tier holds keys even
     * when the region takes all.
     */
    private static final long MIN_DEFAULT_INDEX_BYTES = MIB;
    /** The most heap reserved for the JVM and the application: 300 MiB, as Spark. */
    private static final long RESERVED_HEAP_BYTES = 300 * MIB;
    /** The smallest default overhead: 384 MiB, as Spark. */
    private static final long MIN_OVERHEAD_BYTES = 384 * MIB;
    /** Spark's default memory fraction: the heap region's share of the usable heap. */
    private static final double DEFAULT_HEAP_FRACTION = 0.6;

    private final long jvmHeapBytes;
    private final long reservedBytes;
    private final long heapRegionBytes;
    private final long offHeapBytes;
    private final double storageFraction;
    private final MemoryManagerKind memoryManager;
    private final long externalProcessesBytes;
    private final long diskIndexBytes;
    private final long liveDiskIndexBytes;
    private final long offHeapTableBytes;
    /** The off-heap record tables' heap now, or -1 in a plan without live state. */
    private final long liveOffHeapTableBytes;
    private final long overheadBytes;
    private final long containerBytes;
    private final PoolState liveOnHeap;
    private final PoolState liveOffHeap;
    /** The caches' own maximums in the memory tiers (live plans only). */
    private final List<CacheMaximum> cacheMaximums;

    private MemoryPlan(Builder b, long heapRegionBytes, long offHeapTableBytes, long overheadBytes,
                       long containerBytes) {
        this.jvmHeapBytes = b.jvmHeap;
        this.reservedBytes = reservedHeap(b.jvmHeap);
        this.heapRegionBytes = heapRegionBytes;
        this.offHeapBytes = b.offHeap;
        this.storageFraction = b.storageFraction;
        this.memoryManager = b.memoryManager;
        this.externalProcessesBytes = b.externalProcesses;
        this.diskIndexBytes = b.diskIndex;
        this.liveDiskIndexBytes = b.liveDiskIndex;
        this.offHeapTableBytes = offHeapTableBytes;
        this.liveOffHeapTableBytes = b.liveOffHeapTables;
        this.overheadBytes = overheadBytes;
        this.containerBytes = containerBytes;
        this.liveOnHeap = b.liveOnHeap;
        this.liveOffHeap = b.liveOffHeap;
        this.cacheMaximums = b.cacheMaximums;
    }

    /** {@return a builder with the defaults above; only the JVM heap must be set} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The one rule for the heap left to the JVM and the application: {@code min(300 MiB, jvmHeap / 4)}, so small heaps
     * keep three quarters usable.
     *
     * @param jvmHeapBytes the JVM's max heap in bytes, {@code >= 0}
     * @return the reserved bytes
     * @throws IllegalArgumentException if {@code jvmHeapBytes} is negative
     */
    public static long reservedHeap(long jvmHeapBytes) {
        if (jvmHeapBytes < 0) {
            throw new IllegalArgumentException("jvmHeap: " + jvmHeapBytes + " bytes (expected: >= 0)");
        }
        return Math.min(RESERVED_HEAP_BYTES, jvmHeapBytes / 4);
    }

    /**
     * The one rule for the default disk index limit: half of user memory, and at least 1 MiB, so that a disk tier
     * holds keys even when the heap region takes all of the usable heap.
     *
     * @param userMemoryBytes the user memory: jvmHeap − reserved − heap region
     * @return the default limit of the disk tiers' index charges, in bytes
     */
    static long defaultDiskIndex(long userMemoryBytes) {
        return Math.max(userMemoryBytes / 2, MIN_DEFAULT_INDEX_BYTES);
    }

    /**
     * The one rule for the default off-heap table limit: half of the user memory the disk indexes leave (a quarter of
     * it beside default disk indexes, half without a disk), and at least 1 MiB.
     *
     * @param userMemoryLeftBytes the user memory less the disk index limit
     * @return the default limit of the heap the off-heap tiers' record tables may take, in bytes
     */
    static long defaultOffHeapTables(long userMemoryLeftBytes) {
        return Math.max(userMemoryLeftBytes / 2, MIN_DEFAULT_INDEX_BYTES);
    }

    /** {@return the JVM's max heap} */
    public long jvmHeapBytes() {
        return jvmHeapBytes;
    }

    /** {@return the heap reserved for the JVM and the application: {@link #reservedHeap(long)}} */
    public long reservedBytes() {
        return reservedBytes;
    }

    /** {@return the engine's heap region M, shared by on-heap storage and execution} */
    public long heapRegionBytes() {
        return heapRegionBytes;
    }

    /** {@return heap neither reserved nor managed by the engine: jvmHeap − reserved − heap region} */
    public long userMemoryBytes() {
        return jvmHeapBytes - reservedBytes - heapRegionBytes;
    }

    /**
     * {@return the most heap the disk tiers' key indexes may be charged, part of user memory; 0 without a disk} See
     * {@code Engine.Builder.diskIndexMemory}.
     */
    public long diskIndexBytes() {
        return diskIndexBytes;
    }

    /**
     * {@return the most heap the off-heap tiers' record tables may take, part of user memory (the tiers stop taking
     * pages at half of it); 0 without an off-heap region} See {@code Engine.Builder.offHeapTableMemory}.
     */
    public long offHeapTableBytes() {
        return offHeapTableBytes;
    }

    /** {@return the on-heap storage pool's initial (static: fixed) size} */
    public long onHeapStorageBytes() {
        return MemoryManager.protectedStorageBytes(heapRegionBytes, storageFraction);
    }

    /** {@return the on-heap execution pool's initial (static: fixed) size} */
    public long onHeapExecutionBytes() {
        return heapRegionBytes - onHeapStorageBytes();
    }

    /** {@return the off-heap storage pool's initial (static: fixed) size} */
    public long offHeapStorageBytes() {
        return MemoryManager.protectedStorageBytes(offHeapBytes, storageFraction);
    }

    /** {@return the off-heap execution pool's initial (static: fixed) size} */
    public long offHeapExecutionBytes() {
        return offHeapBytes - offHeapStorageBytes();
    }

    /**
     * {@return the protected storage region R of a mode: floor(region × storage fraction); cached data below it is
     * never evicted for execution (for the static manager, the whole fixed storage pool)}
     *
     * @param mode the memory mode
     * @throws NullPointerException if {@code mode} is null
     */
    public long protectedStorageBytes(MemoryMode mode) {
        return switch (Objects.requireNonNull(mode, "mode")) {
            case ON_HEAP -> onHeapStorageBytes();
            case OFF_HEAP -> offHeapStorageBytes();
        };
    }

    /** {@return the off-heap region: native memory for off-heap storage and execution} */
    public long offHeapBytes() {
        return offHeapBytes;
    }

    /** {@return native memory outside the managed pools: thread stacks, metaspace, code cache, native libraries} */
    public long overheadBytes() {
        return overheadBytes;
    }

    /** {@return memory of processes outside the JVM, e.g. Python workers} */
    public long externalProcessesBytes() {
        return externalProcessesBytes;
    }

    /** {@return what the container (or process limit) must allow: jvmHeap + overhead + off-heap + external} */
    public long containerBytes() {
        return containerBytes;
    }

    /** {@return the storage fraction} */
    public double storageFraction() {
        return storageFraction;
    }

    /** {@return the memory manager kind} */
    public MemoryManagerKind memoryManager() {
        return memoryManager;
    }

    /**
     * {@return the layout as an aligned table: one row per section and pool with its size, its share of the
     * enclosing section (top-level rows: of the container) and a short explanation; with live pool states, also each
     * pool's current size, used and borrowed bytes}
     */
    @Override
    public String toString() {
        return new PlanTable(this, liveOnHeap, liveOffHeap).render();
    }

    /**
     * Collects the settings of a {@link MemoryPlan}. Not thread-safe; each setter returns this builder.
     */
    public static final class Builder {
        private long jvmHeap = -1;
        private long heapRegion = -1;
        private long offHeap;
        private double storageFraction = 0.5;
        private MemoryManagerKind memoryManager = MemoryManagerKind.UNIFIED;
        private long externalProcesses;
        private long diskIndex;
        private long liveDiskIndex;
        private long offHeapTables = -1;
        private long liveOffHeapTables = -1;
        private List<CacheMaximum> cacheMaximums = List.of();
        private long overhead = -1;
        private PoolState liveOnHeap;
        private PoolState liveOffHeap;

        private Builder() {
        }

        /**
         * Sets the JVM's max heap (required).
         *
         * @param size the max heap, more than 0 bytes
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         * @throws IllegalArgumentException if {@code size} is 0
         */
        public Builder jvmHeap(DataSize size) {
            jvmHeap = Objects.requireNonNull(size, "size").bytes();
            if (jvmHeap == 0) {
                throw new IllegalArgumentException("jvmHeap: 0 B (expected: > 0)");
            }
            return this;
        }

        /**
         * Sets the engine's heap region M; by default {@code floor((jvmHeap − reserved) × 0.6)}.
         *
         * @param size the heap region
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder heapRegion(DataSize size) {
            heapRegion = Objects.requireNonNull(size, "size").bytes();
            return this;
        }

        /**
         * Sets the off-heap region; by default 0.
         *
         * @param size the off-heap region
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder offHeap(DataSize size) {
            offHeap = Objects.requireNonNull(size, "size").bytes();
            return this;
        }

        /**
         * Sets the storage fraction: R (unified) or the storage pool (static) as a share of each region; default 0.5.
         *
         * @param fraction in {@code [0, 1)}
         * @return this builder
         * @throws IllegalArgumentException if {@code fraction} is outside {@code [0, 1)}
         */
        public Builder storageFraction(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("storageFraction: " + fraction + " (expected: in [0, 1))");
            }
            storageFraction = fraction;
            return this;
        }

        /**
         * Sets the memory manager kind; default {@link MemoryManagerKind#UNIFIED}.
         *
         * @param kind the kind
         * @return this builder
         * @throws NullPointerException if {@code kind} is null
         */
        public Builder memoryManager(MemoryManagerKind kind) {
            memoryManager = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /**
         * Sets the memory of processes outside the JVM that the container must also hold, e.g. Python workers;
         * default 0.
         *
         * @param size their total memory
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder externalProcesses(DataSize size) {
            externalProcesses = Objects.requireNonNull(size, "size").bytes();
            return this;
        }

        /**
         * Sets the heap the disk tiers' key indexes may be charged, a part of user memory; default 0 (no disk).
         *
         * @param size the disk index limit
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder diskIndex(DataSize size) {
            diskIndex = Objects.requireNonNull(size, "size").bytes();
            return this;
        }

        /**
         * Sets the heap the off-heap tiers' record tables may take, a part of user memory; by default
         * {@code max((user memory − disk indexes) / 2, 1 MiB)} with an off-heap region, else 0.
         *
         * @param size the off-heap table limit
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder offHeapTables(DataSize size) {
            offHeapTables = Objects.requireNonNull(size, "size").bytes();
            return this;
        }

        /** Adds what the disk indexes are charged now; for the engine, which owns the disk quota. */
        Builder liveDiskIndex(long usedBytes) {
            liveDiskIndex = usedBytes;
            return this;
        }

        /** Adds the caches' own maximum sizes in the memory tiers, with what they hold; for the engine. */
        Builder cacheMaximums(List<CacheMaximum> maximums) {
            cacheMaximums = List.copyOf(maximums);
            return this;
        }

        /** Adds the heap the off-heap record tables take now; for the engine, which owns the caches. */
        Builder liveOffHeapTables(long usedBytes) {
            liveOffHeapTables = usedBytes;
            return this;
        }

        /**
         * Sets the native overhead outside the managed pools (thread stacks, metaspace, code cache, GC structures,
         * native libraries); by default {@code max(384 MiB, jvmHeap / 10)}.
         *
         * @param size the overhead
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder overhead(DataSize size) {
            overhead = Objects.requireNonNull(size, "size").bytes();
            return this;
        }

        /** Adds the pools' live state (used and borrowed columns); for the engine, which owns the manager. */
        Builder live(PoolState onHeap, PoolState offHeap) {
            liveOnHeap = Objects.requireNonNull(onHeap, "onHeap");
            liveOffHeap = Objects.requireNonNull(offHeap, "offHeap");
            return this;
        }

        /**
         * {@return the plan}
         *
         * @throws IllegalStateException if the JVM heap was not set
         * @throws IllegalArgumentException if the heap region exceeds jvmHeap − reserved, the container size
         *     overflows a {@code long}, or live pool states do not match the regions
         */
        public MemoryPlan build() {
            if (jvmHeap < 0) {
                throw new IllegalStateException("jvmHeap is not set (required)");
            }
            long usable = jvmHeap - reservedHeap(jvmHeap);
            long region = heapRegion >= 0 ? heapRegion : (long) Math.floor(usable * DEFAULT_HEAP_FRACTION);
            if (region > usable) {
                throw new IllegalArgumentException("heap region " + DataSize.format(region) + " (" + region
                        + " bytes) exceeds what the heap can give: " + DataSize.format(usable) + " (" + usable
                        + " bytes) = jvmHeap " + DataSize.format(jvmHeap) + " minus " + DataSize.format(jvmHeap - usable)
                        + " reserved for the JVM and the application");
            }
            long over = overhead >= 0 ? overhead : Math.max(MIN_OVERHEAD_BYTES, jvmHeap / 10);
            checkLive(liveOnHeap, MemoryMode.ON_HEAP, region);
            checkLive(liveOffHeap, MemoryMode.OFF_HEAP, offHeap);
            long container;
            try {
                container = Math.addExact(Math.addExact(jvmHeap, over), Math.addExact(offHeap, externalProcesses));
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("container size overflows a long: jvmHeap " + jvmHeap + " + overhead "
                        + over + " + offHeap " + offHeap + " + externalProcesses " + externalProcesses + " bytes", e);
            }
            long tables = offHeapTables >= 0 ? offHeapTables
                    : offHeap == 0 ? 0 : defaultOffHeapTables(usable - region - diskIndex);
            return new MemoryPlan(this, region, tables, over, container);
        }

        private static void checkLive(PoolState live, MemoryMode mode, long region) {
            if (live != null && (live.mode() != mode || live.regionBytes() != region)) {
                throw new IllegalArgumentException("live pool state " + live + " does not match the " + mode
                        + " region of " + region + " bytes");
            }
        }
    }

    /** Renders a plan as rows of text; one instance per {@link MemoryPlan#toString()} call. */
    private static final class PlanTable {
        private final MemoryPlan plan;
        private final PoolState onHeap;
        private final PoolState offHeap;
        private final List<String[]> rows = new ArrayList<>();

        PlanTable(MemoryPlan plan, PoolState onHeap, PoolState offHeap) {
            this.plan = plan;
            this.onHeap = onHeap;
            this.offHeap = offHeap;
        }

        String render() {
            MemoryPlan p = plan;
            boolean unified = p.memoryManager == MemoryManagerKind.UNIFIED;
            row("JVM heap", p.jvmHeapBytes, p.containerBytes, null, "the JVM's max heap (-Xmx)");
            row("  reserved", p.reservedBytes, p.jvmHeapBytes, null, "the JVM's and the application's objects: min(300 MiB, heap/4)");
            row("  user memory", p.userMemoryBytes(), p.jvmHeapBytes, null, "heap the engine does not manage");
            if (p.diskIndexBytes > 0) {
                String[] live = onHeap == null ? null
                        : new String[] {DataSize.format(p.diskIndexBytes), DataSize.format(p.liveDiskIndexBytes), ""};
                row("    disk indexes", p.diskIndexBytes, p.userMemoryBytes(), live,
                        "the disk tiers' key indexes: at most this much, else the oldest disk segment goes");
            }
            if (p.offHeapTableBytes > 0) {
                String[] live = p.liveOffHeapTableBytes < 0 ? null : new String[] {
                        DataSize.format(p.offHeapTableBytes), DataSize.format(p.liveOffHeapTableBytes), ""};
                row("    off-heap tables", p.offHeapTableBytes, p.userMemoryBytes(), live,
                        "the off-heap tiers' record tables: past half of this the tiers take no more pages");
            }
            row("  heap region M", p.heapRegionBytes, p.jvmHeapBytes, null, "on-heap storage + execution, one region");
            pools(p.heapRegionBytes, p.onHeapStorageBytes(), onHeap, unified, MemoryMode.ON_HEAP);
            row("off-heap region", p.offHeapBytes, p.containerBytes, null, "native memory, invisible to the GC");
            pools(p.offHeapBytes, p.offHeapStorageBytes(), offHeap, unified, MemoryMode.OFF_HEAP);
            row("overhead", p.overheadBytes, p.containerBytes, null, "thread stacks, metaspace, code cache, native libraries: max(384 MiB, heap/10)");
            row("external processes", p.externalProcessesBytes, p.containerBytes, null, "e.g. Python workers");
            row("container", p.containerBytes, p.containerBytes, null, "heap + overhead + off-heap + external processes = "
                    + String.format(Locale.ROOT, "%.1f MiB (%d bytes)", p.containerBytes / (double) MIB, p.containerBytes));
            return header(unified) + format() + "share: of the enclosing section (top-level rows: of the container); pool"
                    + " sizes are the initial split" + (unified ? ", the boundary then moves" : "") + "\n";
        }

        private void pools(long region, long storage, PoolState live, boolean unified, MemoryMode mode) {
            String[] storageLive = live == null ? null
                    : cells(live.storagePoolBytes(), live.storageUsedBytes(), live.storageBorrowedBytes());
            String[] executionLive = live == null ? null
                    : cells(live.executionPoolBytes(), live.executionUsedBytes(), live.executionBorrowedBytes());
            if (unified) {
                row("    storage (R)", storage, region, storageLive, "cached data; protected R, borrows free execution memory");
                cacheMaximums(mode, storage);
                row("    execution", region - storage, region, executionLive, "task working memory; takes free storage, evicts above R");
            } else {
                row("    storage", storage, region, storageLive, "cached data; fixed, evicts only its own entries");
                cacheMaximums(mode, storage);
                row("    execution", region - storage, region, executionLive, "task working memory; fixed, tasks spill");
            }
        }

        /** One row per cache with a maximum size of its own in {@code mode}, its share of the storage pool. */
        private void cacheMaximums(MemoryMode mode, long storage) {
            for (CacheMaximum maximum : plan.cacheMaximums) {
                if (maximum.mode() == mode) {
                    row("      cache " + maximum.cache(), maximum.maximumBytes(), storage, onHeap == null ? null
                            : new String[] {"", DataSize.format(maximum.heldBytes()), ""},
                            "the cache's own maximum here (maximumSize): past it, it moves its own entries down");
                }
            }
        }

        private void row(String name, long bytes, long whole, String[] live, String note) {
            String share = whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * bytes / whole);
            String[] liveCells = live != null ? live : onHeap != null ? new String[] {"", "", ""} : new String[0];
            String[] row = new String[4 + liveCells.length];
            row[0] = name;
            row[1] = DataSize.format(bytes);
            row[2] = share;
            System.arraycopy(liveCells, 0, row, 3, liveCells.length);
            row[row.length - 1] = note;
            rows.add(row);
        }

        private static String[] cells(long pool, long used, long borrowed) {
            return new String[] {DataSize.format(pool), DataSize.format(used), DataSize.format(borrowed)};
        }

        private String header(boolean unified) {
            String title = "Strata memory plan: " + plan.memoryManager + " memory manager, storage fraction "
                    + plan.storageFraction + (unified ? " (R = storage fraction x region)" : "") + "\n";
            String[] head = onHeap == null ? new String[] {"section / pool", "size", "share", "what it is"}
                    : new String[] {"section / pool", "size", "share", "pool now", "used", "borrowed", "what it is"};
            rows.addFirst(head);
            return title;
        }

        private String format() {
            int columns = rows.getFirst().length;
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int c = 0; c < columns; c++) {
                    widths[c] = Math.max(widths[c], row[c].length());
                }
            }
            StringBuilder out = new StringBuilder();
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < columns; c++) {
                    boolean text = c == 0 || c == columns - 1;
                    String cell = row[c];
                    String pad = " ".repeat(widths[c] - cell.length());
                    line.append(text ? cell + (c == columns - 1 ? "" : pad) : pad + cell).append(c == columns - 1 ? "" : "  ");
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
            return out.toString();
        }
    }
}
