package dev.strata.tier;

import dev.strata.DataSize;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.cache.RemovalCause;
import dev.strata.cache.ValueTooLargeException;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The {@link Cache} implementation: a {@link KeyIndex} over the cache's {@link Tiers}, read through {@link Lookups}.
 *
 * <p><b>Reads.</b> A heap hit reads the node's volatile value with no lock and counts the hit on the node. An off-heap
 * hit that will not be promoted reads the record with no lock, validated against its page's life
 * ({@link OffHeapReads}). Any other read runs inside the in-flight guard and, if it keeps racing, under the key's
 * stripe monitor, and may then promote (prepared unlocked, installed only if the source is unchanged).
 * <b>Writes.</b> Prepare in the highest tier that takes the value (no lock), then install under the stripe's monitor.
 * Because every change of a key's value happens under its stripe's monitor, and readers either read a volatile heap
 * value, validate an off-heap record against its life, or read the disk record a writer replaces before returning,
 * no read returns a value older than the last completed put or remove.
 *
 * <p><b>Removals.</b> Every operation that may have queued removals on the engine's {@link RemovalQueue} (its own
 * cache's, or another's whose memory it took) hands them to their listeners when it ends, with no lock held: one
 * volatile read when there are none. A same-sized overwrite in the top tier does so only when its cache has a
 * listener: it evicts nothing, so the only removal it can make is the value it replaced.
 *
 * <p><b>Close.</b> Every operation but a lock-free read and a same-sized overwrite in the top tier registers in
 * {@link #inFlight} after checking {@link #closed}; close sets the flag and waits for operations in flight, then frees
 * the tiers, so no page is allocated after it was returned. The overwrite checks the flag under its stripe's monitor,
 * which close takes for every stripe before it frees a page. A lock-free read only checks the flag: close clears the
 * index and then renews every page it frees, so a read racing with it either validates (it happened before) or fails
 * and takes the guarded path, which then throws. Memory of a freed page stays safe to touch: slabs are released only
 * by closing their arena, which makes access throw (and a failed read retries).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class TieredCache<K, V> implements Cache<K, V>, Lookups.Guard {

    private final Tiers<K, V> tiers;
    private final Lookups<K, V> lookups;
    private final boolean persistent;
    private final boolean strict;
    private final Runnable onClose;
    private final ConcurrentHashMap<K, Load<V>> loading = new ConcurrentHashMap<>();
    private final LoadCounters loads;
    /** The first stripe the next {@link #sweepExpired} looks at. Written by one sweeper at a time. */
    private int sweepCursor;
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean closed;
    private volatile CacheStats finalStats;

    TieredCache(Tiers<K, V> tiers, Promotion promotion, boolean persistent, boolean strict, Runnable onClose) {
        this.tiers = tiers;
        this.lookups = new Lookups<>(tiers, promotion, this);
        this.persistent = persistent;
        this.strict = strict;
        this.onClose = onClose;
        this.loads = new LoadCounters(tiers.cacheName);
    }

    Tiers<K, V> tiersImpl() {
        return tiers;
    }

    Lookups<K, V> lookupsImpl() {
        return lookups;
    }

    // ---- guard ----

    @Override
    public void enter() {
        inFlight.increment();
        if (closed) {
            inFlight.decrement();
            throw closedException();
        }
    }

    /** @throws IllegalStateException if the cache is closed */
    void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("cache '" + tiers.cacheName + "' is closed");
    }

    @Override
    public void exit() {
        inFlight.decrement();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Enters unless closed. {@return false if closed} For the engine-wide evictor. */
    boolean tryEnter() {
        inFlight.increment();
        if (closed) {
            inFlight.decrement();
            return false;
        }
        return true;
    }

    void exitEvictor() {
        exit();
    }

    // ---- reads ----

    @Override
    public V get(K key) {
        Objects.requireNonNull(key, "key");
        if (closed) {
            throw closedException();
        }
        try {
            return lookups.get(key, true);
        } finally {
            deliverRemovals();
        }
    }

    /**
     * Hands the engine's queued removals to their listeners ({@link RemovalQueue}): at the end of every operation that
     * may have removed entries, this cache's or, by taking their memory, others'. No lock held here.
     */
    private void deliverRemovals() {
        tiers.removalQueue.deliver();
    }

    @Override
    public <R> R read(K key, Function<? super MemorySegment, ? extends R> reader) {
        return read(key, reader, null);
    }

    /**
     * {@link #read}, telling {@code deadlineSeen} the deadline of the value it found when the reader ran (a cache with
     * a time to live). {@return the reader's result, or null}
     */
    <R> R read(K key, Function<? super MemorySegment, ? extends R> reader, LongConsumer deadlineSeen) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reader, "reader");
        if (closed) {
            throw closedException();
        }
        try {
            return lookups.read(key, reader, deadlineSeen);
        } finally {
            deliverRemovals();
        }
    }

    /**
     * Removes the expired entries of the memory tiers in the next {@code 1/slices} of the stripes (at least one), and
     * hands the disk segments whose records have all or mostly expired to compaction
     * ({@link Tiers#compactExpiredSegments}), for {@link ExpirySweeper}; a cache without expiry, or closed, does
     * nothing. {@return the memory entries removed}
     */
    int sweepExpired(int slices) {
        if (tiers.expiry == null || !tryEnter()) {
            return 0;
        }
        try {
            int stripes = tiers.index.stripes().length;
            int count = Math.max(1, stripes / slices);
            int from = sweepCursor;
            sweepCursor = (from + count) % stripes;
            tiers.compactExpiredSegments();
            return tiers.sweepExpired(from, count);
        } finally {
            exit();
            deliverRemovals();
        }
    }

    /**
     * Renews {@code key}'s deadline to {@code deadline} if it is earlier, wherever its value lies: a read of a
     * time-to-idle cache ({@link Tiers#renewDeadline}). Does nothing once the cache is closed (the read it follows
     * succeeded all the same).
     */
    void renewDeadline(K key, long deadline) {
        if (!tryEnter()) {
            return;
        }
        try {
            tiers.renewDeadline(key, KeyIndex.hash(key), deadline);
        } finally {
            exit();
            deliverRemovals();                         // a disk write may have compacted expired records away
        }
    }

    @Override
    public boolean containsKey(K key) {
        Objects.requireNonNull(key, "key");
        if (closed) {
            throw closedException();
        }
        try {
            return lookups.containsKey(key);
        } finally {
            deliverRemovals();
        }
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        Map<K, V> found = new HashMap<>();
        for (K key : keys) {
            V value = get(Objects.requireNonNull(key, "keys contains a null key"));
            if (value != null) {
                found.put(key, value);
            }
        }
        return found;
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys,
                            Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader) {
        return BulkLoad.getAll(this, keys, loader, loads);
    }

    /** {@return the counters of this cache's loads (a bulk load of an expiring view counts there too)} */
    LoadCounters loads() {
        return loads;
    }

    // ---- writes ----

    @Override
    public void put(K key, V value) {
        write(key, value, false);
    }

    @Override
    public V putIfAbsent(K key, V value) {
        return write(key, value, true);
    }

    /**
     * Puts; when {@code ifAbsent}, returns the existing value instead of replacing it. A put that replaces a
     * same-sized value in the top tier (a heap value of the same weight, an off-heap record of the same aligned size)
     * registers in no in-flight guard: it does all its work under the key's stripe monitor and checks {@link #closed}
     * there, and close clears every stripe under its monitor before it frees a page or returns credit (see
     * {@link OffHeapPlacement#overwriteOnTop}).
     */
    private V write(K key, V value, boolean ifAbsent) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (closed) {
            throw closedException();
        }
        int keyLength = tiers.keyCodec.encodedSize(key);
        int valueLength = tiers.valueCodec.encodedSize(value);
        checkSize(keyLength, valueLength);
        if (tiers.expiry != null && Expiry.expiredAtOnce(value)) {
            return expiredAtOnce(key, value, ifAbsent);
        }
        int hash = KeyIndex.hash(key);
        if (!ifAbsent && replacedInPlace(key, hash, value, keyLength, valueLength, null)) {
            if (tiers.removals != null) {
                deliverRemovals();                     // the value it replaced
            }
            return null;
        }
        enter();
        try {
            return store(key, hash, value, keyLength, valueLength, ifAbsent);
        } finally {
            exit();
            deliverRemovals();
        }
    }

    /**
     * A put of a value that is expired already (its computed time to live was zero or less) stores nothing: a put
     * removes the key's older value, which it would have replaced, and a put-if-absent leaves the key as it is. A
     * removal listener is told of the older value as replaced and of this one, when it was accepted (a put, or a
     * put-if-absent of an absent key), as expired. {@return the key's value for a put-if-absent, else null}
     */
    private V expiredAtOnce(K key, V value, boolean ifAbsent) {
        V existing;
        if (ifAbsent) {
            existing = peek(key);
        } else {
            enter();
            try {
                tiers.remove(key, RemovalCause.REPLACED);
            } finally {
                exit();
            }
            existing = null;
        }
        if (existing == null && tiers.removals != null) {
            tiers.removals.removed(key, value, RemovalCause.EXPIRED);   // accepted, and gone at once
        }
        deliverRemovals();
        return existing;
    }

    /**
     * {@return whether a same-sized value of the key in the top tier was replaced in place} Unguarded.
     *
     * @param condition a conditional put's condition on the key's value (a present one), or null
     */
    private boolean replacedInPlace(K key, int hash, V value, int keyLength, int valueLength,
                                    Condition<V> condition) {
        return switch (tiers.top()) {
            case HEAP -> tiers.reviseHeapOnTop(key, hash, value, keyLength, valueLength, condition, this);
            case OFF_HEAP -> tiers.offHeapPlacement.overwriteOnTop(key, hash, value, keyLength, valueLength,
                    condition, this);
            case DISK -> false;
        };
    }

    /** Places the value until it is installed or refused; see {@link #write}. In the in-flight guard. */
    private V store(K key, int hash, V value, int keyLength, int valueLength, boolean ifAbsent) {
        while (true) {
            if (ifAbsent) {
                V existing = lookups.get(key, false);
                if (existing != null) {
                    return existing;
                }
            }
            Tiers.Install result = tiers.put(key, hash, value, keyLength, valueLength,
                    ifAbsent ? Condition.absent() : null);
            if (result == Tiers.Install.DONE) {
                return null;
            }
            if (result == Tiers.Install.NO_ROOM) {
                if (!ifAbsent) {
                    tiers.drop(key, hash, value, null);   // no tier has room now: the old value must not survive
                }
                return null;
            }
            // STALE, or REFUSED: with ifAbsent the key got a value meanwhile, which the next round returns
        }
    }

    private void checkSize(int keyLength, int valueLength) {
        String limits = tiers.tooLarge(keyLength, valueLength);
        if (limits != null) {
            throw new ValueTooLargeException(tiers.cacheName, (long) keyLength + valueLength, tiers.maxCapacity(),
                    limits);
        }
    }

    @Override
    public V replace(K key, V value) {
        return replaceWhen(key, value, Condition.present(current -> true));
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        Objects.requireNonNull(oldValue, "oldValue");
        return replaceWhen(key, newValue,
                Condition.present(current -> Condition.sameValue(tiers.valueCodec, current, oldValue))) != null;
    }

    /**
     * Puts {@code value} if the key's value meets {@code condition} (a present or an unchanged one), checked under the
     * key's stripe monitor where the new value is installed ({@link Condition}): in place when a put would overwrite
     * it there (a same-sized value in the top tier), else by the put's slow path. When no tier has room for the new
     * value, the old one is dropped all the same, as a put drops it. {@return the value replaced, or null if the
     * condition did not hold}
     *
     * @throws RuntimeException what the test, or the decode of the current value for it, threw (nothing was changed)
     */
    V replaceWhen(K key, V value, Condition<V> condition) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (closed) {
            throw closedException();
        }
        int keyLength = tiers.keyCodec.encodedSize(key);
        int valueLength = tiers.valueCodec.encodedSize(value);
        checkSize(keyLength, valueLength);
        int hash = KeyIndex.hash(key);
        boolean expiredAtOnce = tiers.expiry != null && Expiry.expiredAtOnce(value);
        if (!expiredAtOnce && replacedInPlace(key, hash, value, keyLength, valueLength, condition)) {
            if (tiers.removals != null) {
                deliverRemovals();                     // the value it replaced
            }
            return condition.seen();
        }
        if (condition.failure() != null) {
            throw condition.failure();                 // the test threw in place: nothing was changed
        }
        boolean replaced;
        enter();
        try {
            replaced = expiredAtOnce ? replacedByExpired(key, value, condition)
                    : replaced(key, hash, value, keyLength, valueLength, condition);
        } finally {
            exit();
            deliverRemovals();
        }
        return outcome(condition, replaced);
    }

    /** Places the value of a conditional put until it is installed or refused. In the in-flight guard. */
    private boolean replaced(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition) {
        while (true) {
            switch (tiers.put(key, hash, value, keyLength, valueLength, condition)) {
                case DONE:
                    return true;
                case NO_ROOM:
                    return tiers.drop(key, hash, value, condition);
                case REFUSED:
                    return false;
                default:
                    // STALE: the record's page was sealed meanwhile, place again
            }
        }
    }

    /**
     * A conditional put of a value expired already: removes the old value if the condition holds, as a put of it
     * would ({@link #expiredAtOnce}). In the in-flight guard. {@return whether the condition held}
     */
    private boolean replacedByExpired(K key, V value, Condition<V> condition) {
        boolean removed = tiers.remove(key, RemovalCause.REPLACED, condition);
        if (removed && tiers.removals != null) {
            tiers.removals.removed(key, value, RemovalCause.EXPIRED);   // accepted, and gone at once
        }
        return removed;
    }

    @Override
    public boolean remove(K key, V value) {
        Objects.requireNonNull(value, "value");
        return removeWhen(key,
                Condition.present(current -> Condition.sameValue(tiers.valueCodec, current, value))) != null;
    }

    /**
     * Removes the key if its value meets {@code condition} (a present or an unchanged one), checked under the key's
     * stripe monitor ({@link Condition}). {@return the value removed, or null if the condition did not hold}
     *
     * @throws RuntimeException what the test, or the decode of the current value for it, threw (nothing was changed)
     */
    V removeWhen(K key, Condition<V> condition) {
        Objects.requireNonNull(key, "key");
        boolean removed;
        enter();
        try {
            removed = tiers.remove(key, RemovalCause.EXPLICIT, condition);
        } finally {
            exit();
            deliverRemovals();
        }
        return outcome(condition, removed);
    }

    /** {@return the value {@code condition} held for, if the operation it guarded happened, else null} */
    private static <V> V outcome(Condition<V> condition, boolean happened) {
        if (condition.failure() != null) {
            throw condition.failure();
        }
        return happened ? condition.seen() : null;
    }

    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> remapping) {
        return remap(key, Remapping.computing(remapping));
    }

    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> remapping) {
        return remap(key, Remapping.ifPresent(remapping));
    }

    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> remapping) {
        return remap(key, Remapping.merging(value, remapping));
    }

    /**
     * Sets the key's value to what {@code function} makes of it (null: none), as a compare-and-set loop: take a
     * {@linkplain Tiers#snapshot snapshot} of the value and its place, run the function with no lock held, then write
     * its result (a put-if-absent, a replace or a remove) only if the key's value is still that one in that place
     * ({@link Condition#unchanged}: compared by place and version, not by value); else look again. {@return the value
     * the function returned in its last round}
     *
     * @throws RuntimeException what the function or the value codec threw (nothing was changed)
     */
    V remap(K key, BiFunction<? super K, ? super V, ? extends V> function) {
        Objects.requireNonNull(key, "key");
        while (true) {
            Tiers.Snapshot<V> now = snapshotOf(key);
            V computed = function.apply(key, now.value());
            if (now.value() == null) {
                if (computed == null || putIfAbsent(key, computed) == null) {
                    return computed;
                }
            } else if (computed == null) {
                if (removeWhen(key, Condition.unchanged(now.place(), now.value())) != null) {
                    return null;
                }
            } else if (replaceWhen(key, computed, Condition.unchanged(now.place(), now.value())) != null) {
                return computed;
            }
        }
    }

    /** {@return the key's value and its place ({@link Tiers#snapshot}), in the in-flight guard} */
    Tiers.Snapshot<V> snapshotOf(K key) {
        enter();
        try {
            return tiers.snapshot(key);
        } finally {
            exit();
        }
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> entries) {
        Objects.requireNonNull(entries, "entries");
        entries.forEach(this::put);
    }

    @Override
    public boolean remove(K key) {
        Objects.requireNonNull(key, "key");
        enter();
        try {
            return tiers.remove(key, RemovalCause.EXPLICIT);
        } finally {
            exit();
            deliverRemovals();
        }
    }

    /**
     * Loads through at most one loader per key at a time: the first caller to miss registers a {@link Load}, the others
     * join it. A caller that joins while the load's result is still to be decided (its loader running) returns that
     * result, decided after it began. One that joins while the load is reading or writing the cache (its look before
     * loading, its put-if-absent after) may have joined after the result was decided and then removed or replaced,
     * so it waits for the load to end and then looks again.
     */
    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        while (true) {
            V cached = get(key);
            if (cached != null) {
                return cached;
            }
            Load<V> mine = new Load<>();
            Load<V> theirs = loading.putIfAbsent(key, mine);
            if (theirs == null) {
                return load(key, loader, mine);
            }
            boolean decidedAfterJoining = !theirs.settling;
            V value = await(theirs.result);
            if (value == null || decidedAfterJoining) {
                return value;
            }
        }
    }

    /** Runs {@code mine}, registered for {@code key}: looks, loads, stores if still absent, and completes it. */
    private V load(K key, Function<? super K, ? extends V> loader, Load<V> mine) {
        try {
            mine.settling = true;
            V value = peek(key);
            if (value == null) {
                mine.settling = false;
                value = loads.run(LoadCounters.COMPUTE_IF_ABSENT, () -> loader.apply(key));
                if (value != null) {
                    loads.loaded(1);
                    mine.settling = true;
                    V existing = putIfAbsent(key, value);
                    value = existing != null ? existing : value;
                }
            }
            mine.result.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.result.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(key, mine);
        }
    }

    /**
     * A load in flight for {@link #computeIfAbsent}: its result, and whether the loading caller is reading or writing
     * the cache (set) or running the loader (clear). A caller that finds it clear when it joins knows that the result
     * is decided after that moment (thread-safe: written by the loading caller only, read by those that join).
     */
    private static final class Load<V> {
        final CompletableFuture<V> result = new CompletableFuture<>();
        volatile boolean settling;
    }

    /** {@return the key's value, or null, counted neither as a hit nor as a miss} */
    private V peek(K key) {
        enter();
        try {
            return lookups.get(key, false);
        } finally {
            exit();
            deliverRemovals();                         // it may have met an expired value, and removed it
        }
    }

    private static <V> V await(CompletableFuture<V> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * {@inheritDoc} The walk is {@link EntryWalk}'s: a copy of the disk tier's keys, then the cache's stripes one by
     * one under their monitors.
     */
    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        if (closed) {
            throw closedException();
        }
        enter();
        try {
            return new EntryWalk<>(this, tiers);
        } finally {
            exit();
        }
    }

    @Override
    public ConcurrentMap<K, V> asMap() {
        return new CacheMap<>(this);
    }

    @Override
    public void invalidateAll() {
        guarded(() -> {
            tiers.clear(false);
            return null;
        });
    }

    @Override
    public long invalidateAll(Iterable<? extends K> keys) {
        return BulkRemoval.removeAll(this, keys);
    }

    /**
     * Runs {@code action} inside the in-flight guard that {@link #close()} waits for. For cold paths only: the hot
     * ones (get, put, remove) spell the guard out so that they allocate no lambda. Delivers the removals it made.
     */
    private <R> R guarded(java.util.function.Supplier<R> action) {
        enter();
        try {
            return action.get();
        } finally {
            exit();
            deliverRemovals();
        }
    }

    // ---- sizes, stats, lifecycle ----

    @Override
    public long size() {
        return guarded(() -> tiers.tiers.stream().mapToLong(tiers::entries).sum());
    }

    @Override
    public long size(Tier tier) {
        Objects.requireNonNull(tier, "tier");
        return guarded(() -> tiers.entries(tier));
    }

    @Override
    public long bytes(Tier tier) {
        Objects.requireNonNull(tier, "tier");
        return guarded(() -> tiers.bytes(tier));
    }

    @Override
    public List<Tier> tiers() {
        return tiers.tiers;
    }

    @Override
    public void setMaximumSize(Tier tier, DataSize size) {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(size, "size");
        checkHasTier(tier, "setMaximumSize");
        long smallest = tiers.smallestMaximum(tier);
        if (size.bytes() < smallest) {
            throw new IllegalArgumentException("setMaximumSize: " + tier + " " + size.bytes() + " bytes (expected: at "
                    + "least " + smallest + (smallest == 1 ? " byte" : " bytes") + smallestRule(tier) + ")");
        }
        long bytes = tier == Tier.OFF_HEAP ? size.bytes() / smallest * smallest : size.bytes();   // whole pages
        guarded(() -> tiers.setMaximum(tier, bytes));
    }

    private String smallestRule(Tier tier) {
        return switch (tier) {
            case HEAP -> "";
            case OFF_HEAP -> ", one page";
            case DISK -> ", " + Tiers.MIN_DISK_SEGMENTS + " of its segments of " + tiers.smallestMaximum(tier)
                    / Tiers.MIN_DISK_SEGMENTS + " bytes";
        };
    }

    @Override
    public void removeMaximumSize(Tier tier) {
        Objects.requireNonNull(tier, "tier");
        checkHasTier(tier, "removeMaximumSize");
        guarded(() -> tiers.setMaximum(tier, null));
    }

    @Override
    public Optional<DataSize> maximumSize(Tier tier) {
        Objects.requireNonNull(tier, "tier");
        long bytes = tiers.maximumSize(tier);
        return bytes == 0 ? Optional.empty() : Optional.of(DataSize.ofBytes(bytes));
    }

    private void checkHasTier(Tier tier, String method) {
        if (!tiers.tiers.contains(tier)) {
            throw new IllegalArgumentException(method + ": " + tier + " with tiers " + tiers.tiers
                    + " (expected: a tier of the cache)");
        }
    }

    @Override
    public CacheStats stats() {
        CacheStats last = finalStats;
        if (last != null) {
            return last;
        }
        if (!tryEnter()) {
            return finalStatsOrEmpty();
        }
        try {
            return snapshot(true);
        } finally {
            exit();
        }
    }

    private CacheStats finalStatsOrEmpty() {
        while (finalStats == null) {
            Thread.onSpinWait();                       // close is computing them
        }
        return finalStats;
    }

    private CacheStats snapshot(boolean open) {
        List<CacheStats.TierStats> tierStats = tiers.snapshot(open);
        long hits = 0;
        for (CacheStats.TierStats tier : tierStats) {
            hits += tier.hits();                       // a hit counts in exactly one tier
        }
        long misses = tierStats.getLast().misses();    // a miss counts in every tier; a hit never in the lowest
        return new CacheStats(tiers.cacheName, tierStats, hits, misses, loads.values(), loads.failures(),
                loads.nanos(), tiers.errorCount());
    }

    @Override
    public String name() {
        return tiers.cacheName;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        while (inFlight.sum() != 0) {
            Thread.onSpinWait();                       // operations in flight finish; new ones see closed
        }
        try {
            if (persistent) {
                tiers.flushToDisk();
            }
            tiers.clear(true);
            tiers.releaseCredit();
            tiers.releaseTables();
            if (tiers.offHeap != null) {
                tiers.offHeap.close();
            }
            finalStats = snapshot(true);
            checkNothingHeld(finalStats);
            if (tiers.disk() != null) {
                tiers.disk().close();
            }
        } finally {
            if (finalStats == null) {
                finalStats = snapshot(false);
            }
            onClose.run();
            deliverRemovals();                         // those made before and by the close (a full disk's drops)
        }
    }

    /** After close: every entry gone, so heap weights and off-heap pages must be back at 0. */
    private void checkNothingHeld(CacheStats stats) {
        String leak = null;
        for (CacheStats.TierStats tier : stats.tiers()) {
            if (tier.tier() != Tier.DISK && (tier.entries() != 0 || tier.bytes() != 0 || tier.reservedBytes() != 0)) {
                leak = "cache '" + tiers.cacheName + "' still holds " + tier + " after close";
            }
        }
        if (leak != null) {
            if (strict) {
                throw new IllegalStateException(leak);
            }
            System.getLogger(TieredCache.class.getName()).log(System.Logger.Level.ERROR, leak);
        }
    }

    @Override
    public String toString() {
        return "Cache[" + tiers.cacheName + ", tiers=" + tiers.tiers + (closed ? ", closed" : "") + "]";
    }
}
