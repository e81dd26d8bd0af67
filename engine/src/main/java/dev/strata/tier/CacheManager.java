package dev.strata.tier;

import dev.strata.DataSize;
import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.cache.RemovalListener;
import dev.strata.codec.Codec;
import dev.strata.manager.MemoryManager;
import dev.strata.manager.StorageEvictor;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PlatformMXBeans;
import dev.strata.tier.disk.DiskCompactor;
import dev.strata.tier.disk.DiskQuota;
import dev.strata.tier.disk.DiskStore;
import dev.strata.tier.disk.DiskStoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The engine's caches: creates them over the engine's memory manager, off-heap page allocator and disk quota, and is
 * the engine-wide {@link StorageEvictor}: when execution reclaims storage memory, entries of all caches (the idle ones
 * first, the others taken in turn) move down a tier; they are lost only from a cache's lowest tier. Its {@link
 * ExpirySweeper} removes the expired entries of the caches with expiry from their memory tiers.
 *
 * <p>Caches share the engine's memory by equal shares under contention ({@link #reclaimForShare}): a cache whose heap
 * or off-heap tier is refused memory takes room from the caches holding more than an equal share of what the caches
 * hold in that mode, if it holds less; otherwise it moves its own coldest entries down. So a cache that floods the
 * engine with entries nobody reads pushes the others down to an equal share at most, not out, and once none of its
 * entries has been read for the engine's idle time it is idle ({@link IdleCaches}) and has no share: the caches in use
 * take what it holds, and execution reclaims from it first.
 *
 * <p>Thread-safe.
 */
public final class CacheManager implements StorageEvictor, AutoCloseable {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final long MAX_DISK_SEGMENT = 64L << 20;
    private static final int SEGMENTS_PER_QUOTA = 16;
    /** The smallest maximum disk size a cache takes: {@value #SEGMENTS_PER_QUOTA} segments of the smallest size. */
    private static final long MIN_MAXIMUM_DISK_BYTES = SEGMENTS_PER_QUOTA * DiskStoreConfig.MIN_SEGMENT_BYTES;

    private final MemoryManager memory;
    private final PageAllocator offHeap;
    private final Path diskDirectory;
    private final DiskQuota diskQuota;
    /** Runs the disk stores' compactions and evictions ahead; package-private so a test can wait for it. */
    final DiskCompactor diskCompactor;
    private final boolean strict;
    /** The heap the caches' off-heap record tables take, and its limit. */
    private final TableMemory tables;
    private final ConcurrentHashMap<String, TieredCache<?, ?>> caches = new ConcurrentHashMap<>();
    /** Sweeps expired entries out of the caches with expiry; package-private so a test can see it run. */
    final ExpirySweeper sweeper = new ExpirySweeper(caches::values, ExpirySweeper.PERIOD_MILLIS);
    /** How a cache refused memory or disk quota takes it from the others, by equal shares. */
    private final Tiers.Neighbours neighbours = new Tiers.Neighbours() {
        @Override
        public long reclaim(Tiers<?, ?> requester, MemoryMode mode, long bytes) {
            return reclaimForShare(requester, mode, bytes);
        }

        @Override
        public boolean evictDisk(Tiers<?, ?> requester) {
            return evictDiskForShare(requester);
        }
    };
    /** The removals of every cache, waiting to be handed to the caches' listeners. */
    private final RemovalQueue removalQueue = new RemovalQueue();
    /** Which caches have seen no hit for the idle time, and so have no share. */
    private final IdleCaches idle;
    private final AtomicInteger cursor = new AtomicInteger();
    private volatile boolean closed;

    private CacheManager(MemoryManager memory, PageAllocator offHeap, Path diskDirectory, DiskQuota diskQuota,
                         long offHeapTableLimitBytes, IdleCaches idle, boolean strict) {
        this.memory = memory;
        this.idle = idle;
        this.tables = new TableMemory(offHeapTableLimitBytes);
        this.offHeap = offHeap;
        this.diskDirectory = diskDirectory;
        this.diskQuota = diskQuota;
        this.diskCompactor = diskDirectory == null ? null
                : new DiskCompactor("strata-disk-compactor-" + diskDirectory.getFileName());
        this.strict = strict;
    }

    /**
     * Creates the engine's cache manager and installs it as {@code memory}'s storage evictor.
     *
     * @param memory the engine's memory manager
     * @param offHeap the page allocator of the off-heap region, or null if the engine has none
     * @param diskDirectory where caches keep their disk tiers (one sub-directory per cache), or null for no disk
     * @param diskQuota the quota all disk tiers share; null exactly when {@code diskDirectory} is null
     * @param offHeapTableLimitBytes the most heap the off-heap tiers' record tables may take, together: the tiers stop
     *     taking pages at half of it ({@link Long#MAX_VALUE}: no limit)
     * @param idleCacheAfter how long a cache must see no hit to have no share of contended memory or quota
     * @param nanoTime the time source of that, in nanoseconds ({@code System::nanoTime}; tests move one by hand)
     * @param strict whether leaks found at close throw (tests) instead of being logged
     * @return the manager
     * @throws NullPointerException if {@code memory}, {@code idleCacheAfter} or {@code nanoTime} is null
     * @throws IllegalArgumentException if only one of {@code diskDirectory} and {@code diskQuota} is given, the table
     *     limit is less than 1 byte or the idle time is not positive
     */
    public static CacheManager create(MemoryManager memory, PageAllocator offHeap, Path diskDirectory,
                                      DiskQuota diskQuota, long offHeapTableLimitBytes, Duration idleCacheAfter,
                                      LongSupplier nanoTime, boolean strict) {
        Objects.requireNonNull(memory, "memory");
        if ((diskDirectory == null) != (diskQuota == null)) {
            throw new IllegalArgumentException("diskDirectory: " + diskDirectory + ", diskQuota: " + diskQuota
                    + " (expected: both or neither)");
        }
        IdleCaches idle = new IdleCaches(Objects.requireNonNull(idleCacheAfter, "idleCacheAfter"), nanoTime);
        CacheManager manager = new CacheManager(memory, offHeap, diskDirectory, diskQuota, offHeapTableLimitBytes,
                idle, strict);
        memory.setStorageEvictor(manager);
        return manager;
    }

    /**
     * Starts configuring a cache.
     *
     * @param name the cache's name: 1 to 100 characters from {@code [A-Za-z0-9._-]}, starting with a letter or digit
     *     (it names the cache's disk directory and MXBean)
     * @param keyCodec encodes keys for the off-heap and disk tiers (and estimates heap weights)
     * @param valueCodec encodes values likewise
     * @param <K> the key type
     * @param <V> the value type
     * @return a builder; {@link Cache.Builder#build()} creates the cache
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name breaks its rule
     * @throws IllegalStateException if this manager is closed
     */
    public <K, V> Cache.Builder<K, V> newCache(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyCodec, "keyCodec");
        Objects.requireNonNull(valueCodec, "valueCodec");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: 1 to 100 characters from "
                    + "[A-Za-z0-9._-], starting with a letter or digit)");
        }
        checkOpen();
        return new Builder<>(name, keyCodec, valueCodec);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cache manager is closed");
        }
    }

    /** {@return whether the engine has an off-heap region} */
    boolean hasOffHeap() {
        return offHeap != null;
    }

    /** {@return whether the engine has a disk directory} */
    boolean hasDisk() {
        return diskDirectory != null;
    }

    /** Opens a cache: its tiers hold the values themselves, or, with a time to live, {@link Expiring} ones. */
    private synchronized <K, V> Cache<K, V> open(String name, Codec<K> keyCodec, Codec<V> valueCodec,
                                                 List<Tier> tiers, Map<Tier, Long> maximumSizes,
                                                 Promotion promotion, boolean persistent, Expiry expiry,
                                                 Refresh<K, V> refresh, Duration idleTime,
                                                 Removals.Listening listening) {
        if (expiry == null) {
            return withIdleTime(openTiered(name, keyCodec, valueCodec, tiers, maximumSizes, promotion, persistent,
                    null, listening), idleTime);
        }
        return new ExpiringCache<>(withIdleTime(openTiered(name, keyCodec, new ExpiringCodec<>(valueCodec), tiers,
                maximumSizes, promotion, persistent, expiry, listening), idleTime), expiry, valueCodec, refresh);
    }

    /** {@return {@code cache}, given an idle time of its own if {@code idleTime} is not null} */
    private <C extends TieredCache<?, ?>> C withIdleTime(C cache, Duration idleTime) {
        if (idleTime != null) {
            idle.setIdleTime(cache, idleTime);
        }
        return cache;
    }

    private <K, V> TieredCache<K, V> openTiered(String name, Codec<K> keyCodec, Codec<V> valueCodec,
                                                List<Tier> tiers, Map<Tier, Long> maximumSizes,
                                                Promotion promotion, boolean persistent, Expiry expiry,
                                                Removals.Listening listening) {
        checkOpen();
        if (caches.containsKey(name)) {
            throw new IllegalStateException("cache '" + name + "' is already open (expected: a unique name)");
        }
        Long diskMaximum = maximumSizes.get(Tier.DISK);
        DiskStore disk = tiers.contains(Tier.DISK) ? openDisk(name, persistent, expiry != null, diskMaximum) : null;
        Tiers<K, V> tierSet = new Tiers<>(name, tiers, keyCodec, valueCodec, memory, offHeap, disk,
                diskQuota == null ? 0 : diskQuota.limitBytes(), maximumSizes, neighbours, expiry, tables, removalQueue,
                listening);
        ObjectName[] beanName = new ObjectName[1];
        TieredCache<K, V> cache = new TieredCache<>(tierSet, promotion, persistent, strict, () -> {
            PlatformMXBeans.unregister(beanName[0]);
            caches.remove(name);
        });
        caches.put(name, cache);
        beanName[0] = PlatformMXBeans.register("Cache", name, new CacheBean(cache, () -> isIdle(cache)));
        if (expiry != null) {
            sweeper.start();
        }
        return cache;
    }

    /**
     * Opens a cache's disk store on a child of the engine's quota, limited to the cache's {@code maximum} or, without
     * one, to the engine's quota (so a maximum can be set later, {@link Tiers#setMaximum}); its segments are a
     * sixteenth of the smaller of the two (from 64 KiB to 64 MiB, a power of two).
     */
    private DiskStore openDisk(String name, boolean persistent, boolean expiring, Long maximum) {
        DiskQuota quota = diskQuota.limitedTo(maximum == null ? diskQuota.limitBytes() : maximum);
        long limit = Math.min(diskQuota.limitBytes(), quota.limitBytes());
        long segmentBytes = Math.clamp(Long.highestOneBit(Math.max(1, limit / SEGMENTS_PER_QUOTA)),
                DiskStoreConfig.MIN_SEGMENT_BYTES, MAX_DISK_SEGMENT);
        DiskStoreConfig config = DiskStoreConfig.defaults().withSegmentBytes(segmentBytes).withPersistent(persistent)
                .withDeadlines(expiring ? value -> ExpiringCodec.deadline(value, 0) : null);   // found by the sweeper
        DiskStore store;
        try {
            store = DiskStore.open(diskDirectory.resolve(name), config, quota, diskCompactor);
        } catch (IOException e) {
            throw new UncheckedIOException("cache '" + name + "': cannot open its disk tier in "
                    + diskDirectory.resolve(name), e);
        }
        if (persistent) {
            try {
                ValueFormatFile.check(diskDirectory.resolve(name), name, expiring, store.size() > 0);
            } catch (IOException e) {
                store.close();
                throw new UncheckedIOException("cache '" + name + "': cannot check its value format in "
                        + diskDirectory.resolve(name), e);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        return store;
    }

    /**
     * Execution reclaim: moves entries of all caches, the idle ones first and then the others taken in turn, down a
     * tier until {@code bytes} of storage memory in {@code mode} are freed (and released to the manager) or nothing
     * more can move. Called by the memory manager without its lock.
     *
     * @param mode the memory mode whose storage must shrink
     * @param bytes how many bytes are wanted
     * @return the bytes freed
     */
    @Override
    public long evictStorage(MemoryMode mode, long bytes) {
        try {
            return reclaimInTurn(mode, bytes);
        } finally {
            removalQueue.deliver();                    // the entries it evicted, to their caches' listeners
        }
    }

    /**
     * Frees up to {@code bytes} of storage memory in {@code mode} for {@code requester}, a cache's tiers refused memory
     * there: from the idle caches ({@link IdleCaches}), and then, if the requester holds less than an equal share of
     * what the caches in use hold in {@code mode} ({@link Shares}), from those holding more, the most above it first
     * and none below it; an idle requester only from other idle caches above an equal share of theirs. {@return bytes
     * freed; 0 when nothing is offered (the requester must then move its own entries down)}
     */
    long reclaimForShare(Tiers<?, ?> requester, MemoryMode mode, long bytes) {
        if (caches.size() < 2) {
            return 0;                                  // alone: its share is all (an off-heap tier asks once a page)
        }
        Shares shares = shares(requester, tiers -> tiers.heldBytes(mode));
        long freed = 0;
        for (Shares.Above above = shares.nextAboveShare(); above != null && freed < bytes;
             above = shares.nextAboveShare()) {
            long wanted = Math.min(bytes - freed, above.excessBytes());
            freed += asEvictor(above.cache(), tiers -> tiers.reclaim(mode, wanted));
        }
        return freed;
    }

    /**
     * Evicts the oldest disk segment of a cache {@link Shares} offers, for {@code requester}, whose disk write found
     * the engine's quota full or nearly full: an idle cache holding disk files, else the cache holding the most above
     * an equal share of the caches' files if the requester holds less than that share (an idle requester: only idle
     * caches above an equal share of theirs). {@return whether a segment was evicted; false when nothing was offered
     * (the requester must then evict its own) or no cache offered had a segment}
     */
    boolean evictDiskForShare(Tiers<?, ?> requester) {
        if (caches.size() < 2) {
            return false;
        }
        Shares shares = shares(requester, Tiers::diskFileBytes);
        for (Shares.Above above = shares.nextAboveShare(); above != null; above = shares.nextAboveShare()) {
            if (asEvictor(above.cache(), tiers -> tiers.evictOwnDisk() ? 1 : 0) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Looks for idle caches, if a look is due ({@link IdleCaches#look}); package-private so a test can make one. */
    void lookForIdleCaches() {
        idle.look(caches.values());
    }

    /** {@return whether the last look found {@code cache} idle} */
    boolean isIdle(TieredCache<?, ?> cache) {
        return idle.isIdle(cache);
    }

    /** {@return the shares of what {@code holds} measures, for {@code requester}, after a look for idle caches} */
    private Shares shares(Tiers<?, ?> requester, ToLongFunction<Tiers<?, ?>> holds) {
        lookForIdleCaches();
        return new Shares(caches.values(), requester, holds, this::isIdle);
    }

    /**
     * Frees up to {@code bytes} in {@code mode} from every cache: the idle ones first, then the others taken in turn.
     * {@return bytes freed}
     */
    private long reclaimInTurn(MemoryMode mode, long bytes) {
        lookForIdleCaches();
        List<TieredCache<?, ?>> all = new ArrayList<>(caches.values());
        if (all.isEmpty()) {
            return 0;
        }
        int start = Math.floorMod(cursor.getAndIncrement(), all.size());
        List<TieredCache<?, ?>> order = new ArrayList<>(all.size());
        List<TieredCache<?, ?>> inUse = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            TieredCache<?, ?> cache = all.get((start + i) % all.size());
            (isIdle(cache) ? order : inUse).add(cache);        // asked once each: a look may change the answer
        }
        order.addAll(inUse);                                   // idle first, then the others in turn
        long freed = 0;
        for (int i = 0; i < order.size() && freed < bytes; i++) {
            long wanted = bytes - freed;
            freed += asEvictor(order.get(i), tiers -> tiers.reclaim(mode, wanted));
        }
        return freed;
    }

    /** {@return what {@code work} on {@code cache}'s tiers answered, run as the engine's evictor; 0 if it is closed} */
    private static long asEvictor(TieredCache<?, ?> cache, ToLongFunction<Tiers<?, ?>> work) {
        if (!cache.tryEnter()) {
            return 0;
        }
        try {
            return work.applyAsLong(cache.tiersImpl());
        } finally {
            cache.exitEvictor();
        }
    }

    /**
     * {@return the open caches' own maximum sizes in the memory tiers, with what each holds there now, by cache name
     * and then heap before off-heap; caches without a maximum in a memory tier are left out}
     */
    public List<CacheMaximum> memoryMaximums() {
        List<CacheMaximum> maximums = new ArrayList<>();
        for (TieredCache<?, ?> cache : caches.values()) {
            Tiers<?, ?> tiers = cache.tiersImpl();
            for (Tier tier : List.of(Tier.HEAP, Tier.OFF_HEAP)) {
                MemoryMode mode = tier == Tier.HEAP ? MemoryMode.ON_HEAP : MemoryMode.OFF_HEAP;
                if (tiers.maximumSize(tier) > 0) {
                    maximums.add(new CacheMaximum(cache.name(), mode, tiers.maximumSize(tier), tiers.heldBytes(mode)));
                }
            }
        }
        maximums.sort(Comparator.comparing(CacheMaximum::cache).thenComparing(CacheMaximum::mode));
        return maximums;
    }

    /** {@return the bytes each tier holds, summed over the open caches (see {@link Cache#bytes(Tier)})} */
    public Map<Tier, Long> tierBytes() {
        Map<Tier, Long> bytes = new EnumMap<>(Tier.class);
        Arrays.stream(Tier.values()).forEach(tier -> bytes.put(tier, 0L));
        for (TieredCache<?, ?> cache : caches.values()) {
            for (CacheStats.TierStats tier : cache.stats().tiers()) {
                bytes.merge(tier.tier(), tier.bytes(), Long::sum);
            }
        }
        return bytes;
    }

    /**
     * {@return the heap the open caches' off-heap record tables take: one {@code long} per slot, tables at most half
     * full; it lives outside the engine's heap region, in user memory}
     */
    public long offHeapTableBytes() {
        return tables.bytes();
    }

    /** {@return a snapshot of every open cache's statistics} */
    public List<CacheStats> stats() {
        return caches.values().stream().map(Cache::stats).toList();
    }

    /**
     * Closes every open cache (see {@link Cache#close()}), then stops the expiry sweeper's and the disk compactor's
     * threads; later calls to {@link #newCache} throw. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        for (TieredCache<?, ?> cache : new ArrayList<>(caches.values())) {
            cache.close();
        }
        sweeper.close();
        if (diskCompactor != null) {
            diskCompactor.close();
        }
        memory.setStorageEvictor(StorageEvictor.NONE);
    }

    /** The builder {@link #newCache} returns. Not thread-safe. */
    private final class Builder<K, V> implements Cache.Builder<K, V> {

        private final String name;
        private final Codec<K> keyCodec;
        private final Codec<V> valueCodec;
        private List<Tier> tiers = List.of(Tier.HEAP);
        private Promotion promotion = Promotion.ON_SECOND_HIT;
        private boolean persistent;
        /** Null: entries never expire, or their time to live is computed ({@link #timeToLiveOf}). */
        private Duration timeToLive;
        /** Null: entries never expire, or they share one time to live ({@link #timeToLive}). */
        private BiFunction<? super K, ? super V, Duration> timeToLiveOf;
        /** Null: reads do not renew deadlines. */
        private Duration timeToIdle;
        /** Null: values are not refreshed ({@link #reloader} and {@link #refreshExecutor} unused). */
        private Duration refreshInterval;
        private BiFunction<? super K, ? super V, ? extends V> reloader;
        private Executor refreshExecutor;
        private InstantSource clock = InstantSource.system();
        /** The maximum size of each tier named, in bytes. */
        private final Map<Tier, Long> maximumSizes = new EnumMap<>(Tier.class);
        /** Null: the engine's idle time. */
        private Duration idleTime;
        /** Null: no removal listener. */
        private Removals.Listening listening;
        private boolean built;

        Builder(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
            this.name = name;
            this.keyCodec = keyCodec;
            this.valueCodec = valueCodec;
        }

        @Override
        public Cache.Builder<K, V> tiers(Tier... tiers) {
            Objects.requireNonNull(tiers, "tiers");
            List<Tier> list = Arrays.asList(tiers.clone());
            for (int i = 0; i < list.size(); i++) {
                Objects.requireNonNull(list.get(i), "tiers[" + i + "]");
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("tiers: [] (expected: at least one tier)");
            }
            for (int i = 1; i < list.size(); i++) {
                if (list.get(i).ordinal() <= list.get(i - 1).ordinal()) {
                    throw new IllegalArgumentException("tiers: " + list + " (expected: distinct, in the order HEAP, "
                            + "OFF_HEAP, DISK)");
                }
            }
            List<String> missing = new ArrayList<>();
            if (list.contains(Tier.OFF_HEAP) && !hasOffHeap()) {
                missing.add("OFF_HEAP (the engine has no off-heap region)");
            }
            if (list.contains(Tier.DISK) && !hasDisk()) {
                missing.add("DISK (the engine has no disk directory)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("tiers: " + list + " (not available: " + String.join(", ", missing)
                        + ")");
            }
            this.tiers = List.copyOf(list);
            return this;
        }

        @Override
        public Cache.Builder<K, V> maximumSize(Tier tier, DataSize size) {
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(size, "size");
            long minimum = minimumSize(tier);
            if (size.bytes() < minimum) {
                throw new IllegalArgumentException("maximumSize: " + tier + " " + size.bytes() + " bytes (expected: "
                        + "at least " + minimum + (minimum == 1 ? " byte" : " bytes") + minimumRule(tier) + ")");
            }
            long pageSize = tier == Tier.OFF_HEAP ? minimum : 1;
            maximumSizes.put(tier, size.bytes() / pageSize * pageSize);   // off the heap, in whole pages
            return this;
        }

        /** {@return the smallest maximum size {@code tier} takes} */
        private long minimumSize(Tier tier) {
            return switch (tier) {
                case HEAP -> 1;
                case OFF_HEAP -> offHeap == null ? 1 : offHeap.pageSize();
                case DISK -> MIN_MAXIMUM_DISK_BYTES;
            };
        }

        private static String minimumRule(Tier tier) {
            return switch (tier) {
                case HEAP -> "";
                case OFF_HEAP -> ", one page";
                case DISK -> ", " + SEGMENTS_PER_QUOTA + " segments of the smallest size, 1 MiB";
            };
        }

        @Override
        public Cache.Builder<K, V> idleCacheAfter(Duration idleTime) {
            IdleCaches.checkPositive(Objects.requireNonNull(idleTime, "idleTime"));
            this.idleTime = idleTime;
            return this;
        }

        @Override
        public Cache.Builder<K, V> removalListener(RemovalListener<? super K, ? super V> listener) {
            return removalListener(listener, ForkJoinPool.commonPool());
        }

        @Override
        public Cache.Builder<K, V> removalListener(RemovalListener<? super K, ? super V> listener,
                                                   Executor executor) {
            this.listening = new Removals.Listening(Objects.requireNonNull(listener, "listener"),
                    Objects.requireNonNull(executor, "executor"));
            return this;
        }

        @Override
        public Cache.Builder<K, V> promotion(Promotion promotion) {
            this.promotion = Objects.requireNonNull(promotion, "promotion");
            return this;
        }

        @Override
        public Cache.Builder<K, V> persistent(boolean persistent) {
            this.persistent = persistent;
            return this;
        }

        @Override
        public Cache.Builder<K, V> expireAfterWrite(Duration timeToLive) {
            this.timeToLive = atLeastOneMillisecond("timeToLive", timeToLive);
            this.timeToLiveOf = null;
            return this;
        }

        @Override
        public Cache.Builder<K, V> expireAfterWrite(BiFunction<? super K, ? super V, Duration> timeToLive) {
            this.timeToLiveOf = Objects.requireNonNull(timeToLive, "timeToLive");
            this.timeToLive = null;
            return this;
        }

        @Override
        public Cache.Builder<K, V> expireAfterAccess(Duration timeToIdle) {
            this.timeToIdle = atLeastOneMillisecond("timeToIdle", timeToIdle);
            return this;
        }

        @Override
        public Cache.Builder<K, V> refreshAfterWrite(Duration interval,
                                                     BiFunction<? super K, ? super V, ? extends V> reloader) {
            return refreshAfterWrite(interval, reloader, ForkJoinPool.commonPool());
        }

        @Override
        public Cache.Builder<K, V> refreshAfterWrite(Duration interval,
                                                     BiFunction<? super K, ? super V, ? extends V> reloader,
                                                     Executor executor) {
            Duration checked = atLeastOneMillisecond("interval", interval);
            this.reloader = Objects.requireNonNull(reloader, "reloader");
            this.refreshExecutor = Objects.requireNonNull(executor, "executor");
            this.refreshInterval = checked;
            return this;
        }

        /** {@return {@code duration}, checked: not null, and at least one millisecond} */
        private static Duration atLeastOneMillisecond(String name, Duration duration) {
            Objects.requireNonNull(duration, name);
            if (duration.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(name + ": " + duration + " (expected: at least 1 ms)");
            }
            return duration;
        }

        @Override
        public Cache.Builder<K, V> clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        @Override
        public Cache<K, V> build() {
            if (built) {
                throw new IllegalStateException("cache '" + name + "': builder already used");
            }
            if (persistent && !tiers.contains(Tier.DISK)) {
                throw new IllegalArgumentException("persistent: true with tiers " + tiers
                        + " (expected: a DISK tier for a persistent cache)");
            }
            if (timeToIdle != null && (timeToLive != null || timeToLiveOf != null)) {
                throw new IllegalArgumentException("expireAfterAccess: " + timeToIdle + " with expireAfterWrite: "
                        + (timeToLive != null ? timeToLive : "per entry") + " (expected: one of them)");
            }
            checkRefresh();
            for (Tier tier : maximumSizes.keySet()) {
                if (!tiers.contains(tier)) {
                    throw new IllegalArgumentException("maximumSize: " + tier + " with tiers " + tiers
                            + " (expected: a tier of the cache)");
                }
            }
            built = true;
            Refresh<K, V> refresh = refreshInterval == null ? null
                    : new Refresh<>(saturatedMillis(refreshInterval), reloader, refreshExecutor);
            return open(name, keyCodec, valueCodec, tiers, Map.copyOf(maximumSizes), promotion, persistent, expiry(),
                    refresh, idleTime, listening);
        }

        /**
         * Checks that a refresh after write comes with no expiry or one time to live, not longer than
         * {@link Refresh#NEVER}: a value's write time is then its deadline less that time to live.
         */
        private void checkRefresh() {
            if (refreshInterval == null) {
                return;
            }
            String with = timeToIdle != null ? "expireAfterAccess: " + timeToIdle
                    : timeToLiveOf != null ? "expireAfterWrite: per entry"
                    : timeToLive != null && timeToLive.compareTo(Refresh.NEVER) > 0 ? "expireAfterWrite: " + timeToLive
                    : null;
            if (with != null) {
                throw new IllegalArgumentException("refreshAfterWrite: " + refreshInterval + " with " + with
                        + " (expected: no expiry, or one expireAfterWrite(Duration) of at most "
                        + Refresh.NEVER.toDays() + " days)");
            }
        }

        /** {@return {@code duration} in whole milliseconds, or {@link Long#MAX_VALUE} if it is longer} */
        private static long saturatedMillis(Duration duration) {
            try {
                return duration.toMillis();
            } catch (ArithmeticException tooLong) {
                return Long.MAX_VALUE;
            }
        }

        /** {@return the cache's expiry, or null if its entries never expire} */
        private Expiry expiry() {
            if (timeToLiveOf != null) {
                return new Expiry(timeToLiveOf, clock);
            }
            if (timeToIdle != null) {
                return Expiry.afterAccess(timeToIdle, clock);
            }
            if (timeToLive == null && refreshInterval != null) {
                return new Expiry(Refresh.NEVER, clock);  // deadlines to tell each value's write time by
            }
            return timeToLive == null ? null : new Expiry(timeToLive, clock);
        }
    }
}
