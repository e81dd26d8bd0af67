package dev.strata;

import dev.strata.cache.Cache;
import dev.strata.codec.Codec;
import dev.strata.exec.TaskMemory;
import dev.strata.exec.TaskMemoryFactory;
import dev.strata.manager.ManagerStats;
import dev.strata.manager.MemoryManager;
import dev.strata.manager.PoolState;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.PageAllocatorStats;
import dev.strata.memory.PlatformMXBeans;
import dev.strata.memory.SlabSourceKind;
import dev.strata.tier.CacheManager;
import dev.strata.tier.disk.DiskQuota;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.management.ObjectName;

/**
 * A Strata engine: one memory budget (an on-heap region, an off-heap region and optionally a disk quota) shared by
 * every cache and task created from it, arbitrated by one memory manager.
 *
 * {@snippet :
 * try (Engine engine = Engine.builder()
 *         .memoryManager(MemoryManagerKind.UNIFIED)
 *         .heap(DataSize.ofMebibytes(64))
 *         .offHeap(DataSize.ofMebibytes(256), OffHeapBackend.ARENA)
 *         .pageSize(DataSize.ofKibibytes(64))
 *         .build()) {
 *     System.out.println(engine.plan());
 * }
 * }
 *
 * <p>Thread-safety: an engine may be used from any number of threads. {@link #close()} must not race with other
 * calls; calls after it throw {@link IllegalStateException}.
 */
public final class Engine implements AutoCloseable {

    private final EngineConfig config;
    private final MemoryManager memoryManager;
    /** Pages of the off-heap region (storage of off-heap tiers, off-heap execution); null without an off-heap region. */
    private final PageAllocator offHeapPages;
    /** Heap pages for on-heap execution; null without a heap region. */
    private final PageAllocator heapPages;
    /** The quota all disk tiers share; null without a disk. */
    private final DiskQuota diskQuota;
    private final CacheManager caches;
    private final TaskMemoryFactory tasks;
    /** The engine's MXBean registration; null if registration failed (logged). */
    private ObjectName mxBeanName;
    private volatile boolean closed;

    private Engine(EngineConfig config) {
        this.config = config;
        this.memoryManager = MemoryManager.create(config.memoryManager(), config.heapRegionBytes(),
                config.offHeapRegionBytes(), config.storageFraction());
        this.offHeapPages = config.offHeapRegionBytes() == 0 ? null : PageAllocator.create(new PageAllocatorConfig(
                config.name() + ".off-heap", slabSource(config.offHeapBackend()), config.pageSizeBytes(),
                config.offHeapSlabBytes(), config.offHeapRegionBytes(), config.strict(), false));
        this.heapPages = config.heapRegionBytes() == 0 ? null : PageAllocator.create(new PageAllocatorConfig(
                config.name() + ".heap", SlabSourceKind.HEAP, config.pageSizeBytes(), config.heapSlabBytes(),
                config.heapRegionBytes(), config.strict(), false));
        this.diskQuota = config.diskDirectory() == null ? null
                : new DiskQuota(config.diskQuotaBytes(), config.diskIndexBytes());
        this.caches = CacheManager.create(memoryManager, offHeapPages, config.diskDirectory(), diskQuota,
                config.offHeapRegionBytes() == 0 ? Long.MAX_VALUE : config.offHeapTableBytes(), config.idleCacheAfter(),
                System::nanoTime, config.strict());
        this.tasks = new TaskMemoryFactory(memoryManager, heapPages, offHeapPages, spillDirectory(config),
                config.strict());
    }

    /** Spill files go under the disk directory when there is one, else under the JVM's temporary directory. */
    private static Path spillDirectory(EngineConfig config) {
        return config.diskDirectory() != null ? config.diskDirectory().resolve("exec-spill")
                : Path.of(System.getProperty("java.io.tmpdir"), "strata-" + config.name() + "-spill");
    }

    /**
     * Starts a task: its execution memory (pages and bytes for its {@link dev.strata.exec.MemoryConsumer}s, for
     * example an {@link dev.strata.exec.ExternalSorter}) comes from this engine's execution pools, shared fairly with
     * every other running task. Close the task when it ends; that releases everything it still holds.
     *
     * {@snippet :
     * try (TaskMemory task = engine.newTask();
     *      ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP)) {
     *     sorter.insert(key, value);
     *     try (SortedRecords sorted = sorter.sortedRecords()) {
     *         while (sorted.next()) {
     *             process(sorted.key(), sorted.value());
     *         }
     *     }
     * }
     * }
     *
     * @return a new task
     * @throws IllegalStateException if the engine is closed
     */
    public TaskMemory newTask() {
        ensureOpen();
        return tasks.newTask();
    }

    /**
     * Starts configuring a cache that shares this engine's memory and disk with every other cache of the engine. When
     * caches contend for a region or the disk quota, each may hold an equal share: a cache refused room takes it from
     * the caches holding more than that, if it holds less, and otherwise moves its own coldest entries down. A cache
     * may also be bounded in each tier ({@link Cache.Builder#maximumSize}).
     *
     * {@snippet :
     * Cache<String, byte[]> cache = engine.newCache("blobs", Codecs.utf8(), Codecs.bytes())
     *         .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK)
     *         .build();
     * }
     *
     * @param name the cache's name: 1 to 100 characters from {@code [A-Za-z0-9._-]}, starting with a letter or digit;
     *     it names the cache's disk directory and MXBean
     * @param keyCodec encodes keys for the off-heap and disk tiers
     * @param valueCodec encodes values for the off-heap and disk tiers
     * @param <K> the key type
     * @param <V> the value type
     * @return a builder; {@link Cache.Builder#build()} creates the cache
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name breaks its rule
     * @throws IllegalStateException if the engine is closed
     */
    public <K, V> Cache.Builder<K, V> newCache(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
        ensureOpen();
        return caches.newCache(name, keyCodec, valueCodec);
    }

    private static SlabSourceKind slabSource(OffHeapBackend backend) {
        return switch (backend) {
            case DIRECT_BUFFER -> SlabSourceKind.DIRECT_BUFFER;
            case ARENA -> SlabSourceKind.ARENA;
            case HUGE_PAGES -> SlabSourceKind.HUGE_PAGES;
        };
    }

    /** {@return a new builder with the documented defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the engine's name, used in JMX object names and log messages} */
    public String name() {
        return config.name();
    }

    /**
     * {@return a snapshot of the engine's pools, page allocators, manager counters and tier bytes}
     *
     * @throws IllegalStateException if the engine is closed
     */
    public EngineStats stats() {
        ensureOpen();
        List<EngineStats.Pool> pools = new ArrayList<>();
        for (MemoryMode mode : MemoryMode.values()) {
            PoolState s = memoryManager.state(mode);
            pools.add(new EngineStats.Pool(mode, s.regionBytes(), s.protectedStorageBytes(), s.storagePoolBytes(),
                    s.storageUsedBytes(), s.executionPoolBytes(), s.executionUsedBytes(), s.activeTasks()));
        }
        List<EngineStats.Allocator> allocators = new ArrayList<>();
        for (PageAllocator allocator : allocators()) {
            PageAllocatorStats a = allocator.stats();
            allocators.add(new EngineStats.Allocator(a.backend(), a.slabs(), a.pagesTotal(), a.pagesUsed(),
                    a.bytesReserved(), a.budgetBytes(), a.pageSize()));
        }
        ManagerStats m = memoryManager.stats();
        EngineStats.Manager manager = new EngineStats.Manager(memoryManager.kind(), m.storageGrants(),
                m.storageRefusals(), m.executionGrants(), m.executionShortfalls(), m.executionWaits(),
                m.storageEvictedForExecutionBytes());
        Map<Tier, Long> tierBytes = caches.tierBytes();
        return new EngineStats(pools, allocators, manager, tasks.stats(), tierBytes, config.diskQuotaBytes(),
                diskQuota == null ? 0 : diskQuota.usedBytes(), config.diskIndexBytes(),
                diskQuota == null ? 0 : diskQuota.indexBytes(), caches.offHeapTableBytes(),
                config.offHeapTableBytes());
    }

    /**
     * {@return the bytes of the off-heap region's slabs that the kernel backs with huge pages now} 0 unless the
     * off-heap backend is {@link OffHeapBackend#HUGE_PAGES}; with it, what is short of the slabs' bytes the kernel
     * backed with 4 KiB pages, for want of a free 2 MiB page when the memory was first touched (the slabs work either
     * way, only slower). Read from {@code /proc/self/smaps}, which lists every mapping of the process: a call takes
     * milliseconds, so it is not part of {@link #stats()}. Thread-safe.
     *
     * @throws IllegalStateException if the engine is closed
     * @throws java.io.UncheckedIOException if the kernel's accounts could not be read
     */
    public long offHeapHugePageBytes() {
        ensureOpen();
        return offHeapPages == null ? 0 : offHeapPages.hugePageBytes();
    }

    /**
     * {@return the engine's memory layout as a readable table: reserved and user memory, the heap region with its
     * storage, execution and protected storage R, the off-heap region, memory outside the JVM's pools and the
     * container size it adds up to, with what each pool uses now and, under each storage pool, every cache's own
     * maximum size in that mode with what the cache holds there}
     *
     * @throws IllegalStateException if the engine is closed
     */
    public MemoryPlan plan() {
        ensureOpen();
        return MemoryPlan.builder().jvmHeap(DataSize.ofBytes(config.limits().maxHeapBytes()))
                .heapRegion(DataSize.ofBytes(config.heapRegionBytes()))
                .offHeap(DataSize.ofBytes(config.offHeapRegionBytes())).storageFraction(config.storageFraction())
                .memoryManager(config.memoryManager()).diskIndex(DataSize.ofBytes(config.diskIndexBytes()))
                .liveDiskIndex(diskQuota == null ? 0 : diskQuota.indexBytes())
                .offHeapTables(DataSize.ofBytes(config.offHeapTableBytes())).cacheMaximums(caches.memoryMaximums())
                .liveOffHeapTables(caches.offHeapTableBytes())
                .live(memoryManager.state(MemoryMode.ON_HEAP), memoryManager.state(MemoryMode.OFF_HEAP)).build();
    }

    private List<PageAllocator> allocators() {
        List<PageAllocator> list = new ArrayList<>(2);
        if (heapPages != null) {
            list.add(heapPages);
        }
        if (offHeapPages != null) {
            list.add(offHeapPages);
        }
        return list;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("engine '" + config.name() + "' is closed");
        }
    }

    /**
     * Closes the engine: closes its caches (a persistent disk tier keeps its files), stops its threads (the disk
     * compactor, and {@code strata-expiry-sweeper}, the daemon thread that removes expired entries from the memory
     * tiers once a cache with a time to live or to idle is open), then releases every slab it took (closing ARENA
     * slabs returns their memory to the operating system at once).
     *
     * @throws IllegalStateException in strict mode, if pages are still outstanding (a leak); the engine is closed
     *     all the same
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        PlatformMXBeans.unregister(mxBeanName);
        List<AutoCloseable> resources = new ArrayList<>();
        resources.add(caches);
        resources.addAll(allocators());
        closeAll(resources);
    }

    /** Closes every allocator even when one of them reports a leak; rethrows the first failure. */
    private static void closeAll(List<? extends AutoCloseable> resources) {
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } catch (Exception e) {
                throw new IllegalStateException("closing " + resource + " failed", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Builds an {@link Engine}. Every setter checks its own argument at once; settings that conflict with each other
     * or with the JVM's limits are refused by {@link #build()} with the numbers and the rule.
     *
     * <p>Not thread-safe; a builder may be reused to build several engines.
     */
    public static final class Builder {
        private String name = "strata";
        private MemoryManagerKind memoryManager = MemoryManagerKind.UNIFIED;
        private DataSize heap;
        private DataSize offHeap = DataSize.ZERO;
        private OffHeapBackend offHeapBackend = OffHeapBackend.ARENA;
        private DataSize pageSize = DataSize.ofKibibytes(64);
        private DataSize slabSize;
        private double storageFraction = 0.5;
        private Path diskDirectory;
        private DataSize diskQuota = DataSize.ZERO;
        private DataSize diskIndex;
        private DataSize offHeapTables;
        private Duration idleCacheAfter;
        private Boolean strict;

        private Builder() {
        }

        /**
         * Sets the engine's name (default {@code "strata"}).
         *
         * @param name a non-blank name
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         * @throws IllegalArgumentException if {@code name} is blank
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: not blank)");
            }
            this.name = name;
            return this;
        }

        /**
         * Chooses the memory manager (default {@link MemoryManagerKind#UNIFIED}).
         *
         * @param kind the manager
         * @return this builder
         * @throws NullPointerException if {@code kind} is null
         */
        public Builder memoryManager(MemoryManagerKind kind) {
            this.memoryManager = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /**
         * Sets the on-heap region the engine manages (storage for heap tiers, execution for on-heap tasks). Default:
         * 60% of what the heap has beyond the reserved memory, as Spark's {@code spark.memory.fraction}.
         *
         * @param size the region's size
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder heap(DataSize size) {
            this.heap = Objects.requireNonNull(size, "size");
            return this;
        }

        /**
         * Sets the off-heap region and where its native memory comes from (default: none).
         *
         * @param size the region's size; zero means no off-heap memory
         * @param backend the slab source
         * @return this builder
         * @throws NullPointerException if an argument is null
         */
        public Builder offHeap(DataSize size, OffHeapBackend backend) {
            this.offHeap = Objects.requireNonNull(size, "size");
            this.offHeapBackend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Sets the page size (default 64 KiB): a power of two from 4 KiB to 64 MiB.
         *
         * @param size the page size
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         * @throws IllegalArgumentException if the size is not a power of two in [4 KiB, 64 MiB]
         */
        public Builder pageSize(DataSize size) {
            Objects.requireNonNull(size, "size");
            EngineConfig.checkPageSize(size.bytes());
            this.pageSize = size;
            return this;
        }

        /**
         * Sets the slab size: how much memory the allocator takes from its source at a time. Default for
         * {@code DIRECT_BUFFER} and the heap: 1/16 of the region, between the page size and 64 MiB, in whole pages;
         * for {@code ARENA} and {@code HUGE_PAGES}: 64 MiB or the whole region when smaller, because glibc keeps
         * allocations of 32 MiB or less on its heap after it has freed a large one, and then closing the arena does not
         * return them to the OS. A {@code HUGE_PAGES} slab that is not a multiple of 2 MiB keeps its last part on
         * 4 KiB pages.
         *
         * @param size the slab size; checked at {@link #build()} to be a multiple of the page size
         * @return this builder
         * @throws NullPointerException if {@code size} is null
         */
        public Builder slabSize(DataSize size) {
            this.slabSize = Objects.requireNonNull(size, "size");
            return this;
        }

        /**
         * Sets the storage fraction (default 0.5): with the unified manager, the protected storage region R as a
         * fraction of each mode's region; with the static manager, the storage pool's fixed share.
         *
         * @param fraction a fraction in [0, 1)
         * @return this builder
         * @throws IllegalArgumentException if the fraction is outside [0, 1) or not a number
         */
        public Builder storageFraction(double fraction) {
            if (!(fraction >= 0.0 && fraction < 1.0)) {
                throw new IllegalArgumentException("storageFraction: " + fraction + " (expected: in [0, 1))");
            }
            this.storageFraction = fraction;
            return this;
        }

        /**
         * Gives the engine a directory for disk tiers and a quota for all the bytes it may write there. The engine
         * then compacts its disk tiers' files on one daemon thread of its own, named
         * {@code strata-disk-compactor-<directory name>}, which starts with the first compaction, ends after a
         * minute without one, and is stopped by {@link Engine#close()}.
         *
         * @param directory the directory; created when missing
         * @param quota the most bytes all disk tiers together may keep on disk
         * @return this builder
         * @throws NullPointerException if an argument is null
         */
        public Builder disk(Path directory, DataSize quota) {
            this.diskDirectory = Objects.requireNonNull(directory, "directory");
            this.diskQuota = Objects.requireNonNull(quota, "quota");
            return this;
        }

        /**
         * Sets the most heap the disk tiers' in-memory indexes may take, together. Each key on disk is charged its
         * slot in its tier's index (36 bytes, at a table's average fill), its encoded bytes and a 4-byte length; a put
         * of a new key that finds the charges at this limit makes its cache evict its oldest disk segment first, as a
         * full disk quota does. The indexes live on the heap outside the engine's region, in user memory (see
         * {@link MemoryPlan}); by default they may take half of it, and at least 1 MiB. {@link EngineStats} shows the
         * limit and the charges; the plan shows both in the user memory section.
         *
         * @param limit the limit, from 1 byte to the user memory
         * @return this builder
         * @throws NullPointerException if {@code limit} is null
         */
        public Builder diskIndexMemory(DataSize limit) {
            this.diskIndex = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /**
         * Sets the most heap the off-heap tiers' record tables may take, together. The records are off the heap, but
         * each has an 8-byte slot in its cache's table on the heap, and a table is at most half full, so small records
         * need much heap for their size: a {@code Long} key and value make a 32-byte record, whose slot takes 16 to 36
         * bytes of heap, and a region full of them would need more heap for its tables than the region holds. Once
         * the tables take more than half this limit no off-heap tier takes a new page: a tier that needs room recycles
         * its own pages (its coldest records move down a tier, as when the region is full). The other half is room
         * for the tables to grow in, since a table grows by doubling and the stripes' tables grow at nearly the same
         * moment; so the tables stay within the limit but for a new cache's first, empty tables, the few pages a cache
         * holding fewer than four may still take, and records the pages already taken come to hold beyond those they
         * held (smaller records replacing larger ones). The tables live on the heap outside
         * the engine's region, in user memory (see {@link MemoryPlan}); by default they may take half of what the
         * disk indexes leave of it (so a quarter beside a disk, half without), and at least 1 MiB.
         * {@link EngineStats} shows the limit and what the tables take; the plan shows both in the user memory
         * section.
         *
         * @param limit the limit, from 1 byte to the user memory (with {@link #diskIndexMemory}, both together)
         * @return this builder
         * @throws NullPointerException if {@code limit} is null
         */
        public Builder offHeapTableMemory(DataSize limit) {
            this.offHeapTables = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /**
         * Sets how long none of a cache's entries may be read (no hit, in any of its tiers) before it counts as idle;
         * default one minute. That is a cache a service stopped using, or one whose entries are written and not read
         * again (a log, an import, one-off results, a cache-aside whose keys never come back): what it holds serves
         * nobody. Caches share a contended memory mode, and the disk quota, by equal shares of what they hold; an idle
         * cache has no share: a cache in use that is refused memory or quota takes all an idle one holds (its entries
         * move down its tiers, and leave its lowest), an idle cache refused memory takes only from other idle caches
         * above an equal share of theirs (else it moves its own entries down), and execution reclaims storage from the
         * idle caches first. Without it such a cache kept an equal share until it was closed. The engine looks at the
         * caches' hit counts when one is refused memory or quota, at most every sixteenth of this time, with no cost
         * on a get; so a cache counts as idle this long after the first such look that follows its last hit, never
         * sooner, and as in use again from the next look after a hit; a cache's MXBean shows what the last look found
         * ({@link dev.strata.management.CacheMXBean#isIdle()}).
         *
         * @param idleTime the time without a hit; {@code Duration.ofDays(365_000)} or more never comes
         * @return this builder
         * @throws NullPointerException if {@code idleTime} is null
         * @throws IllegalArgumentException if {@code idleTime} is zero or negative
         */
        public Builder idleCacheAfter(Duration idleTime) {
            Objects.requireNonNull(idleTime, "idleTime");
            if (idleTime.isZero() || idleTime.isNegative()) {
                throw new IllegalArgumentException("idleCacheAfter: " + idleTime + " (expected: > 0)");
            }
            this.idleCacheAfter = idleTime;
            return this;
        }

        /**
         * Turns strict mode on or off. In strict mode closing an engine, cache or task with pages still outstanding
         * throws; otherwise the leak is logged with its owner. Default: the system property {@code strata.strict}
         * (off when unset; the project's tests set it).
         *
         * @param strict whether leaks throw
         * @return this builder
         */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * Checks the settings against each other and against the JVM's limits and builds the engine.
         *
         * @return a new engine
         * @throws IllegalArgumentException if settings conflict or exceed what the JVM can give, with the numbers
         *     and the rule (for example an off-heap {@code DIRECT_BUFFER} region above {@code MaxDirectMemorySize}, a
         *     {@code HUGE_PAGES} region in a JVM without native access for the engine, a disk index limit without a
         *     disk or above the user memory, or an off-heap table limit without an off-heap region or above it)
         */
        public Engine build() {
            boolean strictMode = strict != null ? strict : Boolean.getBoolean("strata.strict");
            EngineConfig config = EngineConfig.validate(name, memoryManager, heap, offHeap, offHeapBackend, pageSize,
                    slabSize, storageFraction, diskDirectory, diskQuota, diskIndex, offHeapTables, idleCacheAfter,
                    strictMode, JvmLimits.current());
            Engine engine = new Engine(config);
            engine.mxBeanName = PlatformMXBeans.register("Engine", config.name(), new EngineBean(engine));
            return engine;
        }
    }
}
