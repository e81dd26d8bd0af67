package dev.strata.tier.disk;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * A log-structured key/value store in segment files: the disk tier's storage.
 *
 * <h2>Format</h2>
 * Records are appended to the active segment file and never modified; see {@link RecordFormat} for the byte layout:
 * <pre>
 *   +--------+-----+--------+----------+----------+-----+-------+
 *   | crc32c |flags| keyLen | valueLen | sequence | key | value |    all integers little-endian
 *   | u32    | u8  | u32    | u32      | u64      |     |       |    crc32c covers flags .. value
 *   +--------+-----+--------+----------+----------+-----+-------+
 * </pre>
 * Files are {@code segment-NNNNNN.data}, each opening with a 16-byte header (magic, version, segment id), next to a
 * {@code store.lock} file that keeps other stores out of the directory while this one is open. A segment
 * is sealed when the next record does not fit {@code segmentBytes}; a record larger than that gets its own segment.
 *
 * <h2>Index and invariants</h2>
 * A {@link DiskIndex} maps each live key to its newest record; it holds no object per key (about 40 bytes of heap
 * per key plus the key's bytes). Every {@link Location} leaves the index exactly once (overwrite, remove,
 * compaction's compare-and-set, a failed CRC check, or eviction's compare-and-remove) and whoever removes it
 * subtracts its bytes from {@code liveBytes} and (but for eviction, which drops the segment) adds them to its
 * segment's dead bytes, so {@code liveBytes() == sum of indexed record lengths} and a sealed segment whose dead
 * fraction reaches {@code compactionThreshold} is queued for compaction. Tombstones (persistent stores only) count as
 * neither live nor dead. The index is also the only record of which keys the store holds for an upper tier: a
 * record's {@linkplain #stampOf stamp} (segment id and offset) names it, and each entry carries a visited bit that
 * {@link #read(MemorySegment, boolean, RecordReader) read} reports and sets, for a second-chance policy.
 *
 * <h2>Concurrency</h2>
 * Appends (put, remove's tombstone, a persistent store's compaction copies, segment roll) run under one writer lock.
 * A transient store gathers them in native memory, 64 KiB per segment being appended to ({@link AppendBuffer}), and
 * writes each such run with one positional write when it fills or its segment is sealed, instead of one write per
 * record: its files die with the process anyway. A read of a record still waiting there copies it out of the buffer.
 * Reads take no lock: look up the location, take a reference on its segment, copy the record into a native buffer,
 * verify the CRC, length and key. The lookup matches the key's 32-bit hash alone and leaves the key to the record's
 * check, so it touches no key bytes in the index; a record that fails the check (another key with the same hash, or a
 * corrupt one) makes the read look again comparing keys in the index. The copy comes out of a read-only mapping of the
 * segment's file, with no system call, once the segment is sealed and has served a few dozen reads (see {@link
 * Segment}); before that, and while it is the active segment, from a positional read. Compaction runs on the compactor
 * {@link Executor} the store was opened with (in the engine, the {@link DiskCompactor} thread), one at a time under a
 * separate lock, never blocking readers: a write that makes a segment due queues it and hands the queue to the
 * compactor, so the write itself returns without compacting. A compaction scans a sealed segment, copies each
 * still-indexed record verbatim and swaps the index entry with {@code replace(key, old, new)}, so a concurrent
 * overwrite or removal wins; it then retires the segment, whose file is closed and deleted when its last reader
 * releases it (the store keeps up to two such files, to write its next segments into: {@link SpareFiles}). A
 * reader that finds its segment retired looks the key up again. A transient store copies into a segment of the
 * compactor's own, without the writer lock, so writes never wait for a compaction. A persistent store copies
 * into the segment being appended to, of the main or the probation log (see <b>Eviction</b>), so that a key's records
 * lie in that log's segments in the order they were written (see {@code copyAside}): it reads up to 256 KiB of live
 * records into a {@link CopyBatch} without the writer lock, then under it keeps those still live and appends them with
 * one write per run that fits that segment. A record whose value has expired ({@link #dropExpiredWhenCompacting}) is
 * dropped instead of copied, and in a persistent store replaced by a tombstone while an older segment may hold an
 * earlier record of its key.
 *
 * <h2>Eviction</h2>
 * {@link #evictOldest()} drops a segment at a time, after a second chance: the records in it read since their write
 * (their index entry's visited bit, set by a marking read) are copied forward first, as a compaction copies live
 * records, and start unvisited there. Without that a disk-only cache was a FIFO cache (0.7 to 3.8 points of hit ratio
 * below LRU in {@code HitRatio}). The store keeps two logs, S3-FIFO in segments: a put {@linkplain #put(MemorySegment,
 * MemorySegment, boolean) on trial} of a key the store neither holds nor remembers goes to a <em>probation</em> segment
 * (its own open one, beside the active segment, flagged so in its header), everything else to the main log; while
 * probation segments hold more than a tenth of the bytes in segments ({@code PROBATION_SHARE}) the oldest of them is
 * evicted, every record read in it moving to the main log, the others leaving with their key hashes noted in a {@link
 * GhostHashes ghost}, so a key put again soon after goes to the main log; else the main log's lowest id goes, keeping
 * up to three quarters of a segment of read records ({@code SECOND_CHANCE_QUARTERS}). Neither segment being written
 * (the active one, the open probation one) goes while another segment holds a record: a probation log of that one
 * segment leaves it to fill, and the main log's oldest goes. A scan of one-off keys so passes through probation without
 * touching the main log. A compaction of a probation segment copies into the probation log, so its records stay on
 * trial. A transient store's copies go to segments of the compactor's own, one per log; a persistent store's to the
 * open segment of the log they go to.
 *
 * <p>The eviction writes no tombstone. In a persistent store a key's records lie in the segments of one log in the
 * order they were written (copies included, see above), so every record older than one in a log's oldest segment is in
 * that segment too and leaves with it. Two logs keep that so by three rules. A put or a removal of a key the store
 * holds follows the log its record is in, whatever the put asks (a put of a key held in probation is marked read there,
 * so it moves to the main log when its segment is evicted, as it would have gone there). A key reaches the other log
 * only by that move, or after it left the store (removed under a tombstone in its log, which compaction keeps while an
 * older segment exists, or evicted). A record moving from probation to the main log takes a new sequence: the logs
 * interleave, so its copy may lie in a segment older than its original's, and a crash before the original's file is
 * deleted must settle the key on the copy. An evicted segment's file is deleted before the eviction returns, so a crash
 * cannot bring an evicted key back (a later remove of such a key, absent from the index, writes no tombstone either). A
 * transient store, whose compaction copies lie in segments of their own, so out of write order, has no recovery: there
 * only the index matters, and eviction removes a key only where its entry still points into the segment. A store told
 * to {@linkplain #evictAhead evict ahead} (a cache's disk tier) hands such an eviction to the compactor when a put
 * leaves less than half a segment of the quota free, so its writers seldom find the quota full and evict themselves.
 *
 * <h2>Durability</h2>
 * A persistent store's record is in the file (OS page cache) before {@code put} returns, so a process crash
 * ({@code kill -9}) loses nothing acknowledged; {@code fsyncOnWrite} forces each record to the device against power
 * loss (and makes a transient store write each record at once too). A transient store's newest records wait in its
 * buffers until they fill: a restart deletes its files, so no crash could have kept them. A persistent store's
 * close writes its index to one file, a checkpoint that every later open reads instead of the records of the segments
 * it names ({@link IndexSnapshot}: about 8 bytes plus the key per entry); an open then scans only the segment files
 * created after it (none after a clean close). While it runs, the compactor replaces it with a checkpoint of the
 * sealed segments whenever four segments' worth (and at least eight snapshots' worth) were sealed since the last
 * ({@link #checkpoint}), so an open after a crash scans about that much. An open that finds no snapshot, or one that
 * does not match the files, rebuilds the index by scanning every segment, several at once ({@link Recovery}). A scan
 * settles each key as the record with the highest sequence, a value or a tombstone; a torn tail is truncated, a
 * corrupt record is skipped, and corrupt data is never returned. Compaction keeps a tombstone while an older segment
 * exists that might hold a record it shadows.
 *
 * <h2>Quota and failures</h2>
 * Record bytes are reserved in the shared {@link DiskQuota} before they are written; when the quota refuses, the store
 * deletes spare files (any store's), then compacts segments with dead bytes, the most dead first, until the record
 * fits, in the writing thread (after the compactions the compactor is running), and tries once more, then {@code put}
 * returns {@code false}. So writes that outrun the compactor slow down to its pace once the dead bytes fill the quota,
 * and the files never exceed it.
 * A store that {@linkplain #evictAhead evicts ahead} gets here only when its writes outrun the compactor's evictions.
 * Tombstones and compaction copies are charged even above the limit (a remove must not fail for space, and a
 * compaction frees more than it copies). An I/O failure during an append truncates the file back to its previous end,
 * counts the error and throws {@link UncheckedIOException}; the index is untouched and the store keeps serving. When
 * the write of a transient store's buffer fails, the records waiting there are lost as if evicted: they leave the
 * index (where still their key's record), the file is cut back, the segment sealed, and the error counted and
 * thrown to the append that found the buffer full (or logged, when a seal wrote it).
 *
 * <p>Thread-safe. A persistent store writes values from native memory ({@code MemorySegment} of the off-heap tier)
 * to the file without a copy, and copies heap values in chunks through one 256 KiB native buffer (see {@link
 * RecordWriter}); a transient store copies a record into its append buffer, and writes only a record larger than
 * that buffer on its own.
 */
public final class DiskStore implements AutoCloseable {

    /** The stamp of no record: {@link #stampOf} of an absent key. */
    public static final long NO_STAMP = 0;

    /**
     * The probation log's segments are evicted first while they hold more than one part in this of the bytes in
     * segments: S3-FIFO's small queue, a tenth of the cache.
     */
    static final int PROBATION_SHARE = 10;
    /**
     * How many quarters of a segment of read records an eviction of a main-log segment copies forward at most. Three,
     * not two: a segment mostly read keeps more of them, for up to three bytes copied per byte freed instead of one
     * (the hit ratio this gains is in docs/performance.md).
     */
    static final int SECOND_CHANCE_QUARTERS = 3;

    private static final System.Logger LOG = System.getLogger(DiskStore.class.getName());
    private static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

    private final Path directory;
    private final DirectoryLock directoryLock;
    private final DiskStoreConfig config;
    private final DiskQuota quota;
    private final Executor compactor;
    /** When this store's sealed segments are mapped, and the budget of mappings they draw from. */
    private final SegmentMaps maps;
    private final AtomicBoolean compactionHandedOver = new AtomicBoolean();
    private final AtomicBoolean evictionHandedOver = new AtomicBoolean();
    private final AtomicBoolean checkpointHandedOver = new AtomicBoolean();
    /** Payload bytes of a persistent store's segments sealed since its last index checkpoint ({@link #checkpoint}). */
    private final AtomicLong sealedSinceCheckpoint = new AtomicLong();
    /** Gets the keys each eviction ahead dropped; null while the store evicts only when asked ({@link #evictAhead}). */
    private volatile LongConsumer evictedAhead;
    /** Asked before an eviction ahead of this store: true if another store evicted a segment instead. */
    private volatile BooleanSupplier evictElsewhere = () -> false;
    private final DiskIndex index;
    /** The files of compacted segments kept to write new ones into. */
    private final SpareFiles spares;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    /** Package-private so a test can hold it and order a write before a compaction's copies. */
    final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock compactionLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Segment> compactionQueue = new ConcurrentLinkedQueue<>();
    private final StoreCounters counters = new StoreCounters();
    private final ReadBuffers readBuffers = new ReadBuffers();
    private final AtomicLong liveBytes = new AtomicLong();
    private final RecordWriter writer = new RecordWriter();
    private final CompactionOutput copies = new CompactionOutput(false);
    /** Where a transient store's compactions of probation segments copy, so their records stay in probation. */
    private final CompactionOutput probationCopies = new CompactionOutput(true);
    private Segment active;
    /** A transient store's open probation segment (see <b>Eviction</b>), or null; writer lock. */
    private Segment probationActive;
    /** Where a transient store's appends gather ({@link AppendBuffer}); null for a store that writes each at once. */
    private final Arena tailArena;
    /** The buffers of the active and open probation segments, made with the first of each; writer lock. */
    private AppendBuffer mainTail;
    private AppendBuffer probationTail;
    /** The key hashes of records evicted from probation not read: their next put goes to the main log. */
    private final GhostHashes ghost = new GhostHashes();
    private long nextSegmentId = 1;
    /** Segments created in a spare file since the store opened. Guarded by the writer lock. */
    private long reusedFiles;
    private long nextSequence = 1;
    /** Set once the open's load ended well: only then does close write a snapshot of the index. */
    private volatile boolean loaded;
    /** Whether the load restored the index from a snapshot ({@link IndexSnapshot}); set before publication. */
    private boolean restoredFromSnapshot;
    /** How many segment files the load scanned; set before publication. */
    private int scannedAtOpen;
    /** The bytes of the snapshot the open restored from, charged to the quota until close. */
    private volatile long snapshotCharge;
    private volatile boolean closed;
    /** Says whether a record's value has expired, for a transient store's compaction to drop it; or null. */
    private volatile Predicate<MemorySegment> expiredValue;
    /** Told of each live record the store drops by itself ({@link #reportDrops}); null: none. */
    private volatile Dropped dropped;
    /** Run by the compactor after its work, with no lock held ({@link #reportDrops}); null: nothing. */
    private volatile Runnable afterBackgroundDrops;
    /** Reads a value's deadline, or null: segments do not keep their latest ({@link DiskStoreConfig#deadlines}). */
    private final ToLongFunction<MemorySegment> deadlineOf;

    private DiskStore(Path directory, DirectoryLock directoryLock, DiskStoreConfig config, DiskQuota quota,
                      Executor compactor, SegmentMaps maps) {
        this.maps = maps;
        this.directory = directory;
        this.directoryLock = directoryLock;
        this.config = config;
        this.quota = quota;
        this.compactor = compactor;
        this.index = new DiskIndex(quota::chargeIndex);
        this.spares = new SpareFiles(directory, quota, config.segmentBytes());
        this.tailArena = config.persistent() || config.fsyncOnWrite() ? null : Arena.ofShared();
        this.deadlineOf = config.deadlines();
    }

    /**
     * Opens a store in {@code directory}, creating the directory if needed. A persistent store rebuilds its index
     * from the segment files found there; a non-persistent one deletes them.
     *
     * @param directory the directory that holds this store's segment files (one store per directory)
     * @param config    the store's settings
     * @param quota     the disk budget shared with the engine's other stores
     * @param compactor runs the compactions writes make due (the engine's {@link DiskCompactor}; {@code Runnable::run}
     *                  compacts in the writing thread before the write returns)
     * @return the open store
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if another open store (in this or another process) uses {@code directory}
     * @throws IOException           if the directory cannot be created, listed or locked, or a segment file cannot be
     *                               read
     */
    public static DiskStore open(Path directory, DiskStoreConfig config, DiskQuota quota, Executor compactor)
            throws IOException {
        return open(directory, config, quota, compactor, SegmentMaps.SHARED);
    }

    /**
     * Opens a store like {@link #open(Path, DiskStoreConfig, DiskQuota, Executor)} whose segments are mapped as
     * {@code maps} says, instead of {@link SegmentMaps#SHARED}: for tests.
     */
    static DiskStore open(Path directory, DiskStoreConfig config, DiskQuota quota, Executor compactor,
                          SegmentMaps maps) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(quota, "quota");
        Objects.requireNonNull(compactor, "compactor");
        Objects.requireNonNull(maps, "maps");
        Files.createDirectories(directory);
        DiskStore store = new DiskStore(directory, DirectoryLock.acquire(directory), config, quota, compactor, maps);
        try {
            store.load();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        store.handOverCompactions();
        return store;
    }

    /**
     * Stores {@code value} under {@code key}, replacing any previous value. Both are copied before this returns.
     *
     * @param key   the key bytes
     * @param value the value bytes (any size from 0 to about 2 GiB minus the key)
     * @return {@code true} if stored; {@code false} (nothing changed) if the quota had no room even after compaction,
     *         or if {@code key} is new and the indexes of the quota's stores are charged its index limit
     * @throws NullPointerException     if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if key and value together exceed the largest record (about 2 GiB)
     * @throws IllegalStateException    if the store is closed
     * @throws UncheckedIOException     if the write failed (for example, disk full); the previous value stays
     */
    public boolean put(MemorySegment key, MemorySegment value) {
        return put(key, value, false);
    }

    /**
     * Stores {@code value} under {@code key} like {@link #put(MemorySegment, MemorySegment)}, on trial if
     * {@code onTrial}: the store then writes it to its probation log (see <b>Eviction</b>) unless it holds the key
     * already or its ghost remembers the key leaving probation lately. A record on trial that is not read before its
     * probation segment is evicted leaves the store; a read one moves to the main log. A key held goes to the main log,
     * on trial or not; but in a persistent store, a key held in the probation log stays there, marked read, so that it
     * moves to the main log when its segment is evicted (its records must stay in one log, see <b>Eviction</b>).
     *
     * @param key     the key bytes
     * @param value   the value bytes
     * @param onTrial whether the caller has no sign yet that the key will be read again (a new key put by a user, or
     *                one an upper tier evicted from its own probation unread); false: the main log
     * @return {@code true} if stored; {@code false} as {@link #put(MemorySegment, MemorySegment)} says
     * @throws NullPointerException     if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if key and value together exceed the largest record (about 2 GiB)
     * @throws IllegalStateException    if the store is closed
     * @throws UncheckedIOException     if the write failed (for example, disk full); the previous value stays
     */
    public boolean put(MemorySegment key, MemorySegment value, boolean onTrial) {
        return store(key, value, onTrial) != Stored.REFUSED;
    }

    /** What a {@code store} did with the record it was given. */
    public enum Stored {
        /** Written; the key had no record. */
        ADDED,
        /** Written over the key's record, which the index pointed to until then (checked under the writer lock). */
        REPLACED,
        /** Not written: the quota or the index limit refused it (as {@code put}'s false). */
        REFUSED
    }

    /**
     * {@link #put(MemorySegment, MemorySegment, boolean)}, telling whether the key had a record that this one replaced:
     * a caller that read the old value before knows from it whether an eviction or a clear dropped that record first.
     *
     * @param key     the key bytes
     * @param value   the value bytes
     * @param onTrial as {@link #put(MemorySegment, MemorySegment, boolean)} says
     * @return what was done
     * @throws NullPointerException     if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if key and value together exceed the largest record (about 2 GiB)
     * @throws IllegalStateException    if the store is closed
     * @throws UncheckedIOException     if the write failed (for example, disk full); the previous value stays
     */
    public Stored store(MemorySegment key, MemorySegment value, boolean onTrial) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return put(key, RecordFormat.recordBytes(key.byteSize(), value.byteSize()), new ValueBytes(value), onTrial);
    }

    /**
     * Stores a value of {@code valueBytes} under {@code key} like {@link #put(MemorySegment, MemorySegment, boolean)},
     * the value written by {@code value} straight into the record being assembled (in the append buffer of a store
     * that is not persistent, else in the store's write buffer), with no array of its own. A record too large for the
     * write buffer (about 256 KiB) has its value written into a new array first.
     *
     * @param key        the key bytes
     * @param valueBytes the value's size in bytes
     * @param value      writes the value; see {@link ValueWriter#write} for what it must do
     * @param onTrial    as {@link #put(MemorySegment, MemorySegment, boolean)} says
     * @return {@code true} if stored; {@code false} as {@link #put(MemorySegment, MemorySegment)} says
     * @throws NullPointerException     if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if {@code valueBytes} is negative, or key and value together exceed the largest
     *                                  record (about 2 GiB)
     * @throws IllegalStateException    if the store is closed
     * @throws UncheckedIOException     if the write failed (for example, disk full); the previous value stays
     */
    public boolean put(MemorySegment key, int valueBytes, ValueWriter value, boolean onTrial) {
        return store(key, valueBytes, value, onTrial) != Stored.REFUSED;
    }

    /**
     * {@link #put(MemorySegment, int, ValueWriter, boolean)}, telling whether the key had a record that this one
     * replaced, as {@link #store(MemorySegment, MemorySegment, boolean)} does.
     *
     * @param key        the key bytes
     * @param valueBytes the value's size in bytes
     * @param value      writes the value; see {@link ValueWriter#write} for what it must do
     * @param onTrial    as {@link #put(MemorySegment, MemorySegment, boolean)} says
     * @return what was done
     * @throws NullPointerException     if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if {@code valueBytes} is negative, or key and value together exceed the largest
     *                                  record (about 2 GiB)
     * @throws IllegalStateException    if the store is closed
     * @throws UncheckedIOException     if the write failed (for example, disk full); the previous value stays
     */
    public Stored store(MemorySegment key, int valueBytes, ValueWriter value, boolean onTrial) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (valueBytes < 0) {
            throw new IllegalArgumentException("valueBytes: " + valueBytes + " (expected: >= 0)");
        }
        int recordBytes = RecordFormat.recordBytes(key.byteSize(), valueBytes);
        if (!RecordWriter.assemblesWhole(recordBytes)) {
            MemorySegment array = MemorySegment.ofArray(new byte[valueBytes]);
            value.write(array);
            return store(key, array, onTrial);
        }
        return put(key, recordBytes, new WrittenValue(valueBytes, value), onTrial);
    }

    private Stored put(MemorySegment key, int recordBytes, PutValue value, boolean onTrial) {
        ensureOpen();
        long keyCharge = IndexTable.keyCharge(key.byteSize());
        boolean probation = onTrial && (config.persistent() || !index.containsKey(key))   // a persistent store looks
                && !ghost.remove(DiskIndex.hash(key));                     // the key up under its writer lock
        Append appended = appendValue(key, value, recordBytes, keyCharge, probation);
        if (appended == Append.NO_SPACE) {
            reclaimSpace(recordBytes + RecordFormat.SEGMENT_HEADER_BYTES);
            appended = appendValue(key, value, recordBytes, keyCharge, probation);
        }
        if (appended == Append.NO_SPACE || appended == Append.NO_INDEX_ROOM) {
            (appended == Append.NO_SPACE ? counters.quotaRefusals : counters.indexRefusals).increment();
            return Stored.REFUSED;
        }
        handOverCompactions();
        handOverEvictionIfNearlyFull();
        handOverCheckpointIfDue();
        return appended == Append.REPLACED ? Stored.REPLACED : Stored.ADDED;
    }

    /** What {@link #appendValue} did. */
    private enum Append {
        /** The record is written and indexed; the key had no record. */
        DONE,
        /** The record is written and indexed in place of the key's record. */
        REPLACED,
        /** The quota had no room for the record's bytes. */
        NO_SPACE,
        /** The key is new and the index limit is reached; compaction cannot help, only fewer keys. */
        NO_INDEX_ROOM
    }

    /**
     * Removes {@code key}. A persistent store appends a tombstone so the removal survives a restart, to the log (main
     * or probation) that holds the key's record.
     *
     * @param key the key bytes
     * @return whether the key was present
     * @throws NullPointerException  if {@code key} is null
     * @throws IllegalStateException if the store is closed
     * @throws UncheckedIOException  if the tombstone could not be written; the key is removed all the same (this store
     *                               never returns it again), but a reopen that scans the files (after a crash,
     *                               see {@link IndexSnapshot}) may bring its last record back
     */
    public boolean remove(MemorySegment key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        boolean removed;
        if (config.persistent()) {                     // an absent key takes no writer lock: checked lock-free first
            removed = index.containsKey(key) && appendTombstone(key);
        } else {
            Location old = index.remove(key);
            removed = old != null;
            if (removed) {
                markDead(old);
            }
        }
        handOverCompactions();
        return removed;
    }

    /**
     * Reads the value of {@code key} into a new array, after verifying the record's CRC32C. A record that fails the
     * check is counted, removed from the index and reported as absent.
     *
     * @param key the key bytes
     * @return the value bytes, or {@code null} if absent (or corrupt)
     * @throws NullPointerException  if {@code key} is null
     * @throws IllegalStateException if the store is closed
     * @throws UncheckedIOException  if the file could not be read
     */
    public byte[] get(MemorySegment key) {
        return read(key, value -> value.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    /**
     * Passes the verified value of {@code key} to {@code reader} as a read-only segment of native memory that is
     * valid only during the call (it is reused or freed afterwards; copy what you keep).
     *
     * @param <R>    the reader's result type
     * @param key    the key bytes
     * @param reader called once with the value if the key is present and its record intact
     * @return the reader's result, or {@code null} if absent (or corrupt)
     * @throws NullPointerException  if {@code key} or {@code reader} is null
     * @throws IllegalStateException if the store is closed
     * @throws UncheckedIOException  if the file could not be read
     */
    public <R> R read(MemorySegment key, Function<MemorySegment, R> reader) {
        Objects.requireNonNull(reader, "reader");
        return read(key, false, (value, stamp, visited) -> reader.apply(value));
    }

    /**
     * Reads a record's value, told which record it is and whether it was marked visited; see
     * {@link #read(MemorySegment, boolean, RecordReader)}.
     *
     * @param <R> the reader's result type
     */
    @FunctionalInterface
    public interface RecordReader<R> {

        /**
         * Reads the value of one record.
         *
         * @param value   the verified value: read-only native memory valid only during the call
         * @param stamp   the record's stamp (see {@link #stampOf}), never {@link #NO_STAMP}
         * @param visited whether the record's visited bit was set before this read
         * @return the result {@code read} returns
         */
        R read(MemorySegment value, long stamp, boolean visited);
    }

    /**
     * Like {@link #read(MemorySegment, Function)}, and also tells the reader the record's stamp and whether the
     * record was marked visited before; with {@code markVisited}, marks it (the mark lives in the index entry, a
     * spare bit of its slot, and is never written to the file). This is the reference bit of a second-chance policy:
     * a record starts unvisited when written ({@code put}), a compaction's copy keeps the bit, a reopened store's
     * records start unvisited.
     *
     * <p>Lock-free, like every read: the mark is a compare-and-set of the index slot's word. It is best effort: a
     * mark racing with a write to the same index stripe (an overwrite or removal of the key, or the stripe's table
     * moving entries, growing, shrinking) may be lost, and, in a window of a few instructions, may land on the record a
     * writer just put in the same slot with the same offset and length (which then reads as visited one hit early); it
     * never changes what any key's entry points at. Two readers marking at once may both report {@code false}. A
     * read that first finds another key with the same 32-bit hash (see {@link DiskIndex#visitByHash}) may mark that
     * key's record.
     *
     * @param <R>         the reader's result type
     * @param key         the key bytes
     * @param markVisited whether to set the record's visited bit
     * @param reader      called once with the value if the key is present and its record intact
     * @return the reader's result, or {@code null} if absent (or corrupt)
     * @throws NullPointerException  if {@code key} or {@code reader} is null
     * @throws IllegalStateException if the store is closed
     * @throws UncheckedIOException  if the file could not be read
     */
    public <R> R read(MemorySegment key, boolean markVisited, RecordReader<R> reader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reader, "reader");
        boolean markedBefore = false;
        boolean byHash = true;                                       // until a record's key says otherwise
        for (;;) {
            ensureOpen();
            DiskIndex.Hit hit = byHash ? index.visitByHash(key, markVisited) : index.visit(key, markVisited);
            if (hit == null) {
                return null;
            }
            Location location = hit.location();
            boolean visited = hit.visited() && !markedBefore;       // a copy may carry this call's own earlier mark
            markedBefore |= hit.marked();
            Segment segment = location.segment();
            if (hit.marked()) {
                segment.noteVisited();                               // its eviction must look for second chances
            }
            if (segment.tryAcquire()) {
                try {
                    return readRecord(key, location, reader, visited, byHash);
                } catch (SegmentGone e) {
                    continue;                                        // retired meanwhile, channel closed: look again
                } catch (NotVerified e) {
                    byHash = false;                                  // another key's record, or a bad one: compare
                    markedBefore = false;                            // keys in the index and read again
                    continue;
                } finally {
                    segment.release();
                }
            }
            if (location.equals(index.get(key))) {
                return null;
            }
        }
    }

    /**
     * {@return the stamp of {@code key}'s current record, or {@link #NO_STAMP} if absent} A stamp is a nonzero number
     * naming one record for as long as the store is open: records are never rewritten in place, so it changes when
     * the key is written again and when a compaction moves its record, and a removed and re-added key gets a new one.
     * (It is the segment id in the upper 32 bits and the offset in the lower 32, but callers should only compare
     * stamps.) Stamps are not kept across a reopen.
     *
     * <p>Lock-free: an index lookup, no I/O.
     *
     * @param key the key bytes
     * @throws NullPointerException  if {@code key} is null
     * @throws IllegalStateException if the store is closed
     */
    public long stampOf(MemorySegment key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        Location location = index.get(key);
        return location == null ? NO_STAMP : location.stamp();
    }

    /**
     * {@return whether {@code key} is in the index (the record's CRC is checked only when it is read)}
     *
     * @param key the key bytes
     * @throws NullPointerException  if {@code key} is null
     * @throws IllegalStateException if the store is closed
     */
    public boolean containsKey(MemorySegment key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        return index.containsKey(key);
    }

    /**
     * Passes every key to {@code action}, in no particular order: a walk for checks and tools (the cache never walks
     * its disk keys). Each key is a read-only view of the index's own copy, to be read inside the call (a key put or
     * removed meanwhile may or may not be seen). The action must not change this store: the keys of one index stripe
     * are passed with it locked. With {@code threads} above 1 the calling thread waits while that many threads (named
     * {@code strata-disk-keys-N}, ended before this returns) share the work, so the action must be thread-safe.
     *
     * @param threads how many threads call {@code action}: 1 for the calling thread alone
     * @param action  what to do with each key
     * @throws IllegalArgumentException if {@code threads} is below 1
     * @throws IllegalStateException    if the store is closed
     * @throws RuntimeException         the first exception {@code action} threw, once every thread ended
     */
    public void forEachKey(int threads, Consumer<MemorySegment> action) {
        Objects.requireNonNull(action, "action");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: at least 1)");
        }
        ensureOpen();
        index.forEachKey(threads, action);
    }

    /**
     * {@return the number of keys}
     */
    public long size() {
        return index.size();
    }

    /**
     * {@return the bytes of the records the index points to (headers, keys and values)}
     */
    public long liveBytes() {
        return liveBytes.get();
    }

    /**
     * {@return the bytes of this store's files: its segments (live, dead and tombstone records plus file headers,
     * and the old records past the end of a segment written into a reused file), its spare files, and the index
     * snapshot it was opened from (a persistent store keeps it while it runs, see {@link IndexSnapshot})}
     */
    public long fileBytes() {
        long total = spares.bytes() + snapshotCharge;
        for (Segment segment : segments.values()) {
            total += segment.fileBytes();
        }
        return total;
    }

    /**
     * {@return what this store's keys are charged in its index, in bytes: each key its slot at a table's average fill,
     * its bytes and their length (see {@link DiskQuota})}
     */
    public long indexBytes() {
        return index.chargedBytes();
    }

    /** {@return the heap the arrays of this store's index take now, in bytes (array headers left out)} */
    public long indexHeapBytes() {
        return index.heapBytes();
    }

    /** {@return how many segments were created in a spare file since the store opened} */
    long reusedFiles() {
        writeLock.lock();
        try {
            return reusedFiles;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes the records waiting in the append buffers ({@link AppendBuffer}) to their files, as sealing their segments
     * would, and keeps appending to them: for tests that compare the files with the store's accounting.
     */
    void writeWaiting() {
        compactionLock.lock();
        try {
            writeLock.lock();
            try {
                for (Segment segment : new Segment[] {active, probationActive, copies.target, probationCopies.target}) {
                    AppendBuffer tail = segment == null ? null : segment.tail();
                    if (tail != null && !segment.isRetired()) {
                        writeTail(segment, tail, 0);
                    }
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    /** {@return how many spare files this store keeps now} */
    int spareFiles() {
        return spares.count();
    }

    /** {@return how many of this store's segments are mapped now (read with copies out of the page cache)} */
    int mappedSegments() {
        int mapped = 0;
        for (Segment segment : segments.values()) {
            mapped += segment.isMapped() ? 1 : 0;
        }
        return mapped;
    }

    /** {@return the bytes of dead records in the segments: superseded or removed, not yet compacted away} */
    long deadBytes() {
        long dead = 0;
        for (Segment segment : segments.values()) {
            dead += segment.deadBytes();
        }
        return dead;
    }

    /**
     * {@return a snapshot of this store's counters}
     */
    public DiskStoreStats stats() {
        return counters.snapshot();
    }

    /**
     * Told of a live record (the key's current one) that the store dropped by itself, or that {@link #clear(Dropped)}
     * removed.
     */
    @FunctionalInterface
    public interface Dropped {

        /**
         * Called once per record dropped, by the thread that dropped it, holding the store's compaction lock (and,
         * for a clear, its writer lock): it must not call this store.
         *
         * @param key     the record's key: read-only, valid only during the call
         * @param value   the record's value: read-only, valid only during the call
         * @param expired whether compaction dropped it because its value had expired
         *                ({@link #dropExpiredWhenCompacting}); false for an eviction or a clear
         */
        void dropped(MemorySegment key, MemorySegment value, boolean expired);
    }

    /**
     * Tells {@code dropped} of every live record the store drops by itself from now on: evicted (with its segment,
     * {@link #evictOldest} and the evictions ahead) or found expired by a compaction. Records dropped because they
     * were corrupt, or those of a segment that could not be scanned when it was evicted (its entries are then dropped
     * by index, unread), are not told. Each dropped record is one the index pointed to: a key written again or removed
     * meanwhile is not reported (compare-and-remove decides which one won).
     *
     * @param dropped told of each record, or null for none
     * @param afterwards run by the compactor's thread after each eviction ahead or run of compactions it made, once it
     *                   holds no lock of this store, so that what {@code dropped} was told may be acted on there; or
     *                   null
     */
    public void reportDrops(Dropped dropped, Runnable afterwards) {
        this.dropped = dropped;
        this.afterBackgroundDrops = afterwards;
    }

    private void afterBackgroundWork() {
        Runnable afterwards = afterBackgroundDrops;
        if (afterwards != null) {
            afterwards.run();
        }
    }

    private void reportDropped(MemorySegment key, MemorySegment record, boolean expired) {
        Dropped report = dropped;
        if (report != null) {
            report.dropped(key.asReadOnly(), RecordFormat.value(record), expired);
        }
    }

    /**
     * Lets compaction drop a live record instead of copying it when {@code expired} says its value has expired: the
     * key leaves the store (compare-and-remove, as eviction does; a write racing with it wins) and is counted in
     * {@link DiskStoreStats#expiredRecords()}. A persistent store writes a tombstone in the record's place while an
     * older segment may still hold an earlier record of the key, which would otherwise come back on recovery.
     *
     * @param expired reads a value (read-only, valid during the call) and says whether it has expired; called by the
     *                compacting thread, so it must be thread-safe and quick
     * @throws NullPointerException if {@code expired} is null
     */
    public void dropExpiredWhenCompacting(Predicate<MemorySegment> expired) {
        this.expiredValue = Objects.requireNonNull(expired, "expired");
    }

    /**
     * Queues for compaction, on the compactor's thread, every sealed segment holding live records that {@code expired}
     * says have expired: those whose latest deadline ({@link DiskStoreConfig#deadlines}) has passed, so that every
     * value in them has, and those where the records whose deadline has passed, by the segment's {@link
     * DeadlineHistogram} of bytes by deadline, make up the compaction threshold of its payload (with its dead bytes:
     * whichever is more, {@link Segment#reclaimableBytes}). Compaction drops the expired records
     * ({@link #dropExpiredWhenCompacting}) and copies the live ones; a segment whose values have all expired it frees
     * copying at most the tombstones a persistent store still needs (which carry no deadline: the segment they go to
     * is not found again for them). A segment still appended to (a log's active one, a compaction's output) is sealed
     * first once every value in it has expired, unless a compaction holds the lock (then the next call does it). The
     * expired bytes found are kept with each segment, so that a writer short of quota compacts the segments that free
     * the most first. Reads no record, and does nothing before {@link #dropExpiredWhenCompacting} was called (the
     * compactions would copy the expired records, to be found again). Thread-safe.
     *
     * @param expired says whether a deadline has passed; it must say so of every deadline before one it says so of, as
     *                a clock's "now is at or past it" does
     * @return how many segments were queued
     */
    public int compactExpiredSegments(LongPredicate expired) {
        Objects.requireNonNull(expired, "expired");
        if (expiredValue == null) {
            return 0;
        }
        sealWrittenAndExpired(expired);
        int queued = 0;
        for (Segment segment : segments.values()) {
            if (!closed && segment.isSealed() && !segment.isRetired() && holdsExpired(segment, expired)
                    && segment.claimCompaction()) {
                compactionQueue.add(segment);
                queued++;
            }
        }
        if (queued > 0) {
            handOverCompactions();
        }
        return queued;
    }

    /**
     * Seals the segments being appended to whose every value has expired and that hold a live record, as nothing may
     * be written to them for long (no write since a time to live, say), unless the compaction lock is taken now: the
     * next sweep tries again.
     */
    private void sealWrittenAndExpired(LongPredicate expired) {
        if (!compactionLock.tryLock()) {
            return;
        }
        try {
            writeLock.lock();
            try {
                if (!closed) {
                    sealBeingWritten(segment -> allExpired(segment, expired));
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    /** {@return whether sealed {@code segment}'s expired records are due for compaction; notes their bytes} */
    private boolean holdsExpired(Segment segment, LongPredicate expired) {
        segment.noteExpiredBytes(expired);
        return allExpired(segment, expired) || segment.isCompactionDue(config.compactionThreshold());
    }

    /** {@return whether every value in {@code segment} has expired, and a record there is live} */
    private static boolean allExpired(Segment segment, LongPredicate expired) {
        long latest = segment.latestDeadline();
        return latest != Long.MIN_VALUE && expired.test(latest) && segment.deadBytes() < segment.payloadBytes();
    }

    /**
     * Compacts, now and in this thread, every sealed segment queued for it: whose reclaimable fraction reached the
     * threshold ({@link Segment#reclaimableBytes}), or found by {@link #compactExpiredSegments} (the compactor already
     * does this on its own; this is for callers that want it done at a chosen time).
     *
     * @throws IllegalStateException if the store is closed
     */
    public void compact() {
        ensureOpen();
        compactionLock.lock();
        try {
            drainCompactionQueue();
        } finally {
            compactionLock.unlock();
        }
        handOverCompactions();
    }

    /**
     * Evicts the oldest segment: drops every key whose current record lies in it, and deletes its file. This is the
     * disk tier's eviction, first in, first out a segment at a time by write order (a compaction's copies count as new
     * writes), with a second chance: before the segment goes, its records read since their write (by a {@link
     * #read(MemorySegment, boolean, RecordReader)} that marked them) are copied forward, up to three quarters of a
     * segment, unvisited, and count in {@link DiskStoreStats#secondChances()}; the dropped ones count in {@link
     * DiskStoreStats#evictedRecords()}. The oldest segment is the main log's with the lowest id that holds any
     * record, but in a store whose probation segments hold more than a tenth of its bytes (or whose main log holds
     * none): then it is the oldest of those, whose read records all move to the main log (see <b>Eviction</b> in the
     * class comment). The segments being written go last, when no other holds a record. A segment holding only dead
     * records or tombstones is deleted all the same, dropping no key.
     *
     * <p>No tombstone is written, also by a persistent store: no segment of its log is older than the one dropped, and
     * a key's records lie in the segments of one log in the order they were written, so no older record can stand in
     * for a dropped one after a reopen (see <b>Eviction</b> in the class comment). The file leaves the directory before
     * this returns (reads in flight finish through the open file, whose bytes return to the {@link DiskQuota} when the
     * last of them ends), so a process crash afterwards cannot bring an evicted key back; with {@code fsyncOnWrite} the
     * directory is forced too, against power loss.
     *
     * <p>Thread-safe: runs under the compaction lock (waiting for a running compaction, and holding back the next,
     * never compacting the segment it evicts) and takes the writer lock only to seal the segment if writes or copies
     * still go to it (they move to a new segment) and to drop it from the store; puts, removes and reads go on
     * meanwhile. Each key is removed only if its entry still points at its record in the segment, so a key written or
     * removed concurrently keeps its newer state. If the segment's file holds corrupt bytes, every index entry pointing
     * into it is dropped instead (an index walk).
     *
     * @return how many keys were dropped (0 is possible), or -1 if no segment holds a record (nothing to free)
     * @throws IllegalStateException if the store is closed (also if it is closed during the eviction, which may then
     *                               have deleted the file)
     * @throws UncheckedIOException  if the file could not be deleted; nothing was dropped
     */
    public long evictOldest() {
        ensureOpen();
        long dropped = evictOldestUnderLock();
        handOverCompactions();
        return dropped;
    }

    /**
     * Makes this store evict ahead of need: from now on, a put that leaves less free than half a segment of the quota
     * (spare files counted as free), or less than the same share of its index limit, hands an eviction to the
     * compactor, which evicts this store's oldest segment as {@link #evictOldest()} does (if the quota is still that
     * full when it runs) and reports the keys it dropped to {@code evicted}. One segment per hand-over, and none
     * handed over while one is pending: a store whose quota other stores keep nearly full gives up about a segment
     * per put that finds it so, as it would if it evicted when refused. So a writer seldom finds the quota full and
     * seldom evicts itself (an eviction scans a whole segment: about 0.1 s for a 64 MiB one), at the price of about
     * half a segment of the quota left unused. Without it the store evicts only when asked, and a put that finds the
     * quota full returns {@code false}; with it too, when writes outrun the compactor.
     *
     * @param evicted gets the number of keys each eviction ahead dropped, on the compactor's thread; it must not
     *                block or throw
     * @throws NullPointerException if {@code evicted} is null
     */
    public void evictAhead(LongConsumer evicted) {
        evictAhead(evicted, () -> false);
    }

    /**
     * {@link #evictAhead(LongConsumer)}, where another store may give up a segment instead: when the quota is nearly
     * full but this store's own limit is not ({@link #atOwnLimit}), the compactor first asks {@code elsewhere}, and
     * evicts none of this store's segments if it answers true (another store evicted one). The cache manager answers
     * for a cache holding less than an equal share of the caches' disk files.
     *
     * @param evicted   as for {@link #evictAhead(LongConsumer)}
     * @param elsewhere asked on the compactor's thread, with no lock of this store held; it must not throw
     * @throws NullPointerException if an argument is null
     */
    public void evictAhead(LongConsumer evicted, BooleanSupplier elsewhere) {
        this.evictElsewhere = Objects.requireNonNull(elsewhere, "elsewhere");
        this.evictedAhead = Objects.requireNonNull(evicted, "evicted");
    }

    /**
     * {@return whether this store's own limit (a cache's maximum disk size, a child of the engine's quota) has less free
     * than a segment and the headroom of an eviction ahead, so that its own evictions are what must make room} False for
     * a store on the engine's quota itself. A segment more than the headroom: an eviction of this store's own, on the
     * compactor or by another writer, may have just freed one, and the write it refused must not then take another
     * store's segment.
     */
    public boolean atOwnLimit() {
        return quota.ownLimitNearlyFull(config.segmentBytes() + headroomBytes());
    }

    /** {@return the size of this store's segment files, from its config} */
    public long segmentBytes() {
        return config.segmentBytes();
    }

    /**
     * Changes the most bytes of files this store may keep, when its cache's maximum disk size changes: its quota, a
     * child of the engine's ({@link DiskQuota#limitedTo}), takes the new limit, and spare files past it are deleted.
     * Past a smaller limit the store keeps what it holds until its segments are evicted ({@link #evictOldest()}, or
     * ahead of its writers).
     *
     * @param bytes the new limit, at least 1
     * @throws IllegalArgumentException if {@code bytes} is below 1
     * @throws IllegalStateException if the store's quota is the engine's own, or the store is closed
     */
    public void limitFiles(long bytes) {
        ensureOpen();
        quota.setLimitBytes(bytes);
        while (quota.overOwnLimit() && spares.dropOne()) {
            // each spare dropped gives its bytes back to the quota
        }
    }

    /**
     * Removes every entry and deletes every segment file (also of a persistent store).
     *
     * @throws IllegalStateException if the store is closed
     */
    public void clear() {
        writeLock.lock();
        try {
            ensureOpen();
            index.removeAll(segment -> true, removed -> liveBytes.addAndGet(-removed.recordBytes()));
            retireAllSegments(true);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Removes every entry and deletes every segment file like {@link #clear()}, first telling {@code removed} of each
     * key's value. Holds the compaction lock and the writer lock throughout, so no write, eviction or compaction runs
     * meanwhile and every entry removed is told once; reads the records one by one (the cost of a read per key).
     * A record that cannot be read (corrupt, or an I/O error, counted) is removed untold.
     *
     * @param removed told of each entry ({@code expired} false)
     * @throws NullPointerException  if {@code removed} is null
     * @throws IllegalStateException if the store is closed
     */
    public void clear(Dropped removed) {
        Objects.requireNonNull(removed, "removed");
        compactionLock.lock();
        try {
            writeLock.lock();
            try {
                ensureOpen();
                List<byte[]> keys = new ArrayList<>();
                index.forEachKey(1, key -> keys.add(key.toArray(ValueLayout.JAVA_BYTE)));
                for (byte[] key : keys) {
                    MemorySegment encoded = MemorySegment.ofArray(key);
                    try {
                        read(encoded, false, (value, stamp, visited) -> {
                            removed.dropped(encoded.asReadOnly(), value, false);
                            return Boolean.TRUE;
                        });
                    } catch (UncheckedIOException e) {
                        LOG.log(Level.WARNING, "could not read a record of " + directory + " to report it cleared", e);
                    }
                }
                clear();
            } finally {
                writeLock.unlock();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    /**
     * Closes the store: a persistent store forces its files to the device and keeps them, and writes its index to a
     * snapshot that the next opens read instead of scanning the files ({@link IndexSnapshot}; it first waits for a
     * compaction or eviction in flight to end); a non-persistent one deletes them. Reads in flight finish first (their
     * files close when they release them). A second call does nothing; any other method called after this throws
     * {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (config.persistent()) {
            compactionLock.lock();                     // a compaction or eviction in flight ends first: the snapshot
            try {                                      // then names the segments it leaves
                closeLocked();
            } finally {
                compactionLock.unlock();
            }
        } else {
            closeLocked();
        }
        freeTails();
    }

    private void closeLocked() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (config.persistent()) {
                dropSlack(active);                     // a clean restart reads no bytes of a reused file's past
                dropSlack(probationActive);
                forceAll();
                if (loaded) {                          // never the index of an open that failed half-way
                    writeSnapshot();
                }
            }
            spares.close();                            // from now on a retired file is deleted, not kept
            retireAllSegments(!config.persistent());
            quota.release(snapshotCharge);
            snapshotCharge = 0;
            index.clear();
            liveBytes.set(0);
            writer.close();
            readBuffers.close();                       // waits for the reads in flight, the buffers' last readers
            releaseDirectoryLock();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes the index's snapshot for the next opens ({@link IndexSnapshot}). A failure is logged and leaves the one
     * before, if any: a checkpoint of files that have not changed since.
     */
    private void writeSnapshot() {
        try {
            IndexSnapshot.write(directory, segments.values(), index, nextSequence, nextSegmentId, deadlineOf != null);
            if (config.fsyncOnWrite()) {
                Segment.forceDirectory(directory);
            }
        } catch (IOException | RuntimeException e) {
            counters.ioErrors.increment();
            LOG.log(Level.WARNING, "could not write the index snapshot of " + directory
                    + "; its next open scans the segment files written since the one before, or all", e);
        }
    }

    /**
     * Frees the append buffers, once the compaction running now (the copies' buffers are its own) has stopped; it
     * stops at its next record, the store being closed. Called by {@code close} after it released the writer lock,
     * which a compaction may be waiting for.
     */
    private void freeTails() {
        if (tailArena == null) {
            return;
        }
        compactionLock.lock();
        try {
            if (tailArena.scope().isAlive()) {
                tailArena.close();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "DiskStore[" + directory + ", keys=" + index.size() + ", segments=" + segments.size()
                + (closed ? ", closed" : "") + "]";
    }

    // ---- loading ----------------------------------------------------------------------------------------------

    private void load() throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            for (Path file : listing.filter(p -> SpareFiles.isSpare(p.getFileName().toString())).toList()) {
                Files.delete(file);                    // a spare a crash left behind: never a segment's
            }
        }
        if (!config.persistent()) {
            IndexSnapshot.discard(directory);          // left by the directory's persistent past: never of these files
            for (Path file : Recovery.segmentFiles(directory)) {
                Files.delete(file);
            }
            return;
        }
        long start = System.nanoTime();
        IndexSnapshot.Restored restored = IndexSnapshot.restore(directory, index, segments, quota,
                cause -> LOG.log(Level.INFO, "not using the index snapshot of " + directory + " (" + cause.getMessage()
                        + "); scanning its segment files", cause instanceof IndexSnapshot.Unusable ? null : cause));
        Recovery recovery = new Recovery(index, segments, counters, deadlineOf);
        if (restored != null) {
            quota.forceReserve(restored.fileBytes());         // the snapshot stays on disk while the store is open
            snapshotCharge = restored.fileBytes();
            if (restored.newerFiles().isEmpty()) {
                counters.recoveredRecords.add(index.size());   // a clean close's: nothing to settle
            } else {
                recovery.run(restored.newerFiles(), quota);    // what was written after the snapshot
            }
            dropEmptySegments();
            nextSegmentId = Math.max(restored.nextSegmentId(), recovery.maxSegmentId() + 1);
            nextSequence = Math.max(restored.nextSequence(), recovery.maxSequence() + 1);
            restoredFromSnapshot = true;
            scannedAtOpen = restored.newerFiles().size();
        } else {
            List<Path> files = Recovery.segmentFiles(directory);
            recovery.run(files, quota);
            nextSegmentId = recovery.maxSegmentId() + 1;
            nextSequence = recovery.maxSequence() + 1;
            scannedAtOpen = files.size();
        }
        String how = restored != null ? "from its index snapshot and " + scannedAtOpen + " newer files scanned"
                : "by scanning the files";
        long millis = (System.nanoTime() - start) / 1_000_000;
        LOG.log(Level.DEBUG, () -> String.format(Locale.ROOT, "opened %s: %,d keys in %,d segment files, %s in %,d ms",
                directory, index.size(), segments.size(), how, millis));
        segments.values().forEach(segment -> segment.mapWith(maps));
        liveBytes.set(index.recordBytes());
        segments.values().forEach(this::queueIfCompactionDue);
        loaded = true;
    }

    /** Deletes the segments a snapshot named that hold no record, as a scan does. */
    private void dropEmptySegments() {
        segments.values().removeIf(segment -> {
            if (segment.payloadBytes() > 0) {
                return false;
            }
            segment.retire(true);
            return true;
        });
    }

    /** {@return whether the open restored the index from a snapshot rather than by a scan} For tests. */
    boolean restoredFromSnapshot() {
        return restoredFromSnapshot;
    }

    /** {@return how many segment files the open scanned: all, or those newer than its snapshot} For tests. */
    int scannedAtOpen() {
        return scannedAtOpen;
    }

    // ---- writing ----------------------------------------------------------------------------------------------

    /** Writes records at a position of a segment's file; used by {@link #writeAt}. */
    @FunctionalInterface
    private interface Encoder {
        /**
         * Writes at {@code position}, then the first {@code markerBytes} of the segment's end marker (0 for none). A
         * record written anew stores its CRC under {@code crcMask}, the segment's; a copied one was re-masked for it
         * before ({@link RecordFormat#remask}), since this may run twice (see {@link Segment#io}).
         */
        void write(RecordWriter writer, FileChannel channel, long position, int crcMask, int markerBytes)
                throws IOException;
    }

    /** Assembles one record in a segment's {@link AppendBuffer}; used by {@link #writeAt}. */
    @FunctionalInterface
    private interface Filler {
        /** Fills {@code record}, exactly the record's bytes, storing its CRC under {@code crcMask}, the segment's. */
        void fill(MemorySegment record, int crcMask);
    }

    /**
     * Writes {@code bytes} of records at {@code at} of {@code target}, followed, in a persistent store whose segment is
     * written into a reused file, by the end marker the slack past them has room for ({@link RecordFormat}).
     */
    private void writeRecords(Segment target, long at, int bytes, Encoder encoder) throws IOException {
        int markerBytes = config.persistent() ? target.endMarkerBytesAfter(bytes) : 0;
        target.io(channel -> {
            encoder.write(writer, channel, at, target.crcMask(), markerBytes);
            if (config.fsyncOnWrite()) {
                channel.force(false);
            }
        });
    }

    /** Cuts a persistent store's {@code segment}'s slack off, if it has any; a failure leaves its end marker. */
    private void dropSlack(Segment segment) {
        if (segment == null) {
            return;
        }
        try {
            segment.dropSlack();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not cut the old bytes off " + segment.path() + "; its end marker stays", e);
        }
    }

    private Append appendValue(MemorySegment key, PutValue value, int recordBytes, long keyCharge,
                               boolean probation) {
        writeLock.lock();
        try {
            ensureOpen();
            if (!quota.indexAdmits(keyCharge) && !index.containsKey(key)) {
                return Append.NO_INDEX_ROOM;
            }
            long sequence = nextSequence;              // taken only by a record written: see takeSequence
            Location current = config.persistent() ? index.get(key) : null;
            boolean toProbation = current != null ? current.segment().isProbation() : probation;
            Location location = appendLocked(recordBytes, false, toProbation,
                    (w, channel, at, mask, marker) -> value.write(w, channel, at, mask, marker, sequence, key,
                            recordBytes),
                    (record, mask) -> value.fill(record, mask, sequence, key));
            if (location == null) {
                return Append.NO_SPACE;
            }
            takeSequence(sequence);
            liveBytes.addAndGet(recordBytes);
            noteDeadline(location.segment(), value.written(), recordBytes);
            boolean held = current != null && toProbation;   // marked read: see put(key, value, onTrial)
            if (held) {
                location.segment().noteVisited();
            } else if (toProbation) {
                counters.probationPuts.increment();
            }
            Location old = index.put(key, location, held);
            if (old != null) {
                markDead(old);
                return Append.REPLACED;
            }
            return Append.DONE;
        } finally {
            writeLock.unlock();
        }
    }

    /** A put's value as {@link #appendValue} writes it into a record: bytes at hand, or a {@link ValueWriter}. */
    private interface PutValue {
        /** Writes the record at {@code at} of {@code channel}, as {@link Encoder#write} does. */
        void write(RecordWriter writer, FileChannel channel, long at, int crcMask, int markerBytes, long sequence,
                   MemorySegment key, int recordBytes) throws IOException;

        /** Assembles the record in {@code record}, as {@link Filler#fill} does. */
        void fill(MemorySegment record, int crcMask, long sequence, MemorySegment key);

        /** {@return the value as the last write or fill wrote it; valid under the writer lock until the next append} */
        MemorySegment written();
    }

    /** A value already in bytes. */
    private record ValueBytes(MemorySegment written) implements PutValue {
        @Override
        public void write(RecordWriter writer, FileChannel channel, long at, int crcMask, int markerBytes,
                          long sequence, MemorySegment key, int recordBytes) throws IOException {
            writer.write(channel, at, crcMask, markerBytes, (byte) 0, sequence, key, written, recordBytes);
        }

        @Override
        public void fill(MemorySegment record, int crcMask, long sequence, MemorySegment key) {
            RecordWriter.fill(record, crcMask, (byte) 0, sequence, key, written);
        }
    }

    /** A value its {@link ValueWriter} writes into a record that fits whole ({@link RecordWriter#assemblesWhole}). */
    private static final class WrittenValue implements PutValue {
        private final int valueBytes;
        private final ValueWriter value;
        private MemorySegment written;

        WrittenValue(int valueBytes, ValueWriter value) {
            this.valueBytes = valueBytes;
            this.value = value;
        }

        @Override
        public void write(RecordWriter writer, FileChannel channel, long at, int crcMask, int markerBytes,
                          long sequence, MemorySegment key, int recordBytes) throws IOException {
            written = writer.write(channel, at, crcMask, markerBytes, sequence, key, valueBytes, value, recordBytes);
        }

        @Override
        public void fill(MemorySegment record, int crcMask, long sequence, MemorySegment key) {
            written = RecordWriter.fill(record, crcMask, sequence, key, valueBytes, value);
        }

        @Override
        public MemorySegment written() {
            return written;
        }
    }

    /**
     * Notes the deadline of {@code value}, of a record of {@code recordBytes} appended to {@code segment}, if the store
     * tracks deadlines ({@link Segment#noteDeadline}).
     */
    private void noteDeadline(Segment segment, MemorySegment value, int recordBytes) {
        if (deadlineOf != null) {
            segment.noteDeadline(deadlineOf.applyAsLong(value.asReadOnly()), recordBytes);
        }
    }

    /** {@link #noteDeadline(Segment, MemorySegment, int)} for a whole record; a tombstone has no deadline. */
    private void noteRecordDeadline(Segment segment, MemorySegment record) {
        if (deadlineOf != null) {
            segment.noteDeadlineOf(record, deadlineOf);
        }
    }

    private boolean appendTombstone(MemorySegment key) {
        int recordBytes = RecordFormat.recordBytes(key.byteSize(), 0);
        writeLock.lock();
        try {
            ensureOpen();
            Location current = index.get(key);
            if (current == null) {
                return false;
            }
            long sequence = nextSequence;
            boolean probation = current.segment().isProbation();   // the log of the records it shadows
            Location old;
            try {
                appendLocked(recordBytes, true, probation, (w, channel, at, mask, marker) -> w.write(channel, at, mask,
                        marker, RecordFormat.FLAG_TOMBSTONE, sequence, key, EMPTY, recordBytes), null);
                takeSequence(sequence);
            } finally {                                // a failed tombstone still removes the key while open
                old = index.remove(key);
                if (old != null) {
                    markDead(old);
                }
            }
            return old != null;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Moves the next sequence past {@code sequence}, the one of the record just appended. Writer lock held. An append
     * refused or failed takes none, so the highest sequence in the files is {@code nextSequence - 1} (or every segment
     * holding it is gone): a store's next sequence, whether an index snapshot's or a scan's, is above every record's.
     */
    private void takeSequence(long sequence) {
        nextSequence = sequence + 1;
    }

    /**
     * Appends one record to the active segment, or the open probation segment if {@code probation} (rolling to a new
     * one if it does not fit), with the writer lock held.
     *
     * @return where it was written, or {@code null} if the quota refused (only when {@code forceQuota} is false)
     * @throws UncheckedIOException if the write failed; the file is truncated back to its previous end
     */
    private Location appendLocked(int recordBytes, boolean forceQuota, boolean probation, Encoder encoder,
                                  Filler filler) {
        if (!makeRoom(recordBytes, forceQuota, probation)) {
            return null;
        }
        Segment target = probation ? probationActive : active;
        return new Location(target, writeAt(target, recordBytes, 1, encoder, filler), recordBytes);
    }

    /**
     * Reserves quota for a record of {@code recordBytes} in the active segment (the open probation segment if
     * {@code probation}), rolling to a new one (and reserving its header) if it does not fit. Writer lock held.
     *
     * @return {@code false} if the quota refused (only when {@code forceQuota} is false)
     * @throws UncheckedIOException if the new segment could not be created
     */
    private boolean makeRoom(int recordBytes, boolean forceQuota, boolean probation) {
        Segment current = probation ? probationActive : active;
        boolean roll = needsNewSegment(current, recordBytes);
        long reserved = recordBytes + (roll ? RecordFormat.SEGMENT_HEADER_BYTES : 0);
        if (forceQuota) {
            quota.forceReserve(reserved);
        } else if (!reserveDroppingSpares(reserved)) {
            return false;
        }
        if (roll) {
            try {
                Segment next = newSegment(current, probation, activeTail(probation));
                if (probation) {
                    probationActive = next;
                } else {
                    active = next;
                }
            } catch (IOException e) {
                quota.release(reserved);
                throw ioFailure("could not create segment " + (nextSegmentId - 1) + " in " + directory, e);
            }
        }
        return true;
    }

    /**
     * {@return whether {@code bytes} were reserved, after deleting as many spare files (of any store sharing the
     * quota) as that took}
     */
    private boolean reserveDroppingSpares(long bytes) {
        while (!quota.tryReserve(bytes)) {
            if (!quota.dropSpare(bytes)) {
                return false;
            }
        }
        return true;
    }

    /** {@return whether a record of {@code recordBytes} must go to a new segment instead of {@code current}} */
    private boolean needsNewSegment(Segment current, int recordBytes) {
        return current == null || current.isSealed() || current.isRetired()
                || (current.payloadBytes() > 0 && current.length() + recordBytes > config.segmentBytes());
    }

    /**
     * Creates the next segment file (writer lock held; its header's quota already reserved), of the probation log if
     * {@code probation}, and seals {@code full}, queueing it if compaction is due.
     */
    private Segment newSegment(Segment full, boolean probation, AppendBuffer tail) throws IOException {
        long id = nextSegmentId++;
        Segment next = createSegment(id, probation);
        next.mapWith(maps);
        segments.put(id, next);
        counters.bytesWritten.add(RecordFormat.SEGMENT_HEADER_BYTES);
        if (full != null) {
            seal(full);
            queueIfCompactionDue(full);
        }
        if (tail != null) {
            tail.attach(next, next.length());
        }
        return next;
    }

    /**
     * {@return the buffer of the active segment, or of the open probation one, made if need be; null for a store that
     * writes each record at once} Writer lock held.
     */
    private AppendBuffer activeTail(boolean probation) {
        if (probation) {
            return probationTail = probationTail != null ? probationTail : newTail();
        }
        return mainTail = mainTail != null ? mainTail : newTail();
    }

    /** {@return a new append buffer, or null for a store that writes each record at once} */
    private AppendBuffer newTail() {
        return tailArena == null ? null : new AppendBuffer(tailArena.allocate(AppendBuffer.BYTES, 8));
    }

    /**
     * Seals {@code segment} after writing the records waiting in its buffer, if it has one, to its file (a retired
     * segment's are given up: its file is gone). A failed write loses them ({@link #writeTail}), is counted and logged,
     * and the segment is sealed all the same. A persistent store's segment written into a reused file loses the old
     * bytes past its records ({@link #dropSlack}), so the file's length is the segment's, as an index snapshot that
     * names it says. By the holder of the lock its appends take.
     */
    private void seal(Segment segment) {
        AppendBuffer tail = segment.tail();
        if (tail != null) {
            if (!segment.isRetired()) {
                try {
                    writeTail(segment, tail, 0);
                } catch (UncheckedIOException e) {
                    // counted and logged by writeTail; the records it lost left the index
                }
            }
            tail.release();
        }
        if (config.persistent() && !segment.isSealed()) {
            if (!segment.isRetired()) {
                dropSlack(segment);
            }
            sealedSinceCheckpoint.addAndGet(segment.payloadBytes());
        }
        segment.seal();
    }

    /** {@return segment {@code id} (of the probation log if asked), in a spare file if the store has one, else new} */
    private Segment createSegment(long id, boolean probation) throws IOException {
        SpareFiles.Spare spare = spares.take();
        if (spare != null) {
            try {
                Segment reused = Segment.reuse(directory, id, probation, quota, spare, config.fsyncOnWrite());
                reusedFiles++;
                return reused;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not reuse " + spare.path() + " for segment " + id + "; deleting it", e);
                spares.discard(spare);
            }
        }
        return Segment.create(directory, id, probation, quota, config.fsyncOnWrite());
    }

    /**
     * Retires a compacted {@code segment}: its file goes to the spares. An evicted segment's file is always deleted:
     * eviction is there to free quota, which a spare would keep.
     */
    private void retireCompacted(Segment segment) {
        segment.retireToSpares(spares);
    }

    /**
     * Appends {@code records} records, {@code bytes} in all, at the end of {@code target}, whose quota is reserved, by
     * whoever alone appends to it now. {@return the offset they were written at}
     *
     * @throws UncheckedIOException if the write failed; the file is truncated back and the records' quota released
     */
    private long writeAt(Segment target, int bytes, int records, Encoder encoder, Filler filler) {
        AppendBuffer tail = target.tail();
        if (tail != null) {
            if (filler != null && bytes <= AppendBuffer.BYTES) {
                return buffer(target, tail, bytes, records, filler);
            }
            writeTail(target, tail, bytes);            // what waits there goes first
        }
        long at = target.length();
        try {
            writeRecords(target, at, bytes, encoder);
        } catch (IOException e) {
            quota.release(bytes);
            rollBack(target, at);
            throw ioFailure("could not append " + bytes + " bytes to " + target.path(), e);
        }
        target.advance(bytes);
        if (tail != null) {
            tail.skipTo(target.length());
        }
        counters.recordsWritten.add(records);
        counters.bytesWritten.add(bytes);
        return at;
    }

    /** Fills a record of {@code bytes} into {@code target}'s buffer, writing what waits there first if it is full. */
    private long buffer(Segment target, AppendBuffer tail, int bytes, int records, Filler filler) {
        if (!tail.hasRoom(bytes)) {
            writeTail(target, tail, bytes);
        }
        long at = target.length();
        filler.fill(tail.next(bytes), target.crcMask());
        tail.appended(bytes);
        target.advance(bytes);
        counters.recordsWritten.add(records);
        counters.bytesWritten.add(bytes);
        return at;
    }

    /**
     * Writes the records waiting in {@code target}'s buffer to its file. If that fails they are lost, as if evicted:
     * each leaves the index where it is still the key's record, the file is cut back to where they began, and the
     * segment is sealed (no later record gets the place, and so the stamp, of a lost one); then the quota reserved for
     * the {@code pendingBytes} of the record that was to follow is released and the failure thrown.
     *
     * @throws UncheckedIOException if the write failed
     */
    private void writeTail(Segment target, AppendBuffer tail, int pendingBytes) {
        int bytes = tail.filled();
        try {
            tail.write();
        } catch (IOException e) {
            long lost = dropWaiting(target, tail);
            quota.release(pendingBytes);
            throw ioFailure("could not write " + bytes + " bytes to " + target.path() + "; " + lost
                    + " entries waiting to be written were lost", e);
        }
    }

    /** {@return how many keys lost their record} See {@link #writeTail}. */
    private long dropWaiting(Segment target, AppendBuffer tail) {
        long[] lost = new long[2];                     // keys, bytes
        tail.forEachRecord((record, offset) -> {
            MemorySegment key = record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record));
            if (index.remove(key, new Location(target, offset, (int) record.byteSize()))) {
                liveBytes.addAndGet(-record.byteSize());
                lost[0]++;
                lost[1] += record.byteSize();
            }
        });
        target.addDeadBytes(lost[1] - tail.filled());  // the dead ones among them leave with the file's end
        long end = tail.base();
        tail.skipTo(end);
        rollBack(target, end);
        tail.release();
        target.seal();
        return lost[0];
    }

    private void rollBack(Segment target, long end) {
        try {
            target.truncate(end);
        } catch (IOException e) {
            target.seal();                             // its buffer, if any, is empty: written before, or given up
            LOG.log(Level.WARNING, "could not truncate " + target.path() + " after a failed write; sealed it", e);
        }
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /**
     * Thrown by {@link #readRecord} when a read failed on a segment retired meanwhile (an interrupt closed its channel
     * and the file, deleted, cannot be reopened): the key is to be looked up again. Preallocated, no stack trace.
     */
    private static final class SegmentGone extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
        static final SegmentGone INSTANCE = new SegmentGone();

        private SegmentGone() {
            super("segment retired during a read", null, false, false);
        }
    }

    /**
     * Thrown by a read whose record, found by hash alone ({@link DiskIndex#visitByHash}), failed its checks: it may be
     * another key's with the same hash, so the read looks the key up again comparing keys, and only a record that
     * fails then is corrupt. Stackless; never escapes the store.
     */
    private static final class NotVerified extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
        static final NotVerified INSTANCE = new NotVerified();

        private NotVerified() {
            super("record found by hash failed its checks", null, false, false);
        }
    }

    /**
     * Reads and verifies the record at {@code location} and passes its value to {@code reader}.
     *
     * @param byHash whether the location was found by hash alone: a record that fails its checks then throws
     *               {@link NotVerified} instead of being dropped as corrupt
     */
    private <R> R readRecord(MemorySegment key, Location location, RecordReader<R> reader, boolean visited,
                             boolean byHash) {
        try (ReadBuffers.Lease lease = readBuffers.borrow(location.recordBytes())) {
            MemorySegment record = lease.segment();
            try {
                location.segment().readMapping(record, location.offset());
            } catch (EOFException e) {
                if (byHash) {
                    throw NotVerified.INSTANCE;
                }
                return dropCorrupt(key, location, "record beyond the end of the file");
            } catch (IOException e) {
                if (location.segment().isRetired()) {
                    throw SegmentGone.INSTANCE;
                }
                throw ioFailure("could not read " + location.recordBytes() + " bytes at " + location.offset() + " of "
                        + location.segment().path(), e);
            }
            if (!isIntact(record, key, location)) {
                if (byHash) {
                    throw NotVerified.INSTANCE;
                }
                return dropCorrupt(key, location, "CRC32C, flags, length or key mismatch");
            }
            counters.recordsRead.increment();
            counters.bytesRead.add(record.byteSize());
            long valueOffset = RecordFormat.HEADER_BYTES + (long) RecordFormat.keyBytes(record);
            return reader.read(record.asSlice(valueOffset, RecordFormat.valueBytes(record)).asReadOnly(),
                    location.stamp(), visited);
        }
    }

    private static boolean isIntact(MemorySegment record, MemorySegment key, Location location) {
        int keyBytes = RecordFormat.keyBytes(record);
        return RecordFormat.hasValidCrc(record, location.segment().crcMask())
                && RecordFormat.flags(record) == 0
                && (long) RecordFormat.HEADER_BYTES + keyBytes + RecordFormat.valueBytes(record)
                        == location.recordBytes()
                && keyBytes == key.byteSize()
                && MemorySegment.mismatch(record, RecordFormat.HEADER_BYTES, RecordFormat.HEADER_BYTES + keyBytes,
                        key, 0, keyBytes) == -1;
    }

    private <R> R dropCorrupt(MemorySegment key, Location location, String reason) {
        counters.corruptRecords.increment();
        LOG.log(Level.WARNING, "corrupt record at " + location.offset() + " of " + location.segment().path() + " ("
                + reason + "); dropped from the index");
        if (index.remove(key, location)) {
            markDead(location);
        }
        return null;
    }

    // ---- accounting and compaction ----------------------------------------------------------------------------

    /** Called by whoever removed {@code location} from the index: its bytes are dead now. */
    private void markDead(Location location) {
        liveBytes.addAndGet(-location.recordBytes());
        location.segment().addDeadBytes(location.recordBytes());
        queueIfCompactionDue(location.segment());
    }

    private void queueIfCompactionDue(Segment segment) {
        if (segment.isCompactionDue(config.compactionThreshold()) && !segment.isRetired()
                && segment.claimCompaction()) {
            compactionQueue.add(segment);
        }
    }

    /**
     * Hands the queued compactions to the compactor unless a hand-over is pending. Whoever holds the compaction lock
     * calls this after releasing it, so a segment queued while the compactor could not take the lock is not left
     * behind.
     */
    private void handOverCompactions() {
        if (compactionQueue.isEmpty() || closed || !compactionHandedOver.compareAndSet(false, true)) {
            return;
        }
        try {
            compactor.execute(this::compactHandedOver);
        } catch (RejectedExecutionException e) {
            compactionHandedOver.set(false);
            LOG.log(Level.DEBUG, "the compactor of " + directory + " is closed; compaction not run", e);
        }
    }

    /** Gives the compactor an eviction ahead if this store evicts ahead, none is pending and the quota is near full. */
    private void handOverEvictionIfNearlyFull() {
        LongConsumer evicted = evictedAhead;
        if (evicted == null || evictionHandedOver.get() || !quota.nearlyFull(headroomBytes()) || closed
                || !evictionHandedOver.compareAndSet(false, true)) {
            return;
        }
        try {
            compactor.execute(() -> evictAheadHandedOver(evicted));
        } catch (RejectedExecutionException e) {
            evictionHandedOver.set(false);
            LOG.log(Level.DEBUG, "the compactor of " + directory + " is closed; no eviction ahead", e);
        }
    }

    /**
     * Hands the compactor a checkpoint of a persistent store's index ({@link #checkpoint}) once segments holding more
     * than {@link #checkpointDueBytes} were sealed since the last one, unless one is pending.
     */
    private void handOverCheckpointIfDue() {
        if (!config.persistent() || sealedSinceCheckpoint.get() < checkpointDueBytes() || closed
                || !checkpointHandedOver.compareAndSet(false, true)) {
            return;
        }
        try {
            compactor.execute(() -> {
                try {
                    checkpoint();
                } finally {
                    checkpointHandedOver.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            checkpointHandedOver.set(false);
            LOG.log(Level.DEBUG, "the compactor of " + directory + " is closed; no checkpoint", e);
        }
    }

    /**
     * {@return the sealed bytes that make a checkpoint due: four segments, and at least eight times the last snapshot,
     * so checkpoints add at most an eighth to the bytes written} What an open after a crash scans is about this much.
     */
    private long checkpointDueBytes() {
        return Math.max(4 * config.segmentBytes(), 8 * snapshotCharge);
    }

    /**
     * Writes a checkpoint of a persistent store's index while it runs ({@link IndexSnapshot#checkpoint}): its sealed
     * segments and the entries that point into them, so that an open after a crash scans only the segment being
     * appended to now and newer ones. Holds the compaction lock (no named segment is compacted or evicted meanwhile)
     * and the writer lock only to choose the segments; writers go on. A failure is counted and logged; the snapshot
     * before stays. Does nothing for a transient or closed store.
     */
    void checkpoint() {
        if (!config.persistent()) {
            return;
        }
        compactionLock.lock();
        DiskEvents.Checkpoint event = new DiskEvents.Checkpoint();
        event.begin();
        List<Segment> named = new ArrayList<>();
        try {
            long sequence;
            long firstUnnamed;
            writeLock.lock();
            try {
                if (closed) {
                    return;
                }
                for (Segment segment : segments.values()) {
                    if (segment != active && segment != probationActive && segment.isSealed()
                            && !segment.isRetired()) {
                        named.add(segment);
                    }
                }
                sequence = nextSequence;
                firstUnnamed = firstOpenSegmentId();
                sealedSinceCheckpoint.set(0);
            } finally {
                writeLock.unlock();
            }
            IndexSnapshot.checkpoint(directory, named, index, sequence, firstUnnamed, deadlineOf != null);
            chargeSnapshot();
            event.written = true;
        } catch (IOException | RuntimeException e) {
            counters.ioErrors.increment();
            LOG.log(Level.WARNING, "could not write an index checkpoint of " + directory + "; the one before stays", e);
        } finally {
            compactionLock.unlock();
        }
        if (event.shouldCommit()) {
            event.store = directory.toString();
            event.segments = named.size();
            event.commit();
        }
    }

    /**
     * {@return the lower id of the segments appended to now, the main log's and the probation log's, or the next id if
     * neither is open} A checkpoint names every other segment; those two and newer ones are scanned after a crash.
     * Writer lock held.
     */
    private long firstOpenSegmentId() {
        long first = nextSegmentId;
        for (Segment open : new Segment[] {active, probationActive}) {
            if (open != null) {
                first = Math.min(first, open.id());
            }
        }
        return first;
    }

    /** Charges the quota with the snapshot just written instead of the one before. Compaction lock held. */
    private void chargeSnapshot() throws IOException {
        long bytes = Files.size(directory.resolve(IndexSnapshot.FILE_NAME));
        quota.forceReserve(bytes);
        quota.release(snapshotCharge);
        snapshotCharge = bytes;
    }

    /** {@return the free quota below which this store evicts ahead: half a segment, at most a quarter of the quota} */
    private long headroomBytes() {
        return Math.min(config.segmentBytes() / 2, quota.limitBytes() / 4);
    }

    /**
     * The compactor's eviction ahead: evicts the oldest segment if the quota is still nearly full. Clears the
     * hand-over when done, so the next put that finds the quota nearly full hands over another.
     */
    private void evictAheadHandedOver(LongConsumer evicted) {
        try {
            if (!closed && quota.nearlyFull(headroomBytes()) && (atOwnLimit() || !evictElsewhere.getAsBoolean())) {
                long dropped = evictOldestUnderLock();     // no other store gave up a segment instead
                if (dropped >= 0) {                        // else no segment holds a record
                    counters.evictedAhead.increment();
                    evicted.accept(dropped);
                }
            }
        } catch (UncheckedIOException e) {
            LOG.log(Level.DEBUG, "eviction ahead in " + directory + " stopped", e);   // counted, logged at the cause
        } catch (IllegalStateException e) {
            if (!closed) {
                throw e;
            }                                              // closed meanwhile: nothing left to evict
        } finally {
            evictionHandedOver.set(false);
        }
        handOverCompactions();
        afterBackgroundWork();
    }

    /**
     * The compactor's task: runs the queued compactions unless another thread is already at it. Clears the hand-over
     * first, so a segment queued from here on is handed over again.
     */
    private void compactHandedOver() {
        compactionHandedOver.set(false);
        while (!compactionQueue.isEmpty() && !closed && compactionLock.tryLock()) {
            try {
                drainCompactionQueue();
            } finally {
                compactionLock.unlock();
            }
        }
        afterBackgroundWork();
    }

    private void drainCompactionQueue() {
        Segment segment;
        while (!closed && (segment = compactionQueue.poll()) != null) {
            new Compaction(segment).run();
        }
    }

    /**
     * Seals the segments being appended to that {@code sealing} picks: the logs' active segments and a transient
     * store's compaction outputs. Compaction and writer locks held.
     */
    private void sealBeingWritten(Predicate<Segment> sealing) {
        if (active != null && !active.isSealed() && sealing.test(active)) {
            seal(active);
        }
        if (probationActive != null && !probationActive.isSealed() && sealing.test(probationActive)) {
            seal(probationActive);
        }
        copies.sealIf(sealing);
        probationCopies.sealIf(sealing);
    }

    /**
     * Quota pressure: seals the active segments if they hold dead bytes, then compacts the segments holding dead bytes
     * or records the expiry sweeper found expired ({@link Segment#reclaimableBytes}), the most first, until the quota
     * has room for {@code wantedBytes} (the put's record, and a new segment's header). The segment that frees the most
     * frees the most quota for the bytes its compaction copies; one that frees little is compacted only when nothing
     * else frees enough.
     */
    private void reclaimSpace(long wantedBytes) {
        compactionLock.lock();
        try {
            writeLock.lock();
            try {
                ensureOpen();
                sealBeingWritten(segment -> segment.deadBytes() > 0);
            } finally {
                writeLock.unlock();
            }
            List<Map.Entry<Segment, Long>> reclaimable = new ArrayList<>();
            for (Segment segment : segments.values()) {
                long bytes = segment.reclaimableBytes();   // a snapshot: writers keep adding dead bytes meanwhile
                if (segment.isSealed() && bytes > 0) {
                    reclaimable.add(Map.entry(segment, bytes));
                }
            }
            reclaimable.sort(Map.Entry.<Segment, Long>comparingByValue().reversed());
            DiskEvents.QuotaReclaim event = new DiskEvents.QuotaReclaim();
            event.begin();
            int compactions = 0;
            for (Map.Entry<Segment, Long> candidate : reclaimable) {
                if (closed || quota.hasRoomFor(wantedBytes)) {
                    break;
                }
                new Compaction(candidate.getKey()).run();
                compactions++;
            }
            if (event.shouldCommit()) {
                event.store = directory.toString();
                event.wantedBytes = wantedBytes;
                event.compactions = compactions;
                event.roomMade = quota.hasRoomFor(wantedBytes);
                event.commit();
            }
            drainCompactionQueue();
        } finally {
            compactionLock.unlock();
        }
        handOverCompactions();
    }

    // ---- eviction (compaction lock held) ----------------------------------------------------------------------

    /** {@link #evictOldestLocked} with the compaction lock taken for it. */
    private long evictOldestUnderLock() {
        compactionLock.lock();
        try {
            return evictOldestLocked();
        } finally {
            compactionLock.unlock();
        }
    }

    private long evictOldestLocked() {
        for (;;) {
            Segment oldest = sealOldest();
            if (oldest == null) {
                return -1;
            }
            if (oldest.tryAcquire()) {                     // else cleared meanwhile (and gone from segments)
                DiskEvents.Eviction event = new DiskEvents.Eviction();
                event.begin();
                long dropped;
                try {
                    ghost.fit(index.size());               // remember about as many keys as the store holds
                    new Compaction(oldest, true).keepVisited();
                    dropped = evict(oldest);
                } finally {
                    oldest.release();
                }
                if (event.shouldCommit()) {
                    event.store = directory.toString();
                    event.segment = oldest.id();
                    event.probation = oldest.isProbation();
                    event.payloadBytes = oldest.payloadBytes();
                    event.droppedRecords = dropped;
                    event.commit();
                }
                return dropped;
            }
        }
    }

    /**
     * {@return the segment to evict, sealed, or null if no segment holds a record} The oldest probation segment while
     * the probation log holds more than {@code 1 / PROBATION_SHARE} of the bytes in segments (or the main log holds
     * none), else the oldest segment of the main log (lowest id). The two segments being written (the active one and
     * the open probation one) go last, only when no other segment holds a record: in a store of fewer than ten
     * segments the open probation segment alone holds more than a tenth, and taking it would evict the records of puts
     * just made, before anyone could read them (a put read right after it then missed). Sealing under the
     * writer lock (with the compaction lock held, so no compaction copies to it either) means no record is added to
     * it afterwards: every index entry that will ever point into it is installed already.
     */
    private Segment sealOldest() {
        writeLock.lock();
        try {
            ensureOpen();
            Segment oldestMain = null;
            Segment oldestProbation = null;
            Segment beingWritten = null;
            long probationBytes = 0;
            long allBytes = 0;
            for (Segment segment : segments.values()) {
                if (segment.payloadBytes() <= 0 || segment.isRetired()) {
                    continue;
                }
                allBytes += segment.payloadBytes();
                probationBytes += segment.isProbation() ? segment.payloadBytes() : 0;
                if (segment == active || segment == probationActive) {
                    beingWritten = beingWritten == null || segment.isProbation() ? segment : beingWritten;
                } else if (segment.isProbation()) {
                    oldestProbation = oldestProbation == null ? segment : oldestProbation;
                } else {
                    oldestMain = oldestMain == null ? segment : oldestMain;
                }
            }
            boolean probationFirst = oldestMain == null || probationBytes * PROBATION_SHARE > allBytes;
            Segment victim = oldestProbation != null && probationFirst ? oldestProbation : oldestMain;
            victim = victim != null ? victim : beingWritten;
            if (victim != null) {
                seal(victim);                          // the compaction lock is held: no copy goes to it now
            }
            return victim;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Deletes the file first (so a crash from here on cannot bring its keys back, and a removal racing with the
     * eviction still finds its key and writes its tombstone), then drops the entries still pointing into it, then the
     * segment. {@return the keys dropped}
     */
    private long evict(Segment doomed) {
        try {
            doomed.unlink();
            if (config.fsyncOnWrite()) {
                Segment.forceDirectory(directory);
            }
        } catch (IOException e) {
            throw ioFailure("could not delete " + doomed.path() + " to evict it", e);
        }
        long dropped = dropEntriesOf(doomed);
        writeLock.lock();
        try {
            segments.remove(doomed.id(), doomed);
            doomed.retire(true);
            ensureOpen();
        } finally {
            writeLock.unlock();
        }
        counters.evictedSegments.increment();
        counters.evictedRecords.add(dropped);
        return dropped;
    }

    /**
     * Scans {@code doomed} and removes each record's key whose entry still points at that record. If the scan met
     * corrupt bytes or failed (records past them cannot be told), removes every entry pointing into the segment
     * instead. {@return the entries removed}
     */
    private long dropEntriesOf(Segment doomed) {
        long[] dropped = {0};
        boolean complete = false;
        try (SegmentScanner scanner = new SegmentScanner(doomed)) {
            complete = dropCurrentRecords(doomed, scanner, dropped);
        } catch (IOException e) {
            counters.ioErrors.increment();
            LOG.log(Level.WARNING, "could not scan " + doomed.path() + " to evict it; dropping its entries by index",
                    e);
        }
        if (!complete) {
            index.removeAll(segment -> segment == doomed, removed -> {
                liveBytes.addAndGet(-removed.recordBytes());
                dropped[0]++;
            });
        }
        return dropped[0];
    }

    /** {@return whether the scan reached the end without corrupt bytes} Adds the keys removed to {@code dropped[0]}. */
    private boolean dropCurrentRecords(Segment doomed, SegmentScanner scanner, long[] dropped) throws IOException {
        boolean intact = true;
        for (;;) {
            switch (scanner.next()) {
                case RECORD -> {
                    MemorySegment record = scanner.record();
                    if (!RecordFormat.isTombstone(record)) {
                        MemorySegment key = record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record));
                        if (index.remove(key, new Location(doomed, scanner.offset(), scanner.recordBytes()))) {
                            liveBytes.addAndGet(-scanner.recordBytes());
                            dropped[0]++;
                            reportDropped(key, record, false);
                            if (doomed.isProbation()) {
                                ghost.add(DiskIndex.hash(key));     // left probation unread: main if put again
                            }
                        }
                    }
                }
                case CORRUPT -> {
                    counters.corruptRecords.increment();
                    intact = false;
                }
                case TORN_TAIL, GARBAGE, REUSED_END -> {      // within a segment's length: corrupt bytes
                    counters.corruptRecords.increment();
                    return false;
                }
                case END -> {
                    return intact;
                }
            }
        }
    }

    private void retireAllSegments(boolean deleteFiles) {
        for (Segment segment : segments.values()) {
            segment.retire(deleteFiles);
        }
        segments.clear();
        compactionQueue.clear();
        active = null;
        probationActive = null;
        for (AppendBuffer tail : new AppendBuffer[] {mainTail, probationTail}) {
            if (tail != null) {
                tail.release();                        // what waited there went with the files
            }
        }
    }

    private void forceAll() {
        for (Segment segment : segments.values()) {
            try {
                segment.force();
            } catch (IOException e) {
                counters.ioErrors.increment();
                LOG.log(Level.WARNING, "could not force " + segment.path() + " at close", e);
            }
        }
    }

    private void releaseDirectoryLock() {
        try {
            directoryLock.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not release the lock of " + directory, e);
        }
    }

    private UncheckedIOException ioFailure(String message, IOException cause) {
        counters.ioErrors.increment();
        LOG.log(Level.WARNING, message, cause);
        return new UncheckedIOException(message, cause);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("disk store " + directory + " is closed");
        }
    }

    /**
     * Compaction of one sealed segment: copy its live records (and the tombstones still needed) elsewhere, then retire
     * it. A segment whose bytes are all dead (no live record, no tombstone) is retired without a scan. Runs in the
     * calling thread (the compactor's, or a writer's under quota pressure) with the compaction lock held. A transient
     * store's copies go to {@link CompactionOutput} without the writer lock, a persistent store's to the active
     * segment under it, a {@link CopyBatch} at a time.
     */
    private final class Compaction {

        private final Segment segment;
        /** Set for an eviction's second chance ({@link #keepVisited}): copy only records read since their write. */
        private final boolean evicting;
        /** Bytes an eviction may still copy forward. */
        private long budget;
        private boolean sawCorruption;

        Compaction(Segment segment) {
            this(segment, false);
        }

        private Compaction(Segment segment, boolean evicting) {
            this.segment = segment;
            this.evicting = evicting;
            this.budget = evicting && !segment.isProbation() ? config.segmentBytes() / 4 * SECOND_CHANCE_QUARTERS
                    : Long.MAX_VALUE;
        }

        /**
         * An eviction's second chance, before the caller drops {@code segment} (sealed, acquired, compaction lock
         * held): copies forward the records read since they were written, up to three quarters of a segment of them, as
         * a compaction copies live ones (so a persistent store keeps a key's records in write order, and a crash before
         * the segment's file is deleted recovers a copy beside its original, equal sequences, as after a compaction).
         * Each copy starts unvisited: it must be read again to survive the next eviction. Expired records and
         * tombstones are not copied (nothing is older than the oldest segment). A failure to scan or copy only means
         * fewer records kept. Each copy counts in {@code secondChances}. No scan at all when no record of the segment
         * can carry the bit ({@link Segment#maybeVisited()}): a store nobody reads evicts with one scan of the segment,
         * not two.
         */
        void keepVisited() {
            if (!segment.maybeVisited()) {
                return;                                    // no record here was read since it was written
            }
            try (SegmentScanner scanner = new SegmentScanner(segment);
                 CopyBatch batch = config.persistent() ? new CopyBatch() : null) {
                copyLiveRecords(scanner, batch);
            } catch (IOException e) {
                counters.ioErrors.increment();
                LOG.log(Level.WARNING, "could not scan " + segment.path() + " for entries to keep; evicting it whole",
                        e);
            } catch (UncheckedIOException e) {
                LOG.log(Level.WARNING, "could not copy the read entries of " + segment.path() + " forward", e);
            }
        }

        void run() {
            if (segment.isRetired()) {                     // evicted (or cleared) after it was queued
                return;
            }
            DiskEvents.Compaction event = new DiskEvents.Compaction();
            event.begin();
            long reclaimable = segment.reclaimableBytes();
            boolean freed = compact();
            if (event.shouldCommit()) {
                event.store = directory.toString();
                event.segment = segment.id();
                event.payloadBytes = segment.payloadBytes();
                event.reclaimableBytes = reclaimable;
                event.completed = freed;
                event.commit();
            }
        }

        /** {@return whether the segment was freed} If not, it may be queued again. */
        private boolean compact() {
            if (segment.deadBytes() >= segment.payloadBytes()) {
                finish();
                return true;
            }
            if (!segment.tryAcquire()) {
                return false;
            }
            boolean complete = false;
            try (SegmentScanner scanner = new SegmentScanner(segment);
                 CopyBatch batch = config.persistent() ? new CopyBatch() : null) {
                complete = copyLiveRecords(scanner, batch);
            } catch (IOException e) {
                counters.ioErrors.increment();
                LOG.log(Level.WARNING, "compaction of " + segment.path() + " failed; will retry", e);
            } catch (UncheckedIOException e) {
                LOG.log(Level.WARNING, "compaction of " + segment.path() + " stopped; will retry", e);
            } finally {
                segment.release();
            }
            if (complete) {
                finish();
            } else {
                segment.unclaimCompaction();
            }
            return complete;
        }

        /** {@return {@code false} if compaction must stop (store closed or cleared)} */
        private boolean copyLiveRecords(SegmentScanner scanner, CopyBatch batch) throws IOException {
            for (;;) {
                switch (scanner.next()) {
                    case RECORD -> {
                        if (!copyIfLive(scanner, batch)) {
                            return false;
                        }
                    }
                    case CORRUPT -> {
                        counters.corruptRecords.increment();
                        sawCorruption = true;
                    }
                    case TORN_TAIL, GARBAGE, REUSED_END -> {  // within a segment's length: corrupt bytes
                        counters.corruptRecords.increment();
                        sawCorruption = true;
                        return flush(batch);
                    }
                    case END -> {
                        return flush(batch);
                    }
                }
            }
        }

        /**
         * Copies the scanner's record if it is live (or a tombstone still needed): a transient store's aside at once,
         * a persistent store's into {@code batch}, flushed when full.
         *
         * @return {@code false} if compaction must stop (store closed or cleared)
         */
        private boolean copyIfLive(SegmentScanner scanner, CopyBatch batch) {
            MemorySegment record = scanner.record();
            MemorySegment key = record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record));
            if (!isToCopy(key, record, scanner.offset())) {
                return true;
            }
            if (evicting) {
                if (hasExpired(record) || scanner.recordBytes() > budget) {
                    return true;                       // left for the eviction to drop
                }
                budget -= scanner.recordBytes();
            }
            if (batch == null) {
                return copyAside(key, record, scanner.offset(), scanner.recordBytes());
            }
            if (!RecordFormat.isTombstone(record) && hasExpired(record)) {
                return dropExpired(key, record, scanner.offset(), batch);
            }
            return addToBatch(record, scanner.offset(), batch);
        }

        /**
         * Adds a record to copy to a persistent store's {@code batch}, flushing it first if full.
         *
         * @return {@code false} if compaction must stop (store closed or cleared)
         */
        private boolean addToBatch(MemorySegment record, long offset, CopyBatch batch) {
            int recordBytes = (int) record.byteSize();
            if (!batch.hasRoomFor(recordBytes) && !flush(batch)) {
                return false;
            }
            if (!batch.hasRoomFor(recordBytes)) {                     // larger than a batch: one of its own
                try (CopyBatch alone = CopyBatch.of(record, offset)) {
                    return flush(alone);
                }
            }
            batch.add(record, offset);
            return true;
        }

        /**
         * A persistent store's expired record, the key's current one: the key leaves the index (compare-and-remove: a
         * write racing with it wins) and, while a segment older than this one may still hold an earlier record of
         * the key, a tombstone with the expired record's sequence goes into the batch in its place. Without it that
         * earlier record, whose own deadline may be later (a time to live per entry), would come back on recovery.
         * A crash before the segment is retired may recover the expired record itself beside its tombstone, as a
         * copy is recovered beside its original: either way the key has no live value.
         *
         * @return {@code false} if compaction must stop (store closed or cleared)
         */
        private boolean dropExpired(MemorySegment key, MemorySegment record, long offset, CopyBatch batch) {
            Location current = index.get(key);
            if (!isAt(current, offset) || !index.remove(key, current)) {
                return true;
            }
            markDead(current);
            counters.expiredRecords.increment();
            reportDropped(key, record, true);
            if (!isTombstoneNeeded(key)) {
                return true;
            }
            return addToBatch(tombstone(key, RecordFormat.sequence(record), segment.crcMask()), offset, batch);
        }

        /** {@return a tombstone of {@code key} with {@code sequence}, its CRC under {@code crcMask}} */
        private static MemorySegment tombstone(MemorySegment key, long sequence, int crcMask) {
            MemorySegment tombstone = MemorySegment.ofArray(new byte[RecordFormat.recordBytes(key.byteSize(), 0)]);
            RecordFormat.writeRecordHeader(tombstone, RecordFormat.FLAG_TOMBSTONE, (int) key.byteSize(), 0, sequence);
            MemorySegment.copy(key, 0, tombstone, RecordFormat.HEADER_BYTES, key.byteSize());
            RecordFormat.sealCrc(tombstone, crcMask);
            return tombstone;
        }

        /**
         * {@return whether the record at {@code offset} is to copy: the key's current one or a needed tombstone; for
         * an eviction, the key's current one if read since it was written}
         */
        private boolean isToCopy(MemorySegment key, MemorySegment record, long offset) {
            if (evicting) {
                DiskIndex.Hit hit = RecordFormat.isTombstone(record) ? null : index.visit(key, false);
                return hit != null && hit.visited() && isAt(hit.location(), offset);
            }
            return RecordFormat.isTombstone(record) ? isTombstoneNeeded(key) : isCurrent(key, offset);
        }

        /**
         * A persistent store's copies: under the writer lock, keeps the batch's records still to copy (a write or
         * removal since they were read wins) and appends them to the active segment, one write per run that fits it,
         * so a key's records stay in segments in write order (see {@link #copyAside}). Empties the batch.
         *
         * @return {@code false} if compaction must stop (store closed or cleared)
         */
        private boolean flush(CopyBatch batch) {
            if (batch == null || batch.count() == 0) {
                return true;
            }
            writeLock.lock();
            try {
                if (closed || segment.isRetired()) {
                    return false;
                }
                batch.retainIf(i -> isToCopy(batch.key(i), batch.record(i), batch.sourceOffset(i)));
                appendBatchLocked(batch);
                return true;
            } finally {
                writeLock.unlock();
                batch.clear();
            }
        }

        /**
         * Appends the batch's records to the segment open for their log (rolling as needed) and installs them. Writer
         * lock held. A compaction's copies stay in the log of the segment compacted, an eviction's go to the main
         * log; those leaving the probation log take new sequences, see {@link #moveOutOfProbation}.
         */
        private void appendBatchLocked(CopyBatch batch) {
            boolean probation = segment.isProbation() && !evicting;
            int first = 0;
            while (first < batch.count()) {
                makeRoom(batch.length(first), true, probation);
                Segment target = probation ? probationActive : active;
                long room = config.segmentBytes() - target.length() - batch.length(first);
                int end = first + 1;
                for (; end < batch.count() && batch.length(end) <= room; end++) {
                    room -= batch.length(end);
                }
                MemorySegment run = batch.records(first, end);
                quota.forceReserve(run.byteSize() - batch.length(first));
                long firstSequence = nextSequence;
                for (int i = first; i < end; i++) {
                    if (evicting && segment.isProbation()) {
                        moveOutOfProbation(batch.record(i), target);
                    } else {
                        RecordFormat.remask(batch.record(i), segment.crcMask(), target.crcMask());
                    }
                }
                long at;
                try {
                    at = writeAt(target, (int) run.byteSize(), end - first, (w, channel, position, mask, marker) ->
                            w.writeVerbatim(channel, position, run, mask, marker), null);
                } catch (UncheckedIOException e) {
                    nextSequence = firstSequence;          // none written: the files' highest stays next - 1
                    throw e;
                }
                for (int i = first; i < end; i++) {
                    noteRecordDeadline(target, batch.record(i));
                    installCopy(batch, i, target, at + batch.start(i) - batch.start(first));
                }
                first = end;
            }
        }

        /**
         * Gives a record a persistent store moves from its probation log to its main log a new sequence, as a write
         * would: the two logs interleave, so the copy may land in a segment older than its original's, and a crash
         * before the original's file is deleted must still settle the key on the copy. With equal sequences a restart
         * could keep the original, in the probation log, and leave the copy as a dead record of the key in the main
         * log, with no tombstone over it: a later eviction of the key from the probation log would let a scan bring
         * that older value back. Writer lock held.
         */
        private void moveOutOfProbation(MemorySegment record, Segment target) {
            long sequence = nextSequence;
            RecordFormat.resequence(record, sequence, target.crcMask());
            takeSequence(sequence);
        }

        private void installCopy(CopyBatch batch, int i, Segment target, long offset) {
            MemorySegment record = batch.record(i);
            if (RecordFormat.isTombstone(record)) {
                return;
            }
            int recordBytes = (int) record.byteSize();
            install(batch.key(i), new Location(segment, batch.sourceOffset(i), recordBytes),
                    new Location(target, offset, recordBytes));
        }

        /**
         * A transient store's copy: written to the compactor's own segment without the writer lock (writes never wait
         * for a compaction), then swapped in by compare-and-set, so a write or removal racing with the copy wins and
         * leaves the copy dead. A persistent store cannot do this: a tombstone is dropped once no segment older than
         * its own is left, which is safe only while a key's records lie in the segments of its log in the order they
         * were written. A copy in a second segment appended alongside that log's open one breaks that order: a removed
         * key's old copy could outlive its tombstone and come back on recovery. A record whose value has expired
         * ({@link #dropExpiredWhenCompacting}) is dropped instead of copied.
         *
         * @return {@code false} if compaction must stop (store closed or cleared)
         */
        private boolean copyAside(MemorySegment key, MemorySegment record, long offset, int recordBytes) {
            Location current = index.get(key);
            if (closed || segment.isRetired()) {
                return false;
            }
            if (!isAt(current, offset)) {
                return true;
            }
            if (hasExpired(record)) {
                if (index.remove(key, current)) {
                    markDead(current);
                    counters.expiredRecords.increment();
                    reportDropped(key, record, true);
                }
                return true;
            }
            CompactionOutput output = segment.isProbation() && !evicting ? probationCopies : copies;
            Location copy = output.append(record, recordBytes, segment.crcMask());
            if (copy == null) {
                return false;
            }
            noteRecordDeadline(copy.segment(), record);
            install(key, current, copy);
            return true;
        }

        private void install(MemorySegment key, Location current, Location copy) {
            if (!evicting) {
                copy.segment().noteVisited();             // the copy keeps the record's visited bit, if it had one
            }
            if (!index.replace(key, current, copy, !evicting)) {
                copy.segment().addDeadBytes(copy.recordBytes());
                queueIfCompactionDue(copy.segment());
            } else if (evicting) {
                counters.secondChances.increment();
            }
        }

        /** {@return whether the store's expiry test says the value of {@code record}, a live one, has expired} */
        private boolean hasExpired(MemorySegment record) {
            Predicate<MemorySegment> expired = expiredValue;
            if (expired == null) {
                return false;
            }
            return expired.test(RecordFormat.value(record));
        }

        private boolean isCurrent(MemorySegment key, long offset) {
            return index.isCurrent(key, segment, offset);
        }

        private boolean isAt(Location location, long offset) {
            return location != null && location.segment() == segment && location.offset() == offset;
        }

        /** A tombstone matters while the key is absent and an older segment may still hold a record it shadows. */
        private boolean isTombstoneNeeded(MemorySegment key) {
            Map.Entry<Long, Segment> oldest = segments.firstEntry();
            return oldest != null && oldest.getValue() != segment && !index.containsKey(key);
        }

        private void finish() {
            writeLock.lock();
            try {
                if (closed || segment.isRetired()) {
                    return;
                }
                if (sawCorruption) {
                    dropEntriesStillIn(segment);
                }
                segments.remove(segment.id(), segment);
                retireCompacted(segment);
                counters.compactions.increment();
            } finally {
                writeLock.unlock();
            }
        }

        /** After corrupt bytes were skipped, index entries may still point into the segment; they are lost. */
        private void dropEntriesStillIn(Segment doomed) {
            index.removeAll(segment -> segment == doomed, DiskStore.this::markDead);
        }
    }

    /**
     * The segment a transient store's compactions copy live records into, apart from the active segment that writes
     * append to (which also keeps long-lived records together, away from the churn of new writes). Used by one
     * compaction at a time, with the compaction lock held; appends to it take no writer lock, which guards only the
     * creation of the next one. A full one is sealed and compacted in its turn like any other. There are two, one per
     * log: records compacted out of a probation segment stay in probation (an eviction's second chances go to the main
     * log's).
     */
    private final class CompactionOutput {

        /** Whether its segments belong to the probation log. */
        private final boolean probation;
        private Segment target;
        /** Where its copies gather ({@link AppendBuffer}), made with its first segment; null for a persistent store. */
        private AppendBuffer tail;

        CompactionOutput(boolean probation) {
            this.probation = probation;
        }

        /**
         * Copies {@code record}, whose CRC is under {@code crcMask}, re-masking it for the segment it goes to.
         * {@return where it was copied, or {@code null} if the store was closed or cleared meanwhile}
         */
        Location append(MemorySegment record, int recordBytes, int crcMask) {
            Segment segment = needsNewSegment(target, recordBytes) ? roll() : target;
            if (segment == null || !segment.tryAcquire()) {
                return null;
            }
            try {
                quota.forceReserve(recordBytes);
                RecordFormat.remask(record, crcMask, segment.crcMask());
                long at = writeAt(segment, recordBytes, 1, (unused, channel, position, mask, noMarker) ->
                        Segment.writeFully(channel, record.asByteBuffer(), position),   // not the writers' buffer
                        (copy, unusedMask) -> MemorySegment.copy(record, 0, copy, 0, recordBytes));
                return new Location(segment, at, recordBytes);
            } finally {
                segment.release();
            }
        }

        /** Seals the output if {@code sealing} picks it, so that it can be compacted; writer lock held. */
        void sealIf(Predicate<Segment> sealing) {
            if (target != null && !target.isSealed() && sealing.test(target)) {
                seal(target);
            }
        }

        /** Starts the next output segment, sealing and queueing the full one; {@code null} if the store closed. */
        private Segment roll() {
            writeLock.lock();
            try {
                if (closed) {
                    return null;
                }
                quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
                try {
                    tail = tail != null ? tail : newTail();
                    target = newSegment(target, probation, tail);
                } catch (IOException e) {
                    quota.release(RecordFormat.SEGMENT_HEADER_BYTES);
                    throw ioFailure("could not create segment " + (nextSegmentId - 1) + " in " + directory, e);
                }
                return target;
            } finally {
                writeLock.unlock();
            }
        }
    }
}
