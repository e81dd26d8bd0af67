package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codec;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.PageAllocator;
import dev.strata.tier.disk.DiskStore;
import java.io.UncheckedIOException;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One cache's tiers and every movement between them: placing a value in a tier, moving entries down (demotion,
 * eviction) and up (promotion), and reading a value from wherever it is.
 *
 * <pre>
 *   put ──► HEAP ──(SIEVE victim, encode once)──► OFF_HEAP ──(oldest page, bytes as-is)──► DISK ──(FIFO)──► dropped
 *            ▲                                        │                                     │
 *            └────────────── promotion on hit (decode) ◄──────────────────────────────────┘
 * </pre>
 *
 * <p><b>Protocol</b> (see {@link Node} for the locking rule). Each tier has one method that places a value in it
 * ({@link #place}): work that may evict, wait for memory or encode runs first, with no node monitor held (heap memory
 * is reserved; an off-heap record is reserved and written, see {@link OffHeapTier}). Then the node's monitor is taken,
 * the node re-checked (not removed; for movers the same {@link Node#version}; for an off-heap record the same extent
 * generation) and the value installed ({@link #install}), which detaches the old place. A failed re-check gives the
 * preparation up (heap memory is released, an off-heap record is left dead). What was prepared stays in that method's
 * locals, so placing a value allocates no object of its own. The disk store is keyed by key, so disk writes happen at
 * install, under the monitor; when its quota refuses, the monitor is released, this cache's oldest disk entries are
 * evicted, and the write is retried.
 *
 * <p><b>Heap weight.</b> {@code encodedSize(key) + encodedSize(value) + }{@value #ENTRY_OVERHEAD_BYTES}: encoded
 * sizes stand in for object sizes (close for byte arrays and Latin-1 strings) and the constant covers the index node
 * (64 B), its table slots and the key and value objects' headers. <b>Admission.</b> A tier with a lower tier below it does not take an entry larger than
 * 1/{@value #LARGE_ENTRY_FRACTION} of its capacity (so one huge value cannot flush the tier); the lowest tier takes
 * entries up to its whole capacity. <b>Heap memory</b> is charged through a {@link StorageCredit}: the manager's lock is
 * taken once per chunk, not once per put.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Tiers<K, V> implements OffHeapTier.Spill {

    /** Per-entry bytes charged on the heap beyond the encoded key and value: index node, slots, object headers. */
    static final long ENTRY_OVERHEAD_BYTES = 112;
    /** Upper tiers take entries up to 1/this of their capacity. */
    static final int LARGE_ENTRY_FRACTION = 8;
    /** Disk record bytes beyond key and value (the disk store's header), for limit checks. */
    static final long DISK_RECORD_OVERHEAD = 32;
    private static final int HEAP_ROUNDS = 16;
    private static final int DISK_ROUNDS = 4;
    private static final int VICTIM_SCAN_LIMIT = 4096;
    private static final int OPTIMISTIC_ATTEMPTS = 4;
    private static final System.Logger LOG = System.getLogger(Tiers.class.getName());

    /**
     * Frees memory across the engine's caches, taking them in turn (this one included), so a new cache can grow at the
     * expense of older ones instead of only recycling its own room.
     */
    interface Neighbours {
        /** {@return bytes freed by caches other than {@code requester} (null: any cache)} */
        long reclaim(Object requester, MemoryMode mode, long bytes);
    }

    /** The outcome of placing a value ({@link #put}, {@link #move}) or of one disk write. */
    enum Install {
        /** Installed; or, when the disk failed or stayed full, the entry was dropped instead (it is settled). */
        DONE,
        /** The off-heap record's page was evicted between reserving and publishing: place again. */
        STALE,
        /** The node changed meanwhile (removed; moved; for putIfAbsent, given a value): nothing was installed. */
        REFUSED,
        /** No tier from the first asked could take the value: nothing was installed. */
        NO_ROOM,
        /** A disk write: the quota refused (internal: retried after evicting). */
        DISK_FULL,
        /** A disk write: it failed (internal: the entry is dropped). */
        FAILED
    }

    /** {@link #place} condition of a put: the node is still in the index. Odd, so no stable version equals it. */
    static final int PUT = -1;
    /** {@link #place} condition of putIfAbsent: the node is still in the index and holds no value. Odd as well. */
    static final int PUT_IF_ABSENT = -3;

    final String cacheName;
    final List<Tier> tiers;
    final Codec<K> keyCodec;
    final Codec<V> valueCodec;
    final NodeIndex<K, V> index = new NodeIndex<>();
    final LongAdder errors = new LongAdder();
    /** Whether off-heap hits may be read without the node's monitor ({@link #readOffHeapOptimistic}). */
    private final boolean optimisticReads;
    private final MemoryManager memory;
    private final NodeQueue heapQueue;
    /** Heap storage memory taken from the manager in chunks, so heap puts rarely take its lock. */
    private final StorageCredit heapCredit;
    final OffHeapTier offHeap;
    private final DiskStore disk;
    private final NodeQueue diskQueue = new NodeQueue();
    private final Map<Tier, TierCounters> counters = new EnumMap<>(Tier.class);
    private final Map<Tier, Long> capacity = new EnumMap<>(Tier.class);
    private final Neighbours neighbours;
    /** Per tier ordinal: the largest entry (in {@link #entryBytes} terms) the tier admits. */
    private final long[] admitLimit = new long[Tier.values().length];
    /** Key plus value lengths up to this fit some tier whole ({@link #tooLarge} needs no walk). */
    private final long alwaysFits;

    Tiers(String cacheName, List<Tier> tiers, Codec<K> keyCodec, Codec<V> valueCodec, MemoryManager memory,
          PageAllocator allocator, DiskStore disk, long diskCapacity, Neighbours neighbours) {
        this.cacheName = cacheName;
        this.tiers = List.copyOf(tiers);
        this.keyCodec = keyCodec;
        this.valueCodec = valueCodec;
        this.memory = memory;
        this.neighbours = neighbours;
        this.optimisticReads = (Object) valueCodec == Codecs.bytes();
        this.heapQueue = tiers.contains(Tier.HEAP) ? new NodeQueue() : null;
        this.heapCredit = new StorageCredit(memory, MemoryMode.ON_HEAP);
        this.offHeap = tiers.contains(Tier.OFF_HEAP) ? new OffHeapTier(memory, allocator, this) : null;
        this.disk = disk;
        for (Tier tier : tiers) {
            counters.put(tier, new TierCounters(tier));
        }
        capacity.put(Tier.HEAP, memory.state(MemoryMode.ON_HEAP).regionBytes());
        capacity.put(Tier.OFF_HEAP, offHeap == null ? 0 : Math.min(memory.state(MemoryMode.OFF_HEAP).regionBytes(),
                allocator.config().budgetBytes()));
        capacity.put(Tier.DISK, diskCapacity);
        long fits = 0;
        for (Tier tier : this.tiers) {
            long limit = capacity.get(tier);
            admitLimit[tier.ordinal()] = below(tier) != null ? limit / LARGE_ENTRY_FRACTION : limit;
            long room = tier == Tier.OFF_HEAP ? Math.min(limit, offHeap.pageSize()) : limit;
            fits = Math.max(fits, Math.min(room, Integer.MAX_VALUE) - ENTRY_OVERHEAD_BYTES);
        }
        this.alwaysFits = fits;
    }

    TierCounters counters(Tier tier) {
        return counters.get(tier);
    }

    Tier top() {
        return tiers.getFirst();
    }

    /** {@return the tier below {@code tier} in this cache, or null if it is the lowest} */
    Tier below(Tier tier) {
        int i = tiers.indexOf(tier);
        return i + 1 < tiers.size() ? tiers.get(i + 1) : null;
    }

    // ---- sizes and limits ----

    private long entryBytes(Tier tier, long keyLength, long valueLength) {
        return switch (tier) {
            case HEAP -> keyLength + valueLength + ENTRY_OVERHEAD_BYTES;
            case OFF_HEAP -> {
                long record = RecordLayout.recordBytesExact(keyLength, valueLength);
                long page = offHeap.pageSize();
                yield record <= page ? record : (record + page - 1) / page * page;
            }
            case DISK -> keyLength + valueLength + DISK_RECORD_OVERHEAD;
        };
    }

    /** {@return the heap weight charged for a heap node: derived from its lengths, so the node need not store it} */
    private static long heapWeight(Node<?, ?> node) {
        return node.keyLength + (long) node.valueLength + ENTRY_OVERHEAD_BYTES;
    }

    private boolean admits(Tier tier, long keyLength, long valueLength) {
        return entryBytes(tier, keyLength, valueLength) <= admitLimit[tier.ordinal()]
                && (tier == Tier.HEAP || RecordLayout.recordBytesExact(keyLength, valueLength) <= Integer.MAX_VALUE);
    }

    /** {@return null if some tier could ever hold the entry, else a description of the limits} */
    String tooLarge(long keyLength, long valueLength) {
        if (keyLength + valueLength <= alwaysFits) {
            return null;                               // the per-put fast path: no tier walk, no builder
        }
        StringBuilder limits = new StringBuilder();
        for (Tier tier : tiers) {
            if (entryBytes(tier, keyLength, valueLength) <= capacity.get(tier)
                    && RecordLayout.recordBytesExact(keyLength, valueLength) <= Integer.MAX_VALUE) {
                return null;
            }
            limits.append(limits.isEmpty() ? "" : ", ").append(tier).append(' ').append(capacity.get(tier))
                    .append(" bytes");
        }
        return limits.toString();
    }

    long maxCapacity() {
        return tiers.stream().mapToLong(capacity::get).max().orElse(0);
    }

    // ---- placing a value: prepared with no node monitor held, installed under it ----

    /**
     * Puts {@code value} in {@code node}, in the highest tier that admits it and has room.
     *
     * @param ifAbsent install only if the node holds no value when its monitor is taken
     * @return DONE; NO_ROOM; STALE (place again); REFUSED (the node was removed, or with {@code ifAbsent} it has a
     *     value: look the key up again)
     */
    Install put(Node<K, V> node, V value, int keyLength, int valueLength, boolean ifAbsent) {
        return place(node, value, keyLength, valueLength, top(), null, ifAbsent ? PUT_IF_ABSENT : PUT);
    }

    /**
     * Moves {@code node}, whose {@code value} was read at {@code version} (its monitor held, so even), to the first
     * tier from {@code first} (inclusive) down to {@code until} (exclusive, null for all) that admits it and has room:
     * a promotion or a demotion, counted in the tier it leaves.
     *
     * @return DONE (moved, or dropped because the disk failed or stayed full); NO_ROOM; STALE or REFUSED (not moved)
     */
    Install move(Node<K, V> node, V value, Tier first, Tier until, int version) {
        return place(node, value, keyCodec.encodedSize(node.key), valueCodec.encodedSize(value), first, until,
                version);
    }

    /**
     * Places {@code value} in the first tier from {@code first} down to {@code until} that admits it and has room:
     * each tier's method prepares it with no monitor held (reserves memory, writes the record) and then, under the
     * node's monitor, installs it if {@code condition} still holds. The preparation stays in that method's locals, so
     * a put allocates nothing of its own.
     *
     * @param condition {@link #PUT}, {@link #PUT_IF_ABSENT}, or for a move the node's version when its value was read
     */
    private Install place(Node<K, V> node, V value, int keyLength, int valueLength, Tier first, Tier until,
                          int condition) {
        for (Tier tier = first; tier != null && tier != until; tier = below(tier)) {
            if (!admits(tier, keyLength, valueLength)) {
                continue;
            }
            Install result = switch (tier) {
                case HEAP -> placeHeap(node, value, keyLength, valueLength, condition);
                case OFF_HEAP -> placeOffHeap(node, value, keyLength, valueLength, condition);
                case DISK -> placeDisk(node, value, keyLength, valueLength, condition);
            };
            if (result != Install.NO_ROOM) {
                return result;
            }
        }
        return Install.NO_ROOM;
    }

    /** {@return whether a value placed under {@code condition} may be installed in {@code node} now} Monitor held. */
    private static boolean mayInstall(Node<?, ?> node, int condition) {
        return switch (condition) {
            case PUT -> !node.removed;
            case PUT_IF_ABSENT -> !node.removed && node.tier == null;
            default -> !node.removed && node.version == condition;   // every change of place moves the version
        };
    }

    private static boolean isPut(int condition) {
        return condition == PUT || condition == PUT_IF_ABSENT;
    }

    private Install placeHeap(Node<K, V> node, V value, int keyLength, int valueLength, int condition) {
        long weight = entryBytes(Tier.HEAP, keyLength, valueLength);
        if (!reserveHeap(weight)) {
            return Install.NO_ROOM;
        }
        synchronized (node) {
            if (!mayInstall(node, condition)) {
                heapCredit.release(weight);
                return Install.REFUSED;
            }
            Tier old = node.tier;
            install(node, Tier.HEAP, value, keyLength, valueLength, null, 0);
            counted(old, Tier.HEAP, condition);
        }
        return Install.DONE;
    }

    /** {@return whether {@code weight} of heap storage memory was taken, evicting or reclaiming for it if needed} */
    private boolean reserveHeap(long weight) {
        for (int round = 0; round < HEAP_ROUNDS; round++) {
            if (heapCredit.acquire(weight)) {
                return true;
            }
            if (round == 0 && weight > memory.maxStorageBytes(MemoryMode.ON_HEAP)) {
                return false;
            }
            if (neighbours.reclaim(null, MemoryMode.ON_HEAP, weight) == 0 && evictHeap(weight) == 0) {
                return false;
            }
        }
        return false;
    }

    /**
     * Reserves a record in the off-heap tier, writes it with no lock held, then publishes it. The reservation is
     * the extent, offset and generation held here, not an object.
     */
    private Install placeOffHeap(Node<K, V> node, V value, int keyLength, int valueLength, int condition) {
        int recordBytes = RecordLayout.recordBytes(keyLength, valueLength);
        for (int round = 0; round < OffHeapTier.MAX_ROUNDS; round++) {
            Extent extent = offHeap.writeTarget(recordBytes);
            if (extent == null) {
                return Install.NO_ROOM;
            }
            long reservation = offHeap.reserve(node, recordBytes, extent);
            if (reservation == OffHeapTier.NO_RESERVATION) {
                continue;                              // another writer took the room first
            }
            int offset = OffHeapTier.offset(reservation);
            try {
                writeRecord(extent, offset, node.key, value, keyLength, valueLength);
            } finally {
                OffHeapTier.written(extent);
            }
            return publishOffHeap(node, extent, offset, OffHeapTier.generation(reservation), keyLength, valueLength,
                    condition);
        }
        return Install.NO_ROOM;
    }

    /**
     * Publishes the record written at {@code offset} of {@code extent} in {@code node}, if {@code condition} still
     * holds and the extent's generation is still the reservation's {@code generation}: an evictor that took the
     * extent since then has already passed over this record (it was not yet the node's) and may have freed or reused
     * its bytes. A record not published is left dead.
     *
     * @return DONE, REFUSED (the condition failed) or STALE (the extent was evicted: place again)
     */
    Install publishOffHeap(Node<K, V> node, Extent extent, int offset, int generation, int keyLength, int valueLength,
                           int condition) {
        synchronized (node) {
            if (!mayInstall(node, condition)) {
                return Install.REFUSED;
            }
            if (extent.generation != generation) {
                return Install.STALE;
            }
            Tier old = node.tier;
            install(node, Tier.OFF_HEAP, null, keyLength, valueLength, extent, offset);
            counted(old, Tier.OFF_HEAP, condition);
        }
        return Install.DONE;
    }

    private void writeRecord(Extent extent, int offset, K key, V value, int keyLength, int valueLength) {
        if (extent.segment != null) {
            writeRecord(extent.segment, offset, key, value, keyLength, valueLength);
        } else {
            int recordBytes = RecordLayout.recordBytes(keyLength, valueLength);
            MemorySegment buffer = MemorySegment.ofArray(new byte[recordBytes]);
            writeRecord(buffer, 0, key, value, keyLength, valueLength);
            extent.copyIn(buffer, 0, offset, recordBytes);
        }
    }

    private void writeRecord(MemorySegment target, long offset, K key, V value, int keyLength, int valueLength) {
        RecordLayout.writeHeader(target, offset, keyLength, valueLength);
        keyCodec.encode(key, target, RecordLayout.keyOffset(offset));
        valueCodec.encode(value, target, RecordLayout.valueOffset(offset, keyLength));
    }

    /**
     * Encodes key and value, then writes them to the disk store under the node's monitor (the store is keyed by key).
     * When the quota refuses, the monitor is released, this cache's oldest disk entries are evicted and the write
     * retried; when the disk fails or stays full the entry is dropped.
     */
    private Install placeDisk(Node<K, V> node, V value, int keyLength, int valueLength, int condition) {
        MemorySegment encodedKey = MemorySegment.ofArray(new byte[keyLength]);
        keyCodec.encode(node.key, encodedKey, 0);
        MemorySegment encodedValue = MemorySegment.ofArray(new byte[valueLength]);
        valueCodec.encode(value, encodedValue, 0);
        for (int round = 0; ; round++) {
            synchronized (node) {
                if (!mayInstall(node, condition)) {
                    return Install.REFUSED;
                }
                Install written = diskWrite(encodedKey, encodedValue);
                if (written == Install.DONE) {
                    Tier old = node.tier;
                    install(node, Tier.DISK, null, keyLength, valueLength, null, 0);
                    counted(old, Tier.DISK, condition);
                    return Install.DONE;
                }
                if (written == Install.FAILED || round >= DISK_ROUNDS) {
                    drop(node, isPut(condition) ? tiers.getLast() : node.tier);
                    return Install.DONE;
                }
            }
            if (evictDisk((long) keyLength + valueLength) == 0) {
                round = DISK_ROUNDS;
            }
        }
    }

    MemorySegment encodeKey(K key) {
        MemorySegment encoded = MemorySegment.ofArray(new byte[keyCodec.encodedSize(key)]);
        keyCodec.encode(key, encoded, 0);
        return encoded;
    }

    // ---- installing (node monitor held) ----

    /** Counts an install in {@code tier}: a put there, or a demotion or promotion out of {@code old}. */
    private void counted(Tier old, Tier tier, int condition) {
        if (isPut(condition)) {
            counters.get(tier).puts.increment();
        } else {
            boolean down = tiers.indexOf(tier) > tiers.indexOf(old);
            (down ? counters.get(old).demotions : counters.get(old).promotions).increment();
        }
    }

    /**
     * Makes {@code node} hold its value in {@code tier}: the object ({@code value}, heap), the record at
     * {@code offset} of {@code extent} (off-heap) or the record just written under its key (disk). Detaches the old
     * place, within one change of the node's seqlock.
     */
    private void install(Node<K, V> node, Tier tier, V value, int keyLength, int valueLength, Extent extent,
                         int offset) {
        node.beginChange();
        Tier old = node.tier;
        if (old == tier && old != Tier.DISK) {          // overwrite in place: one counter update, not four
            long oldBytes = countedBytes(node);
            detach(node, false, true);
            attach(node, tier, value, keyLength, valueLength, extent, offset, true);
            counters.get(old).replaced(oldBytes, countedBytes(node));
        } else {
            detach(node, tier == Tier.DISK, false);
            attach(node, tier, value, keyLength, valueLength, extent, offset, false);
        }
        node.endChange();
    }

    private Install diskWrite(MemorySegment key, MemorySegment value) {
        try {
            return disk.put(key, value) ? Install.DONE : Install.DISK_FULL;
        } catch (UncheckedIOException e) {
            errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': disk write failed, entry dropped", e);
            return Install.FAILED;
        }
    }

    /** {@return the bytes a heap or off-heap node counts in its tier's byte counter} */
    private static long countedBytes(Node<?, ?> node) {
        return node.tier == Tier.HEAP ? heapWeight(node) : node.recordBytes();
    }

    private void attach(Node<K, V> node, Tier tier, V value, int keyLength, int valueLength, Extent extent,
                        int offset, boolean inPlace) {
        node.tier = tier;
        node.keyLength = keyLength;
        node.valueLength = valueLength;
        switch (tier) {
            case HEAP -> {
                if (inPlace) {
                    node.markVisited();                 // an overwrite counts as a use; the node keeps its place
                } else {
                    heapQueue.addNewest(node);
                    counters.get(Tier.HEAP).added(heapWeight(node));
                }
                node.value = value;
            }
            case OFF_HEAP -> {
                node.extent = extent;
                node.offset = offset;
                node.extent.liveBytes.addAndGet(node.recordBytes());
                if (!inPlace) {
                    counters.get(Tier.OFF_HEAP).added(node.recordBytes());
                }
            }
            case DISK -> {
                diskQueue.addNewest(node);
                counters.get(Tier.DISK).added(0);
            }
        }
    }

    /** Removes the node's value from its tier (monitor held); keeps the disk record if it is about to be replaced. */
    void detach(Node<K, V> node, boolean keepDiskRecord) {
        detach(node, keepDiskRecord, false);
    }

    /** As above; {@code inPlace}: a value of the same tier follows at once (counters and queue place stay). */
    private void detach(Node<K, V> node, boolean keepDiskRecord, boolean inPlace) {
        if (node.tier == null) {
            return;
        }
        switch (node.tier) {
            case HEAP -> {
                if (!inPlace) {                          // in place: the new value replaces it, readers never see null
                    node.value = null;
                    heapQueue.remove(node);
                }
                long weight = heapWeight(node);
                heapCredit.release(weight);
                if (!inPlace) {
                    counters.get(Tier.HEAP).removed(weight);
                }
            }
            case OFF_HEAP -> {
                if (!inPlace) {
                    counters.get(Tier.OFF_HEAP).removed(node.recordBytes());
                }
                offHeap.recordLeft(node.extent, node.recordBytes());
                node.extent = null;
            }
            case DISK -> {
                diskQueue.remove(node);
                counters.get(Tier.DISK).removed(0);
                if (!keepDiskRecord) {
                    removeFromDisk(node.key);
                }
            }
        }
        node.tier = null;
    }

    private void removeFromDisk(K key) {
        try {
            disk.remove(encodeKey(key));
        } catch (UncheckedIOException e) {
            errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': disk remove failed; the stale record"
                    + " stays in the file but is no longer indexed", e);
        }
    }

    /** Drops the node from the index (monitor held), counting an eviction in {@code tier} if not null. */
    void drop(Node<K, V> node, Tier tier) {
        node.beginChange();
        detach(node, false);
        node.removed = true;
        node.endChange();
        index.remove(node);
        if (tier != null) {
            counters.get(tier).evictions.increment();
        }
    }

    // ---- reading ----

    /**
     * Reads an off-heap byte-array value without the node's monitor: reads {@link Node#version}, the place fields
     * (racily), copies the value out of its page, then re-reads the version. The version moves on every change of the
     * place, and a page is reused only after every live record in it has moved (which changes each owner's version),
     * so an unchanged even version means the copy is the value the node held at that moment. Garbage read from torn
     * fields is bounded by the page's segment (the copy fails or is discarded). Only for {@code Codecs.bytes()},
     * whose decoding is a bounded copy with no side effects; other codecs read under the monitor.
     *
     * @return the value, or null when the caller must take the locked path (not off-heap, a chain, a change raced
     *     with this read, or the read failed)
     */
    V readOffHeapOptimistic(Node<K, V> node) {
        if (!optimisticReads) {
            return null;
        }
        for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            int stamp = node.version;
            if ((stamp & 1) != 0) {
                continue;
            }
            Extent extent = node.extent;
            if (node.tier != Tier.OFF_HEAP || extent == null || extent.segment == null) {
                return null;
            }
            V value;
            try {
                value = valueCodec.decode(extent.segment, RecordLayout.valueOffset(node.offset, node.keyLength),
                        node.valueLength);
            } catch (RuntimeException tornOrClosed) {
                value = null;                          // the locked path reports a real failure
            }
            VarHandle.acquireFence();                  // the copy's loads complete before the version is re-read
            if (node.version == stamp) {
                return value;
            }
        }
        return null;
    }

    // ---- reading (node monitor held) ----

    /** {@return the node's value decoded from its tier, or null if it is gone (the node is then dropped)} */
    V readValue(Node<K, V> node) {
        return switch (node.tier) {
            case HEAP -> node.value;
            case OFF_HEAP -> {
                Extent extent = node.extent;
                long valueOffset = RecordLayout.valueOffset(node.offset, node.keyLength);
                yield extent.segment != null
                        ? valueCodec.decode(extent.segment, valueOffset, node.valueLength)
                        : valueCodec.decode(extent.bytes(valueOffset, node.valueLength), 0, node.valueLength);
            }
            case DISK -> readDisk(node, segment -> valueCodec.decode(segment, 0, (int) segment.byteSize()));
        };
    }

    /** {@return the reader's result over the node's encoded value bytes, or null if it is gone} */
    <R> R readBytes(Node<K, V> node, Function<? super MemorySegment, ? extends R> reader) {
        return switch (node.tier) {
            case HEAP -> {
                V value = node.value;
                MemorySegment encoded = MemorySegment.ofArray(new byte[valueCodec.encodedSize(value)]);
                valueCodec.encode(value, encoded, 0);
                yield reader.apply(encoded.asReadOnly());
            }
            case OFF_HEAP -> reader.apply(node.extent.bytes(RecordLayout.valueOffset(node.offset, node.keyLength),
                    node.valueLength).asReadOnly());
            case DISK -> readDisk(node, segment -> reader.apply(segment.asReadOnly()));
        };
    }

    private <R> R readDisk(Node<K, V> node, Function<MemorySegment, R> reader) {
        R result;
        try {
            result = disk.read(encodeKey(node.key), reader);
        } catch (UncheckedIOException e) {
            errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': disk read failed, entry dropped", e);
            result = null;
        }
        if (result == null) {
            errors.increment();
            drop(node, null);
        }
        return result;
    }

    // ---- moving entries (no node monitor held) ----

    /**
     * Drops {@code node} (an eviction from its tier) unless it changed since its value was read at {@code version}.
     * {@return whether it was dropped}
     */
    private boolean dropIfUnchanged(Node<K, V> node, int version) {
        synchronized (node) {
            if (!mayInstall(node, version)) {
                return false;
            }
            drop(node, node.tier);
            return true;
        }
    }

    /** Moves heap entries (SIEVE victims) down a tier until {@code bytes} of heap weight are freed. */
    long evictHeap(long bytes) {
        if (heapQueue == null) {
            return 0;
        }
        long freed = 0;
        for (int scanned = 0; freed < bytes && scanned < VICTIM_SCAN_LIMIT; scanned++) {
            @SuppressWarnings("unchecked")
            Node<K, V> victim = (Node<K, V>) heapQueue.nextVictim();
            if (victim == null) {
                break;
            }
            freed += demoteHeap(victim, below(Tier.HEAP));
        }
        return freed;
    }

    /** Moves one heap entry to {@code target} (or drops it when null). {@return the heap weight freed} */
    long demoteHeap(Node<K, V> node, Tier target) {
        V value;
        int version;
        long weight;
        synchronized (node) {
            if (node.removed || node.tier != Tier.HEAP) {
                return 0;
            }
            value = node.value;
            version = node.version;
            weight = heapWeight(node);
        }
        Install moved = target == null ? Install.NO_ROOM : move(node, value, target, null, version);
        if (moved == Install.NO_ROOM) {
            return dropIfUnchanged(node, version) ? weight : 0;
        }
        return moved == Install.DONE ? weight : 0;
    }

    /** Off-heap spill: moves a record of an extent being evicted to disk as bytes, or drops it. */
    @Override
    @SuppressWarnings("unchecked")
    public void moveDown(Node<?, ?> someNode, Extent from) {
        Node<K, V> node = (Node<K, V>) someNode;
        boolean toDisk = below(Tier.OFF_HEAP) != null;
        for (int round = 0; ; round++) {
            int recordBytes;
            synchronized (node) {
                if (node.removed || node.extent != from) {
                    return;
                }
                if (!toDisk || round > DISK_ROUNDS) {
                    drop(node, Tier.OFF_HEAP);
                    return;
                }
                recordBytes = node.recordBytes();
                MemorySegment key = from.bytes(RecordLayout.keyOffset(node.offset), node.keyLength);
                MemorySegment value = from.bytes(RecordLayout.valueOffset(node.offset, node.keyLength),
                        node.valueLength);
                Install result = diskWrite(key, value);
                if (result == Install.FAILED) {
                    drop(node, Tier.OFF_HEAP);
                    return;
                }
                if (result == Install.DONE) {
                    counters.get(Tier.OFF_HEAP).removed(recordBytes);
                    counters.get(Tier.OFF_HEAP).demotions.increment();
                    node.beginChange();
                    offHeap.recordLeft(from, recordBytes);
                    node.extent = null;
                    node.tier = Tier.DISK;
                    node.endChange();
                    diskQueue.addNewest(node);
                    counters.get(Tier.DISK).added(0);
                    return;
                }
            }
            if (evictDisk(recordBytes) == 0) {
                round = DISK_ROUNDS;
            }
        }
    }

    /** Drops this cache's oldest disk entries, about {@code bytes} worth. {@return how many were dropped} */
    long evictDisk(long bytes) {
        if (disk == null) {
            return 0;
        }
        long entries = Math.max(1, disk.size());
        long averageRecord = Math.max(1, disk.liveBytes() / entries);
        long wanted = Math.max(1, (bytes + averageRecord - 1) / averageRecord);
        long evicted = 0;
        while (evicted < wanted) {
            @SuppressWarnings("unchecked")
            Node<K, V> oldest = (Node<K, V>) diskQueue.oldest();
            if (oldest == null) {
                break;
            }
            synchronized (oldest) {
                if (oldest.removed || oldest.tier != Tier.DISK) {
                    diskQueue.remove(oldest);
                    continue;
                }
                drop(oldest, Tier.DISK);
                evicted++;
            }
        }
        return evicted;
    }

    /** Execution reclaim: frees up to about {@code bytes} of storage memory in {@code mode} by moving entries down. */
    long reclaim(MemoryMode mode, long bytes) {
        return switch (mode) {
            case ON_HEAP -> {
                long drained = heapCredit.drain();
                yield drained >= bytes ? drained : drained + evictHeap(bytes - drained);
            }
            case OFF_HEAP -> offHeap == null ? 0 : offHeap.evictBytes(bytes);
        };
    }

    /** Returns this cache's unspent heap storage credit to the manager (at close, after every entry is gone). */
    void releaseCredit() {
        heapCredit.drain();
    }

    /** Rebuilds the index from a persistent disk store's keys. */
    void loadDiskIndex() {
        for (var keys = disk.keys(); keys.hasNext(); ) {
            byte[] encoded = keys.next();
            K key = keyCodec.decode(MemorySegment.ofArray(encoded), 0, encoded.length);
            Node<K, V> node = new Node<>(key);
            node.tier = Tier.DISK;
            node.keyLength = encoded.length;
            if (index.putIfAbsent(node) != node) {
                continue;                              // two encodings decoding to one key: the first stays
            }
            diskQueue.addNewest(node);
            counters.get(Tier.DISK).added(0);
        }
    }

    /** Moves every memory-tier entry to disk (persistent close), as far as the quota allows. */
    void flushToDisk() {
        for (Node<K, V> node : index.nodes()) {
            Tier tier;
            Extent extent;
            synchronized (node) {
                tier = node.tier;
                extent = node.extent;
            }
            if (tier == Tier.HEAP) {
                demoteHeap(node, Tier.DISK);
            } else if (tier == Tier.OFF_HEAP) {
                moveDown(node, extent);
            }
        }
    }

    /** Removes every entry; the disk records too unless {@code keepDisk}. */
    void clear(boolean keepDisk) {
        for (Node<K, V> node : index.nodes()) {
            synchronized (node) {
                if (!node.removed) {
                    node.beginChange();
                    detach(node, keepDisk);
                    node.removed = true;
                    node.endChange();
                    index.remove(node);
                }
            }
        }
    }

    long entries(Tier tier) {
        TierCounters c = counters.get(tier);
        return c == null ? 0 : c.entries.sum();
    }

    long bytes(Tier tier) {
        TierCounters c = counters.get(tier);
        if (c == null) {
            return 0;
        }
        return tier == Tier.DISK ? disk.liveBytes() : c.bytes.sum();
    }

    List<CacheStats.TierStats> snapshot(boolean open) {
        List<CacheStats.TierStats> stats = new ArrayList<>();
        for (Tier tier : tiers) {
            long bytesNow = open || tier != Tier.DISK ? bytes(tier) : 0;
            long reserved = switch (tier) {
                case HEAP -> bytesNow;
                case OFF_HEAP -> offHeap.pages() * offHeap.pageSize();
                case DISK -> open ? disk.fileBytes() : 0;
            };
            stats.add(counters.get(tier).snapshot(bytesNow, reserved));
        }
        return stats;
    }

    DiskStore disk() {
        return disk;
    }
}
