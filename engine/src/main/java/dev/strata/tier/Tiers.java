package dev.strata.tier;

import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.CacheStats;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.PageAllocator;
import dev.strata.tier.disk.DiskStore;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * One cache's tiers and every movement between them: placing a value in a tier, moving entries down (demotion,
 * eviction) and up (promotion). The off-heap tier's side of it (appending, overwriting in place, publishing, and
 * evacuating pages) is {@link OffHeapPlacement}'s.
 *
 * <pre>
 *   put ──► HEAP ──(S3-FIFO victim, encode once)──► OFF_HEAP ──(S3-FIFO page, bytes as-is)──► DISK ──(S3-FIFO segment)──► dropped
 *            ▲                                        │                                      │
 *            └────────────── promotion on hit (decode) ◄───────────────────────────────────┘
 * </pre>
 *
 * <p><b>Where a key is.</b> In exactly one place outside its stripe's monitor ({@link Stripe}): a heap {@link Node} in
 * the stripe's {@link NodeTable}, an off-heap record named by a slot of its {@link RecordTable}, or a record in the
 * cache's {@link DiskStore}, whose own index finds it (a disk entry keeps no object on the heap). Every change of a
 * key's disk record is made under its stripe's monitor (or its spill mark), but the store's own: evicting its oldest
 * segment and dropping a corrupt record, which only remove entries, and compaction, which moves a record unchanged.
 *
 * <p><b>Protocol.</b> Each tier has one method that places a value in it ({@link #place}): work that may evict, wait
 * for memory or encode runs first, with no monitor held (heap memory is reserved; an off-heap record is appended, see
 * {@link OffHeapTier}). Then the key's stripe monitor is taken, the key's current place found, the
 * condition re-checked (for a put: none; for putIfAbsent: no place; for a move: the source unchanged, see
 * {@link Source}) and the value installed: the new place first, then the old one detached, so that a lock-free
 * reader probing in tier order always finds one of them (see {@link Stripe} for the one race this leaves and how
 * readers close it). A failed re-check gives the preparation up (heap memory is released, an off-heap record is left
 * dead). What was prepared stays in that method's locals, so placing a value allocates no object of its own beyond a
 * heap node. The disk store is keyed by key, so a put's disk write happens at install, under the monitor; when its
 * quota refuses, the monitor is released, this cache's oldest disk segment is evicted, and the write is retried. An
 * off-heap record moving to disk is written with the monitor released instead, its key marked as spilling: every
 * change of that key waits for the mark first ({@link Stripe#awaitSpillOf}), so the record cannot change and no other
 * disk write of the key can race with it, while every other key of the stripe goes on. A value installed in a memory
 * tier for a key with a disk record removes that record (a tombstone, in a persistent store) after the install, inside
 * one move of the stripe; to know whether there is one, a memory-tier install looks the key's encoding up in the
 * store's index (no I/O).
 *
 * <p><b>Failures while moving down.</b> A move down is eviction's work inside another key's operation. When the disk
 * fails, or a user codec throws (encoding a heap value), the entry that was moving is dropped, logged and counted in
 * {@link #errors}, and that other operation goes on ({@link #moveFailed}). An off-heap record moves to disk as its
 * bytes are, so no codec runs there. An {@link Error} (or a bug's exception) is not dropped: it reaches that
 * operation's caller, and an off-heap page that was being emptied goes back to its tier first (see
 * {@code OffHeapTier.empty}).
 *
 * <p><b>Removals.</b> With a removal listener ({@link Removals}), every place where an entry leaves the cache queues
 * its key and value on the engine's {@link RemovalQueue} where it leaves, under the monitor that decides it: a put's
 * replaced value (read off a disk record under the key's monitor before the write, and queued only if the disk store
 * says the write replaced that record: an eviction or a clear may have dropped it first, and told it), a remove's, an
 * expired one, and the lowest tier's evictions (the disk store tells its own, {@link DiskStore#reportDrops}). A move
 * between tiers is no removal. The queue is handed to the listeners when the operation ends, outside every lock.
 *
 * <p><b>Heap weight.</b> {@code encodedSize(key) + encodedSize(value) + }{@value #ENTRY_OVERHEAD_BYTES}: encoded
 * sizes stand in for object sizes (close for byte arrays and Latin-1 strings) and the constant covers the node
 * (48 B), its table slots, its ghost slots in the heap's {@link NodeQueue} (4 to 8 B) and the key and value
 * objects' headers; with a time to live, {@value #EXPIRING_HOLDER_BYTES}
 * more for the {@link Expiring} holder (its deadline is in the encoded size). <b>Admission</b> ({@link TierLimits}):
 * a tier with a lower tier below it does not take an entry larger than 1/{@value TierLimits#LARGE_ENTRY_FRACTION} of
 * its capacity (so one huge value cannot flush the tier); the lowest tier takes entries up to its whole capacity, and
 * the capacities follow the cache's maximums as they change. <b>Heap memory</b> is charged
 * through a {@link StorageCredit}: the manager's lock is taken once per chunk, not once per put; and a put that finds
 * the heap full evicts a chunk more than it needs, kept as credit, so the puts after it neither ask the manager nor
 * evict (one miss in two took the manager's lock twice, and two threads churning a full heap queued on it).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Tiers<K, V> {

    /** Per-entry bytes charged on the heap beyond the encoded key and value: node, slots, ghosts, object headers. */
    static final long ENTRY_OVERHEAD_BYTES = 120;
    /**
     * What a time to live adds to a heap entry beyond its encoded deadline (8 bytes, counted in the value's encoded
     * size): the {@link Expiring} holder's object header and value reference.
     */
    static final long EXPIRING_HOLDER_BYTES = 16;
    /**
     * A maximum disk size set while a cache runs spans at least this many of its segments, whose size was fixed when it
     * opened: a sixteenth of its maximum at build, or of the engine's quota, so such a cache can shrink to a quarter.
     */
    static final int MIN_DISK_SEGMENTS = 4;
    /** Disk record bytes beyond key and value (the disk store's header), for limit checks. */
    static final long DISK_RECORD_OVERHEAD = 32;
    private static final int HEAP_ROUNDS = 16;
    static final int DISK_ROUNDS = 4;
    /** At most this many rounds more, one per segment ({@link #diskRounds}). */
    private static final int MAX_DISK_ROUNDS = 1024;
    private static final int VICTIM_SCAN_LIMIT = 4096;
    private static final System.Logger LOG = System.getLogger(Tiers.class.getName());

    /**
     * Frees memory across the engine's caches for a cache holding less than an equal share, so a new cache can grow at
     * the expense of older ones, and a cache that floods the engine cannot push the others below an equal share.
     */
    interface Neighbours {
        /**
         * {@return bytes freed for {@code requester} by caches holding more than an equal share; 0 when the requester
         * holds its share (it moves its own entries down instead)}
         */
        long reclaim(Tiers<?, ?> requester, MemoryMode mode, long bytes);

        /**
         * {@return whether a cache holding more than an equal share of the disk files evicted a segment for
         * {@code requester}; false when the requester holds its share (it evicts its own instead)}
         */
        boolean evictDisk(Tiers<?, ?> requester);
    }

    /** The outcome of placing a value ({@link #put}, {@link #move}) or of one disk write. */
    enum Install {
        /** Installed; or, when the disk failed or stayed full, the entry was dropped instead (it is settled). */
        DONE,
        /** The off-heap record's page was sealed between reserving and publishing: place again. */
        STALE,
        /** The key changed meanwhile (a move's source is gone; for putIfAbsent, it has a value): nothing installed. */
        REFUSED,
        /** No tier from the first asked could take the value: nothing was installed. */
        NO_ROOM,
        /** A disk write: the quota refused (internal: retried after evicting). */
        DISK_FULL,
        /** A disk write: it failed (internal: the entry is dropped). */
        FAILED
    }

    /**
     * Where a moved value was read: a heap node at a version, an off-heap record (its slot word and value version) or a
     * disk record (its stamp, {@link DiskStore#stampOf}). A move installs only if its source is still the key's place,
     * unchanged: for a record, its slot still names it and its value was not overwritten in place since.
     *
     * @param tier the tier the value was read from
     * @param node the heap node, or null
     * @param version the heap node's version, or the off-heap record's ({@link RecordLayout}), when the value was
     *     read; for a disk record, the cache's {@linkplain #clearSequence() clear sequence} before it was read
     * @param word the off-heap record's slot word, or the disk record's stamp
     */
    record Source(Tier tier, Node<?, ?> node, int version, long word, boolean unread) {
        static Source of(Node<?, ?> node, int version) {
            return of(node, version, false);
        }

        /** A heap entry leaving, {@code unread} if from its queue's probation (never read since it came). */
        static Source of(Node<?, ?> node, int version, boolean unread) {
            return new Source(Tier.HEAP, node, version, 0, unread);
        }

        /** An off-heap record, named by its {@code slot} word, whose value was read at {@code version}. */
        static Source of(long slot, int version) {
            return new Source(Tier.OFF_HEAP, null, version, slot, false);
        }

        /** A disk record of {@code stamp}, read after the cache's clear sequence was {@code clears}. */
        static Source ofDisk(long stamp, int clears) {
            return new Source(Tier.DISK, null, clears, stamp, false);
        }
    }

    /**
     * A test's hook, run by a put whose value went to disk over the key's place in a memory tier: the new record
     * written, the older place not yet removed, the stripe's monitor held; null otherwise.
     */
    volatile Runnable afterDiskPutOverMemory;

    final String cacheName;
    final List<Tier> tiers;
    final Codec<K> keyCodec;
    final Codec<V> valueCodec;
    final KeyIndex index;
    final LongAdder errors = new LongAdder();
    /** Hits and misses per tier, by position in {@link #tiers}. */
    final AccessCounters accessCounters;
    private final MemoryManager memory;
    private final HeapQueue heapQueue;
    /** Heap storage memory taken from the manager in chunks, so heap puts rarely take its lock. */
    private final StorageCredit heapCredit;
    final OffHeapTier offHeap;
    /** Places values in the off-heap tier and evacuates its pages; null without an off-heap tier. */
    final OffHeapPlacement<K, V> offHeapPlacement;
    private final ExtentTable extents;
    final OffHeapReads<K, V> reads;
    private final DiskStore disk;
    /** {@link #ENTRY_OVERHEAD_BYTES}, plus {@link #EXPIRING_HOLDER_BYTES} with a time to live. */
    private final long heapOverhead;
    /** The cache's time to live (then {@code V} is {@link Expiring}), or null if its values never expire. */
    final Expiry expiry;
    /** Whether values are {@code Codecs.bytes()}'s: a {@code byte[]} is its own encoding. */
    private final boolean valuesAreBytes;
    /**
     * Whether a value goes to the disk store as a {@link dev.strata.tier.disk.ValueWriter} that encodes it straight
     * into the store's record: for the other codecs that cannot fail once sized ({@link #failsOnlyInSizing}).
     */
    private final boolean encodesIntoDiskRecords;
    private final Map<Tier, TierCounters> counters = new EnumMap<>(Tier.class);
    /** Taken by {@link #clear}, so that clears run one at a time and {@link #clearSequence} is odd while one runs. */
    private final Object clearLock = new Object();
    /** Written under {@link #clearLock} only; read lock-free. */
    private volatile int clearSequence;
    /** Each tier's capacity and admission limit; replaced whole when a maximum changes ({@link #setMaximum}). */
    private volatile TierLimits limits;
    /** Taken by {@link #setMaximum}: one change of a maximum at a time. */
    private final Object maximumLock = new Object();
    private final Neighbours neighbours;
    /** Per tier ordinal: the tier's position in {@link #tiers}, or -1. */
    private final int[] positions = new int[Tier.values().length];
    /** The engine's removals waiting for their listeners, this cache's and others'. */
    final RemovalQueue removalQueue;
    /** This cache's removal listener's side, or null without one: then nothing is decoded or read for it. */
    final Removals<K, V> removals;

    /**
     * Creates a cache's tiers.
     *
     * @param diskCapacity the most its disk tier can hold without a maximum of the cache's own: the engine's quota
     * @param maximumSizes the cache's maximum size per tier, in bytes (off the heap, whole pages); a tier not named has
     *                     none of its own
     * @param tables the engine's account of the heap its off-heap record tables take, with its limit
     * @param removalQueue the engine's removals waiting for their listeners
     * @param listening the cache's removal listener and its executor, or null
     */
    Tiers(String cacheName, List<Tier> tiers, Codec<K> keyCodec, Codec<V> valueCodec, MemoryManager memory,
          PageAllocator allocator, DiskStore disk, long diskCapacity, Map<Tier, Long> maximumSizes,
          Neighbours neighbours, Expiry expiry, TableMemory tables, RemovalQueue removalQueue,
          Removals.Listening listening) {
        this.cacheName = cacheName;
        this.tiers = List.copyOf(tiers);
        this.keyCodec = keyCodec;
        this.valueCodec = valueCodec;
        this.memory = memory;
        this.neighbours = neighbours;
        this.expiry = expiry;
        this.heapOverhead = ENTRY_OVERHEAD_BYTES + (expiry == null ? 0 : EXPIRING_HOLDER_BYTES);
        this.heapQueue = tiers.contains(Tier.HEAP)
                ? new HeapQueue(HeapQueue.segmentsFor(Runtime.getRuntime().availableProcessors())) : null;
        long heapMaximum = maximumSizes.getOrDefault(Tier.HEAP, Long.MAX_VALUE);
        this.heapCredit = new StorageCredit(memory, MemoryMode.ON_HEAP, heapMaximum);
        long offHeapMaximum = maximumSizes.getOrDefault(Tier.OFF_HEAP, Long.MAX_VALUE);
        long offHeapMaxPages = offHeapMaximum == Long.MAX_VALUE ? Long.MAX_VALUE
                : offHeapMaximum / allocator.pageSize();   // whole pages already (the builder rounds it down)
        long offHeapRoom = tiers.contains(Tier.OFF_HEAP) ? Math.min(memory.state(MemoryMode.OFF_HEAP).regionBytes(),
                allocator.config().budgetBytes()) : 0;
        this.offHeapPlacement = tiers.contains(Tier.OFF_HEAP) ? new OffHeapPlacement<>(this, valueCodec) : null;
        this.offHeap = offHeapPlacement == null ? null
                : new OffHeapTier(memory, allocator, offHeapRoom, offHeapMaxPages, offHeapPlacement,
                        this::reclaimOffHeapForShare, tables);
        this.extents = offHeap == null ? null : offHeap.extents();
        this.valuesAreBytes = (Object) valueCodec == Codecs.bytes();
        this.encodesIntoDiskRecords = !valuesAreBytes && failsOnlyInSizing(valueCodec);
        this.reads = offHeap == null ? null : new OffHeapReads<>(extents, keyCodec, valueCodec, copyOnly(valueCodec));
        this.index = new KeyIndex(tiers.contains(Tier.HEAP), extents, tables);
        this.disk = disk;
        if (disk != null && expiry != null) {
            disk.dropExpiredWhenCompacting(value -> expiry.expired(value, 0));   // compaction drops them
        }
        for (Tier tier : tiers) {
            counters.put(tier, new TierCounters(tier));
        }
        this.removalQueue = removalQueue;
        this.removals = listening == null ? null : new Removals<>(this, listening, removalQueue);
        if (disk != null && removals != null) {
            disk.reportDrops((key, value, expired) -> removals.removedEncoded(key, value,
                    expired ? RemovalCause.EXPIRED : RemovalCause.SIZE), removalQueue::deliver);
        }
        if (disk != null) {                            // its writers then seldom evict themselves
            disk.evictAhead(evicted -> counters.get(Tier.DISK).evictions.add(evicted),
                    () -> neighbours.evictDisk(this));
        }
        this.accessCounters = new AccessCounters(tiers.size());
        for (Tier tier : Tier.values()) {
            positions[tier.ordinal()] = this.tiers.indexOf(tier);
        }
        long[] room = new long[Tier.values().length];
        room[Tier.HEAP.ordinal()] = memory.state(MemoryMode.ON_HEAP).regionBytes();
        room[Tier.OFF_HEAP.ordinal()] = offHeapRoom;
        room[Tier.DISK.ordinal()] = diskCapacity;
        this.limits = new TierLimits(this.tiers, room, maximumSizes, offHeap == null ? 0 : offHeap.pageSize(),
                heapOverhead);
    }

    /**
     * {@return whether off-heap values of {@code codec} may be read by a validated copy ({@link OffHeapReads}):
     * {@code Codecs.bytes()}, alone or behind a deadline}
     */
    private static boolean copyOnly(Codec<?> codec) {
        return ExpiringCodec.unwrapped(codec) == Codecs.bytes();
    }

    TierCounters counters(Tier tier) {
        return counters.get(tier);
    }

    Tier top() {
        return tiers.getFirst();
    }

    /** {@return the position of {@code tier} in this cache's tier order, top first, or -1 if it has none} */
    int position(Tier tier) {
        return positions[tier.ordinal()];
    }

    /** {@return the tier below {@code tier} in this cache, or null if it is the lowest} */
    Tier below(Tier tier) {
        int i = position(tier);
        return i + 1 < tiers.size() ? tiers.get(i + 1) : null;
    }

    // ---- sizes and limits ----

    private long entryBytes(Tier tier, long keyLength, long valueLength) {
        return switch (tier) {
            case HEAP -> keyLength + valueLength + heapOverhead;
            case OFF_HEAP -> {
                long record = RecordLayout.alignedBytesExact(keyLength, valueLength);
                long page = offHeap.pageSize();
                yield record <= page ? record : (record + page - 1) / page * page;
            }
            case DISK -> keyLength + valueLength + DISK_RECORD_OVERHEAD;
        };
    }

    /** {@return the heap weight charged for a heap node: derived from its lengths, so the node need not store it} */
    private long heapWeight(Node<?, ?> node) {
        return node.keyLength + (long) node.valueLength + heapOverhead;
    }

    private boolean admits(Tier tier, long keyLength, long valueLength) {
        return entryBytes(tier, keyLength, valueLength) <= limits.admitLimit(tier)
                && (tier == Tier.HEAP || RecordLayout.alignedBytesExact(keyLength, valueLength) <= Integer.MAX_VALUE);
    }

    /** {@return null if some tier could ever hold the entry, else a description of the limits} */
    String tooLarge(long keyLength, long valueLength) {
        TierLimits now = limits;
        if (keyLength + valueLength <= now.alwaysFits()) {
            return null;                               // the per-put fast path: no tier walk, no builder
        }
        StringBuilder tooSmall = new StringBuilder();
        for (Tier tier : tiers) {
            if (entryBytes(tier, keyLength, valueLength) <= now.capacity(tier)
                    && RecordLayout.alignedBytesExact(keyLength, valueLength) <= Integer.MAX_VALUE) {
                return null;
            }
            tooSmall.append(tooSmall.isEmpty() ? "" : ", ").append(tier).append(' ').append(now.capacity(tier))
                    .append(" bytes");
        }
        return tooSmall.toString();
    }

    /** {@return the cache's own maximum size in {@code tier}, in bytes (off the heap, in whole pages), 0 for none} */
    long maximumSize(Tier tier) {
        TierLimits now = limits;
        return now.hasMaximum(tier) ? now.maximum(tier) : 0;
    }

    long maxCapacity() {
        TierLimits now = limits;
        return tiers.stream().mapToLong(now::capacity).max().orElse(0);
    }

    // ---- placing a value: prepared with no monitor held, installed under the stripe's ----

    /**
     * Puts {@code value} under {@code key}, in the highest tier that admits it and has room.
     *
     * @param condition what the key's value must be when its stripe's monitor is taken, or null for an unconditional
     *     put
     * @return DONE; NO_ROOM; STALE (place again); REFUSED (the condition did not hold)
     */
    Install put(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition) {
        return place(key, hash, value, keyLength, valueLength, top(), null, condition, null);
    }

    /**
     * Moves {@code key}'s {@code value}, read from {@code source}, to the first tier from {@code first} (inclusive)
     * down to {@code until} (exclusive, null for all) that admits it and has room: a promotion or a demotion, counted
     * in the tier it leaves.
     *
     * @return DONE (moved, or dropped because the disk failed or stayed full); NO_ROOM; STALE or REFUSED (not moved)
     */
    Install move(K key, int hash, V value, Tier first, Tier until, Source source) {
        return place(key, hash, value, keyCodec.encodedSize(key), valueCodec.encodedSize(value), first, until, null,
                source);
    }

    /**
     * Places {@code value} in the first tier from {@code first} down to {@code until} that admits it and has room:
     * each tier's method prepares it with no monitor held and then, under the stripe's monitor, installs it if the
     * condition still holds.
     *
     * @param condition a conditional put's condition on the key's value, or null
     * @param source a move's source, or null for a put
     */
    private Install place(K key, int hash, V value, int keyLength, int valueLength, Tier first, Tier until,
                          Condition<V> condition, Source source) {
        for (Tier tier = first; tier != null && tier != until; tier = below(tier)) {
            if (!admits(tier, keyLength, valueLength)) {
                continue;
            }
            Install result = switch (tier) {
                case HEAP -> placeHeap(key, hash, value, keyLength, valueLength, condition, source);
                case OFF_HEAP -> offHeapPlacement.place(key, hash, value, keyLength, valueLength, condition, source);
                case DISK -> placeDisk(key, hash, value, keyLength, valueLength, condition, source);
            };
            if (result != Install.NO_ROOM) {
                return result;
            }
        }
        return Install.NO_ROOM;
    }

    /** {@return the key's node in {@code stripe}, or null} Stripe held, or a racy read. */
    Node<K, V> nodeOf(Stripe stripe, K key, int hash) {
        return stripe.nodes == null ? null : stripe.nodes.find(key, hash);
    }

    /**
     * {@return the index of the key's record slot (stripe held), or -1} {@code source}: a move's source, found by its
     * slot word rather than by key (and -1 if its value was overwritten in place since the move read it); otherwise
     * the records' keys are compared with the {@code keyLength} bytes of {@code encoded} at {@code keyOffset}, or,
     * when {@code encoded} is null, with the key itself ({@link dev.strata.codec.Codec#matches}).
     */
    int recordOf(Stripe stripe, K key, int hash, Source source, MemorySegment encoded, long keyOffset,
                         int keyLength) {
        RecordTable records = stripe.records;
        if (records == null || records.size() == 0) {
            return -1;
        }
        if (source != null && source.tier() == Tier.OFF_HEAP) {
            int record = records.indexOfRecord(hash, source.word());
            return record >= 0 && reads.versionOf(records.get(record)) == source.version() ? record : -1;
        }
        if (encoded == null) {
            return records.indexOf(hash, key, reads);
        }
        return records.indexOf(hash, encoded, keyOffset, keyLength);
    }

    /**
     * {@return whether a value may be installed over the key's current place: its heap {@code node}, its off-heap
     * {@code record} or its disk record of stamp {@code diskStamp} (keyed {@code diskKey})} Stripe held. A value read
     * on disk moves up only if no clear has begun since it was read: its stamp alone would let one through between the
     * clear's pass over this stripe and its clearing of the disk. A put's {@code condition} is checked here, against
     * the value at that place ({@link #currentValue}).
     */
    boolean mayInstall(Stripe stripe, Node<K, V> node, int record, long diskStamp, MemorySegment diskKey,
                       Condition<V> condition, Source source) {
        if (source != null) {
            return switch (source.tier()) {
                case HEAP -> source.node() == node && !node.removed && node.version == source.version();
                case OFF_HEAP -> record >= 0;
                case DISK -> node == null && record < 0 && diskStamp == source.word()
                        && (source.version() & 1) == 0 && clearSequence == source.version();
            };
        }
        if (condition == null) {
            return true;
        }
        if (condition.wantsAbsent()) {
            return node == null && record < 0 && diskStamp == DiskStore.NO_STAMP;
        }
        return meets(condition, stripe, node, record, diskStamp == DiskStore.NO_STAMP ? null : diskKey);
    }

    /**
     * {@return whether {@code condition} (a present or an unchanged one) holds for the key's place: its heap
     * {@code node}, its off-heap record at {@code record}, or its disk record keyed {@code diskKey} (null when it has
     * none there)} A decode that throws for a present condition's test becomes its failure. Stripe held.
     */
    boolean meets(Condition<V> condition, Stripe stripe, Node<K, V> node, int record, MemorySegment diskKey) {
        Source place = condition.place();
        if (place != null) {
            return stillAt(place, stripe, node, record, diskKey) ? !expiredAt(stripe, node, record, diskKey)
                    : stillSameValue(condition, stripe, node, record, diskKey);
        }
        V current;
        try {
            current = currentValue(stripe, node, record, diskKey);
        } catch (RuntimeException e) {
            condition.failed(e);
            return false;
        }
        return condition.holds(current);
    }

    /**
     * {@return the key's value: its heap {@code node}'s, its off-heap record's at {@code record}, decoded, or its disk
     * record's (keyed {@code diskKey}, null when it has none there), read and decoded; null if it has none, if that
     * value has expired, or if the disk read failed (counted and logged, as a read would)} Stripe held: the record
     * cannot change.
     *
     * @throws RuntimeException what the value codec threw
     */
    private V currentValue(Stripe stripe, Node<K, V> node, int record, MemorySegment diskKey) {
        V value;
        try {
            if (node != null) {
                value = node.value;
            } else if (record >= 0) {
                long location = Slots.location(stripe.records.get(record));
                value = reads.decode(extents.extentAt(location), extents.offsetAt(location));
            } else if (diskKey != null) {
                value = disk.read(diskKey, false, (bytes, stamp, visited) -> decodeValue(bytes));
            } else {
                return null;
            }
        } catch (UncheckedIOException e) {
            errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': could not read a disk value for a "
                    + "conditional write; taken as absent", e);
            return null;
        }
        return value != null && expiry != null && expiry.expired(value) ? null : value;
    }

    /**
     * {@return whether the key's place (its heap {@code node}, its record at {@code record}, its disk record keyed
     * {@code diskKey}) is still {@code place}, as a snapshot read it: the same node at the same version, the same
     * record at the same version, or the same disk record with no clear begun since} Stripe held.
     */
    private boolean stillAt(Source place, Stripe stripe, Node<K, V> node, int record, MemorySegment diskKey) {
        return switch (place.tier()) {
            case HEAP -> node != null && place.node() == node && node.version == place.version();
            case OFF_HEAP -> node == null && record >= 0 && stripe.records.get(record) == place.word()
                    && reads.versionOf(place.word()) == place.version();
            case DISK -> node == null && record < 0 && diskKey != null && disk.stampOf(diskKey) == place.word()
                    && clearSequence == place.version();
        };
    }

    /**
     * {@return whether an unchanged {@code condition} holds though the key's place changed: the key still has the value
     * read, unexpired, compared ({@link Condition#sameValue}) with the one the snapshot read} Moving a value between
     * tiers, or within one (a page's evacuation, a disk compaction), changes its place and keeps its value; the write
     * whose condition this is moves values down itself to make room, and on a small cache it moved the very key it
     * was writing often enough that a compute ran its function twice on one thread. A value only equal to the one read
     * because it was written again since is taken as unchanged, as a compare-and-set by value would take it. Stripe
     * held.
     */
    private boolean stillSameValue(Condition<V> condition, Stripe stripe, Node<K, V> node, int record,
                                   MemorySegment diskKey) {
        try {
            V current = currentValue(stripe, node, record, diskKey);
            return current != null && Condition.sameValue(valueCodec, current, condition.seen());
        } catch (RuntimeException e) {
            condition.failed(e);
            return false;
        }
    }

    /** {@return whether the value at the key's place has expired} Reads a disk record for it. Stripe held. */
    private boolean expiredAt(Stripe stripe, Node<K, V> node, int record, MemorySegment diskKey) {
        if (expiry == null) {
            return false;
        }
        if (node != null) {
            return expiry.expired(node.value);
        }
        if (record >= 0) {
            long location = Slots.location(stripe.records.get(record));
            return recordExpired(extents.extentAt(location), extents.offsetAt(location));
        }
        return diskKey != null && diskValueExpired(diskKey);
    }

    /**
     * A key's value as read under its stripe's monitor, and where: for a write that must find it there unchanged
     * ({@link Condition#unchanged}). Both null when the key had no unexpired value.
     *
     * @param value the value read
     * @param place where it was read, with the version it was read at
     */
    record Snapshot<V>(V value, Source place) {
    }

    /**
     * {@return the key's unexpired value and its place, read under its stripe's monitor (a disk value read and decoded
     * there)} Counts no hit or miss and moves nothing.
     *
     * @throws RuntimeException what the value codec threw
     */
    Snapshot<V> snapshot(K key) {
        int hash = KeyIndex.hash(key);
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            Node<K, V> node = nodeOf(stripe, key, hash);
            int keyLength = keyCodec.encodedSize(key);
            int record = node == null ? recordOf(stripe, key, hash, null, null, 0, keyLength) : -1;
            MemorySegment diskKey = null;
            Source place;
            if (node != null) {
                place = Source.of(node, node.version);
            } else if (record >= 0) {
                long slot = stripe.records.get(record);
                place = Source.of(slot, reads.versionOf(slot));
            } else if (disk != null) {
                diskKey = encodeKey(key, keyLength);
                long stamp = disk.stampOf(diskKey);
                place = stamp == DiskStore.NO_STAMP ? null : Source.ofDisk(stamp, clearSequence);
            } else {
                place = null;
            }
            V value = place == null ? null : currentValue(stripe, node, record, diskKey);
            return value == null ? new Snapshot<>(null, null) : new Snapshot<>(value, place);
        }
    }

    /**
     * {@return the stamp of the key's disk record when it has no place in a memory tier ({@code node} null,
     * {@code record} negative), else {@link DiskStore#NO_STAMP}} An index lookup, no I/O. Stripe held.
     */
    long diskStamp(Node<?, ?> node, int record, MemorySegment encodedKey) {
        return disk == null || node != null || record >= 0 ? DiskStore.NO_STAMP : disk.stampOf(encodedKey);
    }

    private Install placeHeap(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition,
                              Source source) {
        long weight = entryBytes(Tier.HEAP, keyLength, valueLength);
        if (!reserveHeap(weight)) {
            return Install.NO_ROOM;
        }
        MemorySegment encodedKey = disk == null ? null : encodeKey(key, keyLength);
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            Node<K, V> node = nodeOf(stripe, key, hash);
            int record = node == null ? recordOf(stripe, key, hash, source, null, 0, keyLength) : -1;
            long stamp = diskStamp(node, record, encodedKey);
            if (!mayInstall(stripe, node, record, stamp, encodedKey, condition, source)) {
                heapCredit.release(weight);
                return Install.REFUSED;
            }
            boolean reported = source == null && removals != null;    // a put's: the value it replaces leaves
            if (node != null) {
                long oldWeight = heapWeight(node);
                heapCredit.release(oldWeight);
                V old = node.value;
                replaceHeapValue(node, value, keyLength, valueLength);
                counters.get(Tier.HEAP).replaced(oldWeight, weight);
                if (reported) {
                    removals.removed(key, old, RemovalCause.REPLACED);
                }
            } else {
                Node<K, V> fresh = newNode(key, hash, keyLength, valueLength);
                fresh.value = value;
                MemorySegment diskKey = stamp == DiskStore.NO_STAMP ? null : encodedKey;
                V onDisk = reported ? replacedRecordOrDiskValue(stripe, key, record, diskKey) : null;
                if (insertNode(stripe, fresh, record, diskKey) && onDisk != null) {
                    removals.removed(key, onDisk, RemovalCause.REPLACED);
                }
            }
            counted(Tier.HEAP, source);
        }
        return Install.DONE;
    }

    /**
     * A put's fast path when the heap is the cache's top tier: a key whose value is on the heap with the same weight
     * gets the new value in place, under its stripe's monitor, with no storage credit taken or returned and no
     * in-flight registration. Safe unguarded for the reason {@link OffHeapPlacement#overwriteOnTop} gives: the closed
     * flag is checked under the monitor, which close takes for every stripe before it lets anything go.
     *
     * @param condition a conditional put's condition on the key's value (a present one), or null
     * @return whether the value was replaced; false leaves everything as it was
     */
    boolean reviseHeapOnTop(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition,
                            Lookups.Guard guard) {
        long weight = entryBytes(Tier.HEAP, keyLength, valueLength);
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            Node<K, V> node = guard.isClosed() ? null : nodeOf(stripe, key, hash);
            if (node == null || heapWeight(node) != weight
                    || condition != null && !meets(condition, stripe, node, -1, null)) {
                return false;
            }
            if (removals != null) {
                removals.removed(key, node.value, RemovalCause.REPLACED);   // handed over after the put
            }
            replaceHeapValue(node, value, keyLength, valueLength);
            countPut(Tier.HEAP);
            return true;
        }
    }

    /**
     * For a put about to replace the key's off-heap record at {@code record} or its disk record (keyed
     * {@code diskKey}, null if it has none): queues the record's removal ({@link RemovalCause#REPLACED}) now, decoded
     * while it is stable, or reads the disk record's value. Stripe held. {@return the disk record's value, to be
     * reported once the disk store said the put removed that record (an eviction or a clear may have dropped it first,
     * and reported it), or null}
     */
    V replacedRecordOrDiskValue(Stripe stripe, K key, int record, MemorySegment diskKey) {
        if (record >= 0) {
            removals.removedSlot(key, stripe.records.get(record), RemovalCause.REPLACED);
            return null;
        }
        return diskKey == null ? null : removals.diskValue(disk, diskKey, RemovalCause.REPLACED);
    }

    /** Replaces the value of a heap node; it keeps its place in the heap queue. Stripe held. */
    private static <K, V> void replaceHeapValue(Node<K, V> node, V value, int keyLength, int valueLength) {
        node.keyLength = keyLength;
        node.valueLength = valueLength;
        node.version++;
        node.value = value;
        node.recordHit();                              // an overwrite counts as a use
    }

    private Node<K, V> newNode(K key, int hash, int keyLength, int valueLength) {
        Node<K, V> node = new Node<>(key, hash);
        node.keyLength = keyLength;
        node.valueLength = valueLength;
        return node;
    }

    /**
     * Inserts the heap node {@code fresh} into the stripe's nodes and the heap queue, then removes the key's old place
     * if it has one (the record at {@code record}, or the disk record of {@code diskKey}): the new place before the
     * old, inside one move of the stripe. Stripe held. {@return whether a disk record was removed}
     */
    private boolean insertNode(Stripe stripe, Node<K, V> fresh, int record, MemorySegment diskKey) {
        boolean move = record >= 0 || diskKey != null;
        if (move) {
            stripe.beginMove();
        }
        stripe.nodes.insert(fresh);
        heapQueue.addNewest(fresh, move);
        counters.get(Tier.HEAP).added(heapWeight(fresh));
        boolean removedFromDisk = false;
        if (record >= 0) {
            removeRecord(stripe, record, true);
        } else if (diskKey != null) {
            removedFromDisk = removeFromDisk(diskKey);
            stripe.diskCrossings++;
        }
        if (move) {
            stripe.endMove();
        }
        return removedFromDisk;
    }

    /** {@return whether {@code weight} of heap storage memory was taken, evicting or reclaiming for it if needed} */
    private boolean reserveHeap(long weight) {
        if (heapCredit.acquire(weight)) {
            return true;                               // credit left from the last trip to the manager
        }
        TierEvents.HeapReclaim event = new TierEvents.HeapReclaim();
        event.begin();
        boolean reserved = reclaimHeapFor(weight, event);
        if (event.shouldCommit()) {
            event.wantedBytes = weight;
            event.reserved = reserved;
            event.commit();
        }
        return reserved;
    }

    /**
     * {@link #reserveHeap} once the credit fell short: has entries moved down (other caches', while this one holds
     * less than an equal share of the caches' heap, else this one's; only this one's when the cache's maximum heap size
     * is what refused) and tries again, up to {@link #HEAP_ROUNDS} times, adding what each round freed to
     * {@code event}.
     */
    private boolean reclaimHeapFor(long weight, TierEvents.HeapReclaim event) {
        if (weight > Math.min(memory.maxStorageBytes(MemoryMode.ON_HEAP), heapCredit.limit())) {
            return false;
        }
        for (int round = 0; round < HEAP_ROUNDS; round++) {
            if (round > 0 && heapCredit.acquire(weight)) {
                return true;
            }
            long batch = weight + heapCredit.chunk();  // the rest stays as credit: the next puts need no eviction
            long freed = heapCredit.wouldPassLimit(weight) ? 0 : neighbours.reclaim(this, MemoryMode.ON_HEAP, batch);
            if (freed == 0) {
                freed = evictHeap(batch);
            }
            if (freed == 0) {
                return false;
            }
            event.freedBytes += freed;
            event.rounds++;
        }
        return false;
    }

    /**
     * Encodes key and value, then writes them to the disk store under the stripe's monitor (the store is keyed by key)
     * and removes the key's place in a memory tier, if any. A put's new value then sits below an older one until the
     * removal, so the write and the removal run inside one move of the stripe: a reader that finds the new value on
     * disk meanwhile looks again (see {@code Lookups}), instead of returning it and then finding the older value above
     * on its next read. A move down (a demotion) carries the same value, so it needs no move of the stripe. When the
     * quota refuses, the monitor is released, this cache's oldest disk segment is evicted and the write retried; when
     * the disk fails or stays full the entry is dropped, its old value with it. A put of a key no memory tier holds
     * goes to the store on trial (its probation log, unless the store holds the key or remembers it), and so does a
     * heap entry leaving from the heap queue's probation, never read; one leaving from its main queue goes to the
     * store's main log. A clear that empties the disk after the write does not return before this monitor section
     * ends ({@link #awaitMovesDown}), so no reader finds the value after that clear.
     */
    private Install placeDisk(K key, int hash, V value, int keyLength, int valueLength, Condition<V> condition,
                              Source source) {
        MemorySegment encodedKey = encodeKey(key, keyLength);
        MemorySegment encodedValue = encodesIntoDiskRecords ? null : encodeForDisk(value, valueLength);
        Stripe stripe = index.stripe(hash);
        for (int round = 0; ; round++) {
            synchronized (stripe) {
                stripe.awaitSpillOf(hash);
                Node<K, V> node = nodeOf(stripe, key, hash);
                int record = node == null ? recordOf(stripe, key, hash, source, encodedKey, 0, keyLength) : -1;
                long stamp = condition != null ? diskStamp(node, record, encodedKey) : DiskStore.NO_STAMP;
                if (!mayInstall(stripe, node, record, stamp, encodedKey, condition, source)) {
                    return Install.REFUSED;
                }
                boolean move = source == null && (node != null || record >= 0);   // a new value below an older one
                if (move) {
                    stripe.beginMove();
                }
                try {
                    boolean onTrial = source == null ? node == null && record < 0 : source.unread();
                    V onDisk = source == null && removals != null && node == null && record < 0   // what it may replace
                            ? removals.diskValue(disk, encodedKey, RemovalCause.REPLACED) : null;
                    DiskStore.Stored stored = diskStore(encodedKey, encodedValue, value, valueLength, onTrial);
                    Install written = installOf(stored);
                    if (written == Install.DONE) {
                        Runnable hook = afterDiskPutOverMemory;
                        if (move && hook != null) {
                            hook.run();
                        }
                        reportReplaced(stripe, key, node, record, onDisk, stored == DiskStore.Stored.REPLACED,
                                source);
                        if (node != null) {
                            removeNode(stripe, node);
                            stripe.diskCrossings++;
                        } else if (record >= 0) {
                            removeRecord(stripe, record, true);
                            stripe.diskCrossings++;
                        }
                        counted(Tier.DISK, source);
                        return Install.DONE;
                    }
                    if (written == Install.FAILED || round >= diskRounds()) {
                        Tier from = source == null ? tiers.getLast() : source.tier();
                        reportReplaced(stripe, key, node, record, null, false, source);   // before it goes
                        boolean dropped = dropPlace(stripe, node, record, encodedKey, from);
                        if (!dropped && written == Install.DISK_FULL) {
                            counters.get(from).evictions.increment();    // the new value, evicted at once
                        }
                        reportDropped(key, value, onDisk, dropped, written, source);
                        return Install.DONE;
                    }
                } finally {
                    if (move) {
                        stripe.endMove();
                    }
                }
            }
            if (!evictDisk()) {
                round = Integer.MAX_VALUE - 1;         // nothing left to evict: the next full answer drops the entry
            }
        }
    }

    /**
     * Writes {@code key}'s value to the disk store: {@code encodedValue} if given, else {@code value} encoded into the
     * store's record. {@return what the store did, or null if the write failed (counted and logged)}
     */
    private DiskStore.Stored diskStore(MemorySegment encodedKey, MemorySegment encodedValue, V value, int valueLength,
                                       boolean onTrial) {
        try {
            return encodedValue != null ? disk.store(encodedKey, encodedValue, onTrial)
                    : disk.store(encodedKey, valueLength, target -> valueCodec.encode(value, target, 0), onTrial);
        } catch (UncheckedIOException e) {
            moveFailed("disk write failed", e);
            return null;
        }
    }

    /**
     * For a put ({@code source} null) that has just replaced the key's place, or is about to drop it: queues the
     * removal of the value there ({@link RemovalCause#REPLACED}), its heap {@code node}'s or the record's at
     * {@code record}, or {@code onDisk}, read before the write, if the store said the write replaced that record
     * ({@code diskReplaced}). Stripe held, the old place not yet removed.
     */
    private void reportReplaced(Stripe stripe, K key, Node<K, V> node, int record, V onDisk, boolean diskReplaced,
                                Source source) {
        if (source != null || removals == null) {
            return;
        }
        if (node != null) {
            removals.removed(key, node.value, RemovalCause.REPLACED);
        } else if (record >= 0) {
            removals.removedSlot(key, stripe.records.get(record), RemovalCause.REPLACED);
        } else if (onDisk != null && diskReplaced) {
            removals.removed(key, onDisk, RemovalCause.REPLACED);
        }
    }

    /**
     * For a disk write that dropped its entry ({@code written}: the disk failed or stayed full): queues the removal of
     * the key's old value on disk, {@code onDisk}, if the drop removed its record ({@code dropped}), as replaced by the
     * put; and of {@code value} ({@link RemovalCause#SIZE}) if the disk stayed full: a put's new value, never stored,
     * or a move's, dropped from its place. A value lost because the disk failed is not reported.
     */
    private void reportDropped(K key, V value, V onDisk, boolean dropped, Install written, Source source) {
        if (removals == null) {
            return;
        }
        if (source == null && onDisk != null && dropped) {
            removals.removed(key, onDisk, RemovalCause.REPLACED);
        }
        if (written == Install.DISK_FULL && (source == null || dropped)) {
            removals.removed(key, value, RemovalCause.SIZE);
        }
    }

    /**
     * {@return how many times a write that finds the disk full evicts a segment and tries again before it drops its
     * entry} {@value #DISK_ROUNDS}, plus one per segment the tier can hold: evicting the oldest probation segment frees
     * nothing when every record in it was read (they all move to the main log), so a few rounds in a row may free
     * nothing, but not more than the probation log holds segments (it then takes no more than a tenth of the bytes, and
     * the main log's oldest segment goes, keeping at most three quarters of it). With {@value #DISK_ROUNDS} alone, a
     * disk-only cache whose every entry was read once dropped 3 of 200,000 puts into a full 8 MiB quota.
     */
    int diskRounds() {
        return DISK_ROUNDS + (int) Math.min(limits.capacity(Tier.DISK) / disk.segmentBytes(), MAX_DISK_ROUNDS);
    }

    /**
     * {@return whether {@code codec} is a built-in one (or one with a deadline ahead of a built-in one), whose encode
     * cannot fail once encodedSize has answered} Such a value may be encoded where a failure half-way would leave a
     * record half written: over an off-heap record in place, or straight into the disk store's record.
     */
    static boolean failsOnlyInSizing(Codec<?> codec) {
        Object c = ExpiringCodec.unwrapped(codec);        // the deadline's bytes cannot fail
        return c == Codecs.bytes() || c == Codecs.utf8() || c == Codecs.int64() || c == Codecs.int32()
                || c == Codecs.float64();
    }

    /**
     * {@return {@code value}'s encoding, for the disk store to copy into its write buffer} A {@code Codecs.bytes()}
     * value is its own encoding, so the array itself is handed over, with no copy and no allocation; the store copies
     * it (and checksums the copy) under its writer lock. A value of another codec is encoded into a new array (a
     * built-in codec's is not: it is encoded into the store's record, see {@link #encodesIntoDiskRecords}).
     */
    private MemorySegment encodeForDisk(V value, int valueLength) {
        if (valuesAreBytes) {
            return MemorySegment.ofArray((byte[]) value);
        }
        MemorySegment encoded = MemorySegment.ofArray(new byte[valueLength]);
        valueCodec.encode(value, encoded, 0);
        return encoded;
    }

    MemorySegment encodeKey(K key, int keyLength) {
        MemorySegment encoded = MemorySegment.ofArray(new byte[keyLength]);
        keyCodec.encode(key, encoded, 0);
        return encoded;
    }

    MemorySegment encodeKey(K key) {
        return encodeKey(key, keyCodec.encodedSize(key));
    }

    /**
     * Writes a record to the disk store, on trial (to its probation log, see {@code DiskStore.put}) if
     * {@code onTrial}. {@return DONE, DISK_FULL or FAILED (counted and logged)}
     */
    Install diskWrite(MemorySegment key, MemorySegment value, boolean onTrial) {
        return installOf(diskStore(key, value, null, 0, onTrial));
    }

    /** {@return DONE, DISK_FULL or FAILED for what {@link #diskStore} answered} */
    private static Install installOf(DiskStore.Stored stored) {
        return stored == null ? Install.FAILED : stored == DiskStore.Stored.REFUSED ? Install.DISK_FULL : Install.DONE;
    }

    /**
     * Counts and logs a failure that drops the entry it concerns: a disk write, or a codec that threw while the entry
     * moved down. Moving down is eviction's work for another key's operation, so that operation goes on; a cache may
     * always drop an entry, and dropping it beats keeping one that can never move, which would wedge its tier.
     */
    void moveFailed(String what, RuntimeException e) {
        errors.increment();
        LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': " + what + ", entry dropped", e);
    }

    /** Counts an install in {@code tier}: a put there, or a demotion or promotion out of the source's tier. */
    void counted(Tier tier, Source source) {
        if (source == null) {
            countPut(tier);
        } else {
            boolean down = position(tier) > position(source.tier());
            (down ? counters.get(source.tier()).demotions : counters.get(source.tier()).promotions).increment();
        }
    }

    /** Counts a put that landed in {@code tier}. */
    void countPut(Tier tier) {
        accessCounters.put(position(tier));
    }

    // ---- removing (stripe held) ----

    /** Removes the heap node {@code node} from its stripe and the heap tier. Stripe held. */
    void removeNode(Stripe stripe, Node<K, V> node) {
        long weight = heapWeight(node);
        node.value = null;
        heapQueue.remove(node);
        heapCredit.release(weight);
        counters.get(Tier.HEAP).removed(weight);
        node.removed = true;
        node.version++;
        stripe.nodes.remove(node);
    }

    /**
     * Removes the record slot at {@code index}, telling its page the bytes are dead ({@code live}: the page is not
     * being emptied). Stripe held.
     */
    void removeRecord(Stripe stripe, int index, boolean live) {
        long slot = stripe.records.get(index);
        int bytes = live ? recordLeaves(slot) : recordBytes(slot);
        stripe.records.remove(index);
        counters.get(Tier.OFF_HEAP).removed(bytes);
    }

    /** Tells the extent of the record {@code slot} names that the record is leaving. {@return its aligned bytes} */
    int recordLeaves(long slot) {
        long location = Slots.location(slot);
        Extent extent = extents.extentAt(location);
        int bytes = recordBytes(extent, extents.offsetAt(location));
        offHeap.recordLeft(extent, bytes);
        return bytes;
    }

    /** {@return the aligned bytes of the record {@code slot} names (stable: stripe held)} */
    private int recordBytes(long slot) {
        long location = Slots.location(slot);
        return recordBytes(extents.extentAt(location), extents.offsetAt(location));
    }

    static int recordBytes(Extent extent, int offset) {
        MemorySegment header = extent.headerSegment();
        return RecordLayout.alignedBytes(RecordLayout.keyLength(header, offset),
                RecordLayout.valueLength(header, offset));
    }

    /**
     * Drops the key's place ({@code node}, the record at {@code record}, or else its disk record, looked up by
     * {@code encodedKey}), counting an eviction in {@code tier}. Stripe held. {@return whether it had one}
     */
    private boolean dropPlace(Stripe stripe, Node<K, V> node, int record, MemorySegment encodedKey, Tier tier) {
        if (node != null) {
            removeNode(stripe, node);
        } else if (record >= 0) {
            removeRecord(stripe, record, true);
        } else if (disk == null || !removeFromDisk(encodedKey)) {
            return false;
        }
        counters.get(tier).evictions.increment();
        return true;
    }

    /**
     * Removes {@code key}, its value reported to the removal listener as {@code cause} (a remove's
     * {@link RemovalCause#EXPLICIT}, or {@link RemovalCause#REPLACED} for a put of a value expired at once).
     * {@return whether it had a value}
     */
    boolean remove(K key, RemovalCause cause) {
        return remove(key, cause, null);
    }

    /**
     * Removes {@code key} if its value meets {@code condition} (a present one: see {@link Condition}; null for none),
     * checked under the key's stripe monitor; see {@link #remove(Object, RemovalCause)}. {@return whether a value was
     * removed}
     */
    boolean remove(K key, RemovalCause cause, Condition<V> condition) {
        int hash = KeyIndex.hash(key);
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            Node<K, V> node = nodeOf(stripe, key, hash);
            if (node != null) {
                if (condition != null && !meets(condition, stripe, node, -1, null)) {
                    return false;
                }
                if (removals != null) {
                    removals.removed(key, node.value, cause);
                }
                removeNode(stripe, node);
                return true;
            }
            int keyLength = keyCodec.encodedSize(key);
            int record = recordOf(stripe, key, hash, null, null, 0, keyLength);
            if (record >= 0) {
                if (condition != null && !meets(condition, stripe, null, record, null)) {
                    return false;
                }
                if (removals != null) {
                    removals.removedSlot(key, stripe.records.get(record), cause);
                }
                removeRecord(stripe, record, true);
                return true;
            }
            if (disk == null) {
                return false;
            }
            MemorySegment diskKey = encodeKey(key, keyLength);
            if (condition != null && !meets(condition, stripe, null, -1, diskKey)) {
                return false;
            }
            return removeFromDiskReporting(key, diskKey, cause);
        }
    }

    /**
     * Removes the key's disk record, reporting its value as {@code cause} when the store removed it (an eviction or a
     * clear may have dropped it, and reported it, since the value was read). Stripe held. {@return whether it had one}
     */
    private boolean removeFromDiskReporting(K key, MemorySegment encodedKey, RemovalCause cause) {
        V value = removals == null ? null : removals.diskValue(disk, encodedKey, cause);
        boolean removed = removeFromDisk(encodedKey);
        if (removed && value != null) {
            removals.removed(key, value, cause);
        }
        return removed;
    }

    /**
     * Drops {@code key}'s value, if any, as an eviction from the lowest tier: a put of {@code value} that no tier had
     * room for, if its {@code condition} (null for none) holds. The listener hears of the old value as replaced, and of
     * {@code value}, never stored, as evicted. {@return false if the condition did not hold, else true}
     */
    boolean drop(K key, int hash, V value, Condition<V> condition) {
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            Node<K, V> node = nodeOf(stripe, key, hash);
            int keyLength = keyCodec.encodedSize(key);
            int record = node == null ? recordOf(stripe, key, hash, null, null, 0, keyLength) : -1;
            MemorySegment diskKey = node == null && record < 0 && disk != null ? encodeKey(key, keyLength) : null;
            if (condition != null && !meets(condition, stripe, node, record, diskKey)) {
                return false;
            }
            V onDisk = null;
            if (removals != null) {
                reportReplaced(stripe, key, node, record, null, false, null);
                onDisk = diskKey == null ? null : removals.diskValue(disk, diskKey, RemovalCause.REPLACED);
            }
            boolean dropped = dropPlace(stripe, node, record, diskKey, tiers.getLast());
            reportDropped(key, value, onDisk, dropped, Install.DISK_FULL, null);
            return true;
        }
    }

    /**
     * Removes {@code key}'s value if it has expired, whichever tier holds it, counting an expiration there; a value
     * put since a reader found the expired one stays. A key on disk only is read under its stripe's monitor to learn
     * its deadline. Needs an {@link #expiry}.
     */
    void removeIfExpired(K key, int hash) {
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            Node<K, V> node = nodeOf(stripe, key, hash);
            if (node != null) {
                if (expiry.expired(node.value)) {
                    expireNode(stripe, node);
                }
                return;
            }
            int keyLength = keyCodec.encodedSize(key);
            int record = recordOf(stripe, key, hash, null, null, 0, keyLength);
            if (record >= 0) {
                long location = Slots.location(stripe.records.get(record));
                if (recordExpired(extents.extentAt(location), extents.offsetAt(location))) {
                    expireRecord(stripe, key, record, true);
                }
                return;
            }
            MemorySegment encodedKey = disk == null ? null : encodeKey(key, keyLength);
            if (encodedKey != null && diskValueExpired(encodedKey)
                    && removeFromDiskReporting(key, encodedKey, RemovalCause.EXPIRED)) {
                counters.get(Tier.DISK).expirations.increment();
            }
        }
    }

    /**
     * Removes the expired entries of the memory tiers in {@code count} stripes from stripe {@code from} on (wrapping
     * round), each stripe under its monitor once its spills are done, counting each as an expiration in its tier: the
     * sweep of {@link ExpirySweeper}, for entries that no read, put-if-absent or eviction meets. Disk records are not
     * read for it: see {@link #compactExpiredSegments}. Needs an {@link #expiry}; run inside the cache's in-flight
     * guard.
     *
     * @return the entries removed
     */
    int sweepExpired(int from, int count) {
        Stripe[] stripes = index.stripes();
        int removed = 0;
        for (int i = 0; i < Math.min(count, stripes.length); i++) {
            Stripe stripe = stripes[Math.floorMod(from + i, stripes.length)];
            synchronized (stripe) {
                stripe.awaitNoSpill();
                removed += sweepHeap(stripe) + sweepOffHeap(stripe);
            }
        }
        return removed;
    }

    /**
     * Hands the disk store's segments whose records have all expired, or make up its compaction threshold, to its
     * compaction, which drops them without this thread reading a record ({@link DiskStore#compactExpiredSegments}).
     * {@return how many} Needs an {@link #expiry}.
     */
    int compactExpiredSegments() {
        return disk == null ? 0 : disk.compactExpiredSegments(expiry::expired);
    }

    /** Removes the expired heap {@code node}, counted and reported as expired. Stripe held. */
    private void expireNode(Stripe stripe, Node<K, V> node) {
        if (removals != null) {
            removals.removed(node.key, node.value, RemovalCause.EXPIRED);
        }
        removeNode(stripe, node);
        counters.get(Tier.HEAP).expirations.increment();
    }

    /**
     * Removes the expired off-heap record at {@code record} ({@code key}'s, or null if not at hand), counted and
     * reported as expired; {@code live}: the record's page is not being emptied. Stripe held.
     */
    void expireRecord(Stripe stripe, K key, int record, boolean live) {
        if (removals != null) {
            removals.removedSlot(key, stripe.records.get(record), RemovalCause.EXPIRED);
        }
        removeRecord(stripe, record, live);
        counters.get(Tier.OFF_HEAP).expirations.increment();
    }

    /**
     * Adds the keys whose values are in {@code stripe}'s memory tables to {@code keys}: its heap nodes' keys, and its
     * off-heap records' keys, decoded. Stripe held.
     */
    void memoryKeys(Stripe stripe, Set<K> keys) {
        if (stripe.nodes != null && !stripe.nodes.isEmpty()) {
            List<Node<K, V>> nodes = new ArrayList<>();
            stripe.nodes.copyTo(nodes);
            for (Node<K, V> node : nodes) {
                keys.add(node.key);
            }
        }
        RecordTable records = stripe.records;
        if (records != null && records.size() > 0) {
            for (int i = 0; i < records.capacity(); i++) {
                long slot = records.get(i);
                if (Slots.isRecord(slot)) {
                    long location = Slots.location(slot);
                    Extent extent = extents.extentAt(location);
                    int offset = extents.offsetAt(location);
                    keys.add(decodeKey(extent.bytes(RecordLayout.keyOffset(offset),
                            RecordLayout.keyLength(extent.headerSegment(), offset))));
                }
            }
        }
    }

    /** {@return {@code key}'s bytes decoded} */
    K decodeKey(MemorySegment key) {
        return keyCodec.decode(key, 0, (int) key.byteSize());
    }

    /** Removes the stripe's expired heap nodes. {@return how many} Stripe held. */
    private int sweepHeap(Stripe stripe) {
        if (stripe.nodes == null || stripe.nodes.isEmpty()) {
            return 0;
        }
        List<Node<K, V>> nodes = new ArrayList<>();
        stripe.nodes.copyTo(nodes);
        int removed = 0;
        for (Node<K, V> node : nodes) {
            if (expiry.expired(node.value)) {
                expireNode(stripe, node);
                removed++;
            }
        }
        return removed;
    }

    /** Removes the stripe's expired off-heap records. {@return how many} Stripe held. */
    private int sweepOffHeap(Stripe stripe) {
        RecordTable records = stripe.records;
        if (records == null || records.size() == 0) {
            return 0;
        }
        int removed = 0;
        for (int i = 0; i < records.capacity(); i++) {
            long slot = records.get(i);
            if (Slots.isRecord(slot)) {
                long location = Slots.location(slot);
                if (recordExpired(extents.extentAt(location), extents.offsetAt(location))) {
                    expireRecord(stripe, null, i, true);
                    removed++;
                }
            }
        }
        records.shrinkIfSparse();
        return removed;
    }

    /**
     * Renews the deadline of {@code key}'s value to {@code deadline} if it is earlier, whichever tier holds it: a read
     * of a time-to-idle cache ({@link Expiry#renewedByReads}). Only the deadline changes, and only forward: whatever
     * value the key holds now (a put may have replaced the one the reader found) was written no earlier than that
     * read, so it is due the read's deadline too. On the heap the node gets a new {@link Expiring} of the same value;
     * off the heap the record's deadline is rewritten in place ({@link OffHeapPlacement#renewDeadline}); on disk the
     * record is written again with the new deadline (records are never rewritten in place there), unless a clear is
     * running, which could otherwise find the disk empty before the write and leave it behind. A renewal that cannot
     * be done now (a zero-copy reader holds the record's page, the disk is full or fails) is left to the next read.
     * Needs an {@link #expiry}; run inside the cache's in-flight guard.
     */
    void renewDeadline(K key, int hash, long deadline) {
        Stripe stripe = index.stripe(hash);
        synchronized (stripe) {
            stripe.awaitSpillOf(hash);
            Node<K, V> node = nodeOf(stripe, key, hash);
            if (node != null) {
                renewHeapDeadline(node, deadline);
                return;
            }
            int keyLength = keyCodec.encodedSize(key);
            int record = recordOf(stripe, key, hash, null, null, 0, keyLength);
            if (record >= 0) {
                offHeapPlacement.renewDeadline(stripe, record, deadline);
            } else if (disk != null && (clearSequence & 1) == 0) {
                renewDiskDeadline(encodeKey(key, keyLength), deadline);
            }
        }
    }

    /** Gives the heap node's value the later {@code deadline}, as a put of the same value would. Stripe held. */
    @SuppressWarnings("unchecked")
    private void renewHeapDeadline(Node<K, V> node, long deadline) {
        if (node.value instanceof Expiring<?> stamped && stamped.expiresAt() < deadline) {
            node.version++;                            // a move that read the old deadline refuses, and reads again
            node.value = (V) new Expiring<>(stamped.value(), deadline);
        }
    }

    /** Writes the key's disk record again with the later {@code deadline}, to the store's main log. Stripe held. */
    private void renewDiskDeadline(MemorySegment encodedKey, long deadline) {
        byte[] renewed;
        try {
            renewed = disk.read(encodedKey, false, (bytes, stamp, visited) ->
                    ExpiringCodec.deadline(bytes, 0) < deadline ? bytes.toArray(ValueLayout.JAVA_BYTE) : null);
        } catch (UncheckedIOException e) {
            errors.increment();                        // a later read meets the error again and drops the key
            return;
        }
        if (renewed != null) {
            MemorySegment value = MemorySegment.ofArray(renewed);
            ExpiringCodec.setDeadline(value, 0, deadline);
            try {
                disk.put(encodedKey, value, false);   // false: the quota is full; the record stays as it was
            } catch (UncheckedIOException e) {
                errors.increment();                    // the previous record stays, with its deadline
            }
        }
    }

    /** {@return whether the off-heap record at {@code offset} of {@code extent} holds an expired value} Stable. */
    boolean recordExpired(Extent extent, int offset) {
        int keyLength = RecordLayout.keyLength(extent.headerSegment(), offset);
        long valueOffset = RecordLayout.valueOffset(offset, keyLength);
        return expiry.expired(extent.bytes(valueOffset, ExpiringCodec.DEADLINE_BYTES), 0);
    }

    /** {@return whether the key's disk record holds an expired value; false if it has none or it cannot be read} */
    private boolean diskValueExpired(MemorySegment encodedKey) {
        try {
            return disk.read(encodedKey, false, (bytes, stamp, visited) -> expiry.expired(bytes, 0) ? bytes : null)
                    != null;
        } catch (UncheckedIOException e) {
            errors.increment();                        // a later read meets the error again and drops the key
            return false;
        }
    }

    /**
     * Removes the key's disk record (stripe held, or the key marked as spilling). {@return whether it had one} A
     * failed tombstone write is logged and counted; the store has still dropped the key from its index, so the key has
     * no value now (a restart may bring the record back).
     */
    boolean removeFromDisk(MemorySegment encodedKey) {
        try {
            return disk.remove(encodedKey);
        } catch (UncheckedIOException e) {
            errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': disk remove failed; the key is no longer"
                    + " indexed, but its record may come back after a restart", e);
            return true;
        }
    }

    // ---- reading from disk ----

    /** {@return {@code value}, a disk record's value bytes, decoded} */
    V decodeValue(MemorySegment value) {
        return valueCodec.decode(value, 0, (int) value.byteSize());
    }

    // ---- moving entries (no monitor held) ----

    /**
     * Drops {@code node} (an eviction from the heap, or an expiration when {@code expired}) unless it changed since its
     * value was read at {@code version}. {@return whether it was dropped}
     */
    private boolean dropIfUnchanged(Node<K, V> node, int version, boolean expired) {
        Stripe stripe = index.stripe(node.hash);
        synchronized (stripe) {
            if (node.removed || node.version != version) {
                return false;
            }
            if (removals != null) {
                removals.removed(node.key, node.value, expired ? RemovalCause.EXPIRED : RemovalCause.SIZE);
            }
            removeNode(stripe, node);
            (expired ? counters.get(Tier.HEAP).expirations : counters.get(Tier.HEAP).evictions).increment();
            return true;
        }
    }

    /** Moves heap entries (S3-FIFO victims) down a tier until {@code bytes} of heap weight are freed. */
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
        synchronized (index.stripe(node.hash)) {
            if (node.removed) {
                return 0;
            }
            value = node.value;
            version = node.version;
            weight = heapWeight(node);
        }
        if (expiry != null && expiry.expired(value)) {
            return dropIfUnchanged(node, version, true) ? weight : 0;   // dropped, not moved: nobody may read it
        }
        Install moved;
        try {
            moved = target == null ? Install.NO_ROOM
                    : move(node.key, node.hash, value, target, null, Source.of(node, version,
                            heapQueue.inProbation(node)));
        } catch (RuntimeException e) {                 // a codec threw while encoding it: it cannot move down
            moveFailed("could not move a heap entry down", e);
            moved = Install.NO_ROOM;
        }
        if (moved == Install.NO_ROOM) {
            return dropIfUnchanged(node, version, false) ? weight : 0;
        }
        return moved == Install.DONE ? weight : 0;
    }

    /**
     * Frees disk quota for a write that found it full, which happens when writes outrun the evictions the stores run
     * ahead on the compactor: another cache evicts a segment if this one holds less than an equal share of the caches'
     * disk files and its own maximum is not what is full, else this one does ({@link #evictOwnDisk}). No monitor held.
     * {@return whether anything was freed}
     */
    boolean evictDisk() {
        if (disk != null && !disk.atOwnLimit() && neighbours.evictDisk(this)) {
            return true;
        }
        return evictOwnDisk();
    }

    /**
     * Evicts this cache's oldest disk segment ({@link DiskStore#evictOldest()}: the oldest of its probation or main log,
     * after the second chance). No monitor held. {@return whether anything was freed}
     */
    boolean evictOwnDisk() {
        if (disk == null) {
            return false;
        }
        long evicted;
        try {
            evicted = disk.evictOldest();
        } catch (UncheckedIOException e) {
            errors.increment();
            LOG.log(System.Logger.Level.WARNING, "cache '" + cacheName + "': disk eviction failed", e);
            return false;
        }
        if (evicted > 0) {
            counters.get(Tier.DISK).evictions.add(evicted);
        }
        return evicted >= 0;
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

    /**
     * Sets the cache's own maximum size in a tier it has ({@code null}: none; off the heap in whole pages; on disk at
     * least {@value #MIN_DISK_SEGMENTS} of its segments), as {@code Cache.Builder.maximumSize} does at build: from now
     * on the tier takes no memory or quota past it and admits entries by it. Past a smaller maximum, moves the tier's
     * coldest entries down a tier (or out of the lowest: on disk, its oldest segments) in the calling thread until the
     * tier holds no more, or nothing more can move (off the heap the pages being written to stay until they fill). One
     * change at a time. {@return the bytes freed}
     */
    long setMaximum(Tier tier, Long bytes) {
        long maximum = bytes == null ? Long.MAX_VALUE : bytes;
        synchronized (maximumLock) {
            TierLimits changed = limits.withMaximum(tier, bytes);
            return switch (tier) {
                case HEAP -> {
                    heapCredit.setLimit(maximum);
                    limits = changed;
                    yield shrinkHeapTo(maximum);
                }
                case OFF_HEAP -> {
                    limits = changed;
                    yield offHeap.shrinkTo(maximum == Long.MAX_VALUE ? Long.MAX_VALUE : maximum / offHeap.pageSize());
                }
                case DISK -> {
                    disk.limitFiles(Math.min(maximum, limits.room(Tier.DISK)));
                    limits = changed;
                    yield shrinkDiskTo(maximum);
                }
            };
        }
    }

    /**
     * Evicts this cache's oldest disk segments until its files take at most {@code maximum}, or no segment holds a
     * record; a round whose second chance copied what it freed counts too, so at most four rounds per segment.
     */
    private long shrinkDiskTo(long maximum) {
        long before = disk.fileBytes();
        long rounds = 4 * (before / disk.segmentBytes() + 1);
        for (long round = 0; round < rounds && disk.fileBytes() > maximum; round++) {
            if (!evictOwnDisk()) {
                break;
            }
        }
        return Math.max(0, before - disk.fileBytes());
    }

    /**
     * {@return the smallest maximum {@code tier} takes while the cache runs: on the heap 1 byte, off the heap a page,
     * on disk {@value #MIN_DISK_SEGMENTS} of its segments (its segment size was fixed when it opened)}
     */
    long smallestMaximum(Tier tier) {
        return switch (tier) {
            case HEAP -> 1;
            case OFF_HEAP -> offHeap.pageSize();
            case DISK -> MIN_DISK_SEGMENTS * disk.segmentBytes();
        };
    }

    /** Moves heap entries down, the coldest first, until the heap credit holds at most {@code maximum}. */
    private long shrinkHeapTo(long maximum) {
        long freed = 0;
        for (long over = heapCredit.granted() - maximum; over > 0; over = heapCredit.granted() - maximum) {
            long step = reclaim(MemoryMode.ON_HEAP, over);
            if (step == 0) {
                break;
            }
            freed += step;
        }
        return freed;
    }

    /**
     * {@return the storage memory this cache holds in {@code mode}: its heap entries' weight and credit, or its
     * off-heap pages}
     */
    long heldBytes(MemoryMode mode) {
        return switch (mode) {
            case ON_HEAP -> heapQueue == null ? 0 : heapCredit.granted();
            case OFF_HEAP -> offHeap == null ? 0 : offHeap.pages() * offHeap.pageSize();
        };
    }

    /** {@return the bytes of this cache's disk files, 0 without a disk tier} */
    long diskFileBytes() {
        return disk == null ? 0 : disk.fileBytes();
    }

    /** {@return bytes freed for this cache's off-heap tier by caches holding more than an equal share of pages} */
    long reclaimOffHeapForShare(long bytes) {
        return neighbours.reclaim(this, MemoryMode.OFF_HEAP, bytes);
    }

    /** Returns this cache's unspent heap storage credit to the manager (at close, after every entry is gone). */
    void releaseCredit() {
        heapCredit.drain();
    }

    // ---- whole-cache walks ----

    /** Moves every memory-tier entry to disk (persistent close), as far as the quota allows. */
    void flushToDisk() {
        for (Stripe stripe : index.stripes()) {
            List<Node<K, V>> nodes = new ArrayList<>();
            List<long[]> records = new ArrayList<>();          // slot word and key hash, read under the monitor
            synchronized (stripe) {
                if (stripe.nodes != null) {
                    stripe.nodes.copyTo(nodes);
                }
                for (int i = 0; stripe.records != null && i < stripe.records.capacity(); i++) {
                    long slot = stripe.records.get(i);
                    if (Slots.isRecord(slot)) {
                        records.add(new long[] {slot, stripe.records.hashOf(slot)});
                    }
                }
            }
            for (Node<K, V> node : nodes) {
                demoteHeap(node, Tier.DISK);
            }
            for (long[] record : records) {
                long location = Slots.location(record[0]);
                offHeapPlacement.evacuate(extents.extentAt(location), extents.offsetAt(location), (int) record[1],
                        OffHeapTier.Keep.NONE, 0, null);
            }
        }
    }

    /**
     * Removes every entry of the memory tiers, stripe by stripe; then, unless {@code keepDisk}, every disk entry at
     * once (the store deletes its files, writing no tombstone). Nothing older escapes: an entry moving down is awaited
     * (a spill) or finds its place gone (a heap entry, under the monitor), and one moving up from disk installs only if
     * no clear began since it was read ({@link #mayInstall}). Nothing found after it is lost to it: the clear does not
     * end before the moves down it may have emptied are done ({@link #awaitMovesDown}). One clear at a time;
     * {@link #clearSequence} is odd while it runs.
     */
    void clear(boolean keepDisk) {
        synchronized (clearLock) {
            clearSequence++;
            try {
                clearMemory(!keepDisk);
                if (!keepDisk && disk != null) {
                    if (removals != null) {
                        disk.clear((key, value, expired) -> removals.removedEncoded(key, value,
                                RemovalCause.EXPLICIT));
                    } else {
                        disk.clear();
                    }
                    awaitMovesDown();
                }
            } finally {
                clearSequence++;
            }
        }
    }

    /**
     * {@return how many times a clear has begun or ended: odd while one runs} Read before a disk read whose value may
     * move up (see {@link #mayInstall}).
     */
    int clearSequence() {
        return clearSequence;
    }

    /**
     * Takes every stripe's monitor once more and waits for its spills: a move down that wrote to disk before the disk
     * was cleared, and removes the entry's memory place after, finishes before the clear ends, so its value is gone
     * before the clear returns rather than after readers found it; a move down that starts after this pass wrote
     * after the disk was cleared.
     */
    private void awaitMovesDown() {
        for (Stripe stripe : index.stripes()) {
            synchronized (stripe) {
                stripe.awaitNoSpill();
            }
        }
    }

    /**
     * Removes every entry of the memory tiers, stripe by stripe, each under its monitor once its spills are done;
     * reported to the removal listener as {@link RemovalCause#EXPLICIT} if {@code reported} (an invalidateAll, not a
     * close).
     */
    private void clearMemory(boolean reported) {
        boolean reporting = reported && removals != null;
        for (Stripe stripe : index.stripes()) {
            synchronized (stripe) {
                stripe.awaitNoSpill();
                stripe.beginMove();
                if (stripe.nodes != null) {
                    List<Node<K, V>> nodes = new ArrayList<>();
                    stripe.nodes.copyTo(nodes);
                    for (Node<K, V> node : nodes) {
                        if (reporting) {
                            removals.removed(node.key, node.value, RemovalCause.EXPLICIT);
                        }
                        removeNode(stripe, node);
                    }
                }
                if (stripe.records != null) {
                    for (int i = 0; i < stripe.records.capacity(); i++) {
                        if (Slots.isRecord(stripe.records.get(i))) {
                            if (reporting) {
                                removals.removedSlot(null, stripe.records.get(i), RemovalCause.EXPLICIT);
                            }
                            removeRecord(stripe, i, true);
                        }
                    }
                    stripe.records.shrinkIfSparse();
                }
                stripe.endMove();
            }
        }
    }

    long entries(Tier tier) {
        if (tier == Tier.DISK) {
            return disk == null ? 0 : disk.size();
        }
        TierCounters c = counters.get(tier);
        return c == null ? 0 : c.entries.sum();
    }

    /**
     * Gives back the heap charge of the off-heap tier's record tables, when the cache closes, after its last clear:
     * each stripe under its monitor.
     */
    void releaseTables() {
        for (Stripe stripe : index.stripes()) {
            if (stripe.records != null) {
                synchronized (stripe) {
                    stripe.records.release();
                }
            }
        }
    }

    /** {@return the heap the off-heap tier's record tables take, over every stripe (0 without an off-heap tier)} */
    long offHeapTableBytes() {
        long total = 0;
        for (Stripe stripe : index.stripes()) {
            if (stripe.records != null) {
                total += stripe.records.heapBytes();
            }
        }
        return total;
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
        for (int position = 0; position < tiers.size(); position++) {
            Tier tier = tiers.get(position);
            boolean counted = open || tier != Tier.DISK;
            long bytesNow = counted ? bytes(tier) : 0;
            long reserved = switch (tier) {
                case HEAP -> bytesNow;
                case OFF_HEAP -> offHeap.pages() * offHeap.pageSize();
                case DISK -> open ? disk.fileBytes() : 0;
            };
            long compactedAway = tier == Tier.DISK && open ? disk.stats().expiredRecords() : 0;
            stats.add(counters.get(tier).snapshot(accessCounters.hits(position), accessCounters.misses(position),
                    accessCounters.puts(position), compactedAway, counted ? entries(tier) : 0, bytesNow, reserved));
        }
        return stats;
    }

    /** {@return the errors of {@link #errors}, plus the corrupt records the disk store found and dropped} */
    long errorCount() {
        return errors.sum() + (disk == null ? 0 : disk.stats().corruptRecords());
    }

    DiskStore disk() {
        return disk;
    }
}
