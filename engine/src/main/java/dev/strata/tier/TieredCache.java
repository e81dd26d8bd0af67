package dev.strata.tier;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.cache.ValueTooLargeException;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The {@link Cache} implementation: one {@link NodeIndex} of {@link Node}s over the cache's
 * {@link Tiers}.
 *
 * <p><b>Reads.</b> A heap hit reads the node's volatile value with no lock and sets its visited bit. An off-heap hit of a
 * byte-array value that will not be promoted copies the record under the node's version seqlock, with no lock
 * ({@link Tiers#readOffHeapOptimistic}). Any other read takes the node's monitor, decodes from the node's tier, and may then promote (prepared unlocked, committed only if
 * the node's version is unchanged). <b>Writes.</b> Prepare in the highest tier that takes the value (no lock), then
 * install under the node's monitor; a node removed meanwhile makes the writer look the key up again. Because every
 * change of a key's value happens under its node's monitor and readers either read the volatile heap value or hold
 * the monitor or validate against its seqlock, no read returns a value older than the last completed put or remove.
 *
 * <p><b>Close.</b> Every operation registers in {@link #inFlight} after checking {@link #closed}; close sets the flag
 * and waits for operations in flight, then frees the tiers, so no page is allocated after it was returned. The one
 * exception is a lock-free hit ({@link #lockFreeHit}): it only checks the flag, and validates against the node's
 * seqlock, which close's clearing moves, so it never returns a value read from a freed page.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class TieredCache<K, V> implements Cache<K, V> {

    private final Tiers<K, V> tiers;
    private final Promotion promotion;
    private final boolean persistent;
    private final boolean strict;
    private final Runnable onClose;
    private final ConcurrentHashMap<K, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
    private final LongAdder loads = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    /** Off-heap hits never promote here, so they may skip the node's monitor (see {@link Tiers#readOffHeapOptimistic}). */
    private final boolean lockFreeOffHeapHits;
    private volatile boolean closed;
    private volatile CacheStats finalStats;

    TieredCache(Tiers<K, V> tiers, Promotion promotion, boolean persistent, boolean strict, Runnable onClose) {
        this.tiers = tiers;
        this.promotion = promotion;
        this.persistent = persistent;
        this.strict = strict;
        this.onClose = onClose;
        this.lockFreeOffHeapHits = tiers.offHeap != null && (tiers.top() == Tier.OFF_HEAP || promotion == Promotion.NEVER);
    }

    Tiers<K, V> tiersImpl() {
        return tiers;
    }

    // ---- guard ----

    private void enter() {
        inFlight.increment();
        if (closed) {
            inFlight.decrement();
            throw closedException();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("cache '" + tiers.cacheName + "' is closed");
    }

    private void exit() {
        inFlight.decrement();
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
        V value = lockFreeHit(key);
        if (value != null) {
            return value;
        }
        enter();
        try {
            return lookup(key, true);
        } finally {
            exit();
        }
    }

    /**
     * A hit that needs neither a lock nor the in-flight guard: a heap value, or an off-heap byte-array record read
     * under the node's seqlock. Close clears every node (changing its version) before freeing pages, so a read racing
     * with close either validates (it happened before) or fails and takes the guarded path, which then throws. Memory
     * of a freed page stays safe to touch: slabs are released only by closing their arena, which makes access throw.
     * {@return the value, or null if the guarded path must decide}
     */
    private V lockFreeHit(K key) {
        Node<K, V> node = tiers.index.get(key);
        return node == null ? null : fastHit(node, true);
    }

    /** {@return the node's value if a heap or optimistic off-heap read has it (counted as a hit), else null} */
    private V fastHit(Node<K, V> node, boolean count) {
        V value = node.value;
        if (value != null) {
            node.markVisited();
            return hit(count, Tier.HEAP, value);
        }
        if (lockFreeOffHeapHits) {
            value = tiers.readOffHeapOptimistic(node);
            if (value != null) {
                node.markVisited();
                return hit(count, Tier.OFF_HEAP, value);
            }
        }
        return null;
    }

    private V lookup(K key, boolean count) {
        while (true) {
            Node<K, V> node = tiers.index.get(key);
            if (node == null) {
                return miss(count, null);
            }
            V value = fastHit(node, count);
            if (value != null) {
                return value;
            }
            Tier tier;
            int version;
            boolean promote;
            synchronized (node) {
                if (node.removed) {
                    continue;
                }
                if (node.tier == null) {
                    return miss(count, null);
                }
                tier = node.tier;
                value = tiers.readValue(node);
                if (value == null) {
                    return miss(count, null);
                }
                version = node.version;
                promote = shouldPromote(node);
            }
            if (promote) {
                promote(node, value, tier, version);
            }
            return hit(count, tier, value);
        }
    }

    /** Called with the node's monitor held. */
    private boolean shouldPromote(Node<K, V> node) {
        if (node.tier == tiers.top()) {
            node.markVisited();
            return false;
        }
        return switch (promotion) {
            case ON_HIT -> true;
            case NEVER -> {
                node.markVisited();
                yield false;
            }
            case ON_SECOND_HIT -> {
                boolean second = node.visited;
                node.visited = true;
                yield second;
            }
        };
    }

    private void promote(Node<K, V> node, V value, Tier from, int version) {
        tiers.move(node, value, tiers.top(), from, version);   // not moved when it changed or found no room
    }

    private <T> T hit(boolean count, Tier tier, T value) {
        if (count) {
            for (Tier t : tiers.tiers) {
                if (t == tier) {
                    tiers.counters(t).hits.increment();
                    break;
                }
                tiers.counters(t).misses.increment();
            }
        }
        return value;
    }

    private <R> R miss(boolean count, R result) {
        if (count) {
            for (Tier t : tiers.tiers) {
                tiers.counters(t).misses.increment();
            }
        }
        return result;
    }

    @Override
    public <R> R read(K key, Function<? super MemorySegment, ? extends R> reader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reader, "reader");
        enter();
        try {
            while (true) {
                Node<K, V> node = tiers.index.get(key);
                if (node == null) {
                    return miss(true, null);
                }
                synchronized (node) {
                    if (node.removed) {
                        continue;
                    }
                    if (node.tier == null) {
                        return miss(true, null);
                    }
                    Tier tier = node.tier;
                    node.markVisited();
                    boolean[] called = new boolean[1];
                    R result = tiers.readBytes(node, segment -> {
                        called[0] = true;
                        return reader.apply(segment);
                    });
                    return called[0] ? hit(true, tier, result) : miss(true, null);
                }
            }
        } finally {
            exit();
        }
    }

    @Override
    public boolean containsKey(K key) {
        Objects.requireNonNull(key, "key");
        enter();
        try {
            while (true) {
                Node<K, V> node = tiers.index.get(key);
                if (node == null) {
                    return false;
                }
                if (node.value != null) {
                    return true;
                }
                synchronized (node) {
                    if (!node.removed) {
                        return node.tier != null;
                    }
                }
            }
        } finally {
            exit();
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

    // ---- writes ----

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        enter();
        try {
            store(key, value, false);
        } finally {
            exit();
        }
    }

    @Override
    public V putIfAbsent(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        enter();
        try {
            return store(key, value, true);
        } finally {
            exit();
        }
    }

    /** Puts; when {@code ifAbsent}, returns the existing value instead of replacing it. */
    private V store(K key, V value, boolean ifAbsent) {
        int keyLength = tiers.keyCodec.encodedSize(key);
        int valueLength = tiers.valueCodec.encodedSize(value);
        checkSize(keyLength, valueLength);
        while (true) {
            Node<K, V> node = tiers.index.getOrCreate(key);
            if (ifAbsent) {
                synchronized (node) {
                    if (node.removed) {
                        continue;
                    }
                    V existing = node.tier == null ? null : tiers.readValue(node);
                    if (existing != null) {
                        return existing;
                    }
                }
            }
            Tiers.Install result;
            try {
                result = tiers.put(node, value, keyLength, valueLength, ifAbsent);
            } catch (RuntimeException | Error e) {
                dropIfEmpty(node);                    // a codec failed: leave no empty node behind
                throw e;
            }
            if (result == Tiers.Install.DONE) {
                return null;
            }
            if (result == Tiers.Install.NO_ROOM) {
                dropUnstorable(node);
                return null;
            }
            // STALE, or REFUSED: the node was removed, or (ifAbsent) it got a value, which the next round returns
        }
    }

    /** No tier has room now: the put leaves nothing (the old value must not survive it). */
    private void dropUnstorable(Node<K, V> node) {
        synchronized (node) {
            if (!node.removed) {
                tiers.drop(node, tiers.tiers.getLast());
            }
        }
    }

    private void dropIfEmpty(Node<K, V> node) {
        synchronized (node) {
            if (!node.removed && node.tier == null) {
                tiers.drop(node, null);
            }
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
    public void putAll(Map<? extends K, ? extends V> entries) {
        Objects.requireNonNull(entries, "entries");
        entries.forEach(this::put);
    }

    @Override
    public boolean remove(K key) {
        Objects.requireNonNull(key, "key");
        enter();
        try {
            while (true) {
                Node<K, V> node = tiers.index.get(key);
                if (node == null) {
                    return false;
                }
                synchronized (node) {
                    if (node.removed) {
                        continue;
                    }
                    boolean had = node.tier != null;
                    tiers.drop(node, null);
                    return had;
                }
            }
        } finally {
            exit();
        }
    }

    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        V cached = get(key);
        if (cached != null) {
            return cached;
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> theirs = loading.putIfAbsent(key, mine);
        if (theirs != null) {
            return await(theirs);
        }
        try {
            V value = peek(key);
            if (value == null) {
                value = loader.apply(key);
                loads.increment();
                if (value != null) {
                    V existing = putIfAbsent(key, value);
                    value = existing != null ? existing : value;
                }
            }
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(key, mine);
        }
    }

    private V peek(K key) {
        enter();
        try {
            return lookup(key, false);
        } finally {
            exit();
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

    @Override
    public void invalidateAll() {
        guarded(() -> {
            tiers.clear(false);
            return null;
        });
    }

    /**
     * Runs {@code action} inside the in-flight guard that {@link #close()} waits for. For cold paths only: the hot
     * ones (get, put, remove) spell the guard out so that they allocate no lambda.
     */
    private <R> R guarded(java.util.function.Supplier<R> action) {
        enter();
        try {
            return action.get();
        } finally {
            exit();
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
        return new CacheStats(tiers.cacheName, tierStats, hits, misses, loads.sum(), tiers.errors.sum());
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
        }
    }

    /** After close: every node gone, so heap weights and off-heap pages must be back at 0. */
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
