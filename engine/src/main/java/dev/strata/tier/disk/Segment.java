package dev.strata.tier.disk;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file: an append-only run of records behind a {@link RecordFormat segment header}.
 *
 * <p>Lifetime: the store holds one reference from creation until it {@linkplain #retire retires} the segment
 * (after compaction, eviction, {@code clear()} or {@code close()}); every reader holds one more for the duration of a
 * read ({@link #tryAcquire()} / {@link #release()}). A segment retired to be deleted leaves the directory at once
 * ({@link #unlink()}): readers in flight go on reading through the open channel (POSIX unlink semantics), and no
 * crash can bring the file back after the store dropped it. Whoever drops the last reference closes the channel and
 * returns the file's bytes to the {@link DiskQuota} (they stay on the device until then), exactly once; so a file is
 * never closed under a reader, and a reader that fails to acquire knows the segment is gone and must look the key up
 * again.
 *
 * <p>Interrupts: an interrupt during {@code FileChannel} I/O closes the channel for every thread using it. All I/O goes
 * through {@link #io}, which holds the caller's interrupt status back while it runs (and gives it back afterwards), so
 * an interrupted caller reads and writes as any other; if an interrupt arrives during the I/O and closes the channel,
 * it reopens the channel and repeats the (positional, hence idempotent) operation once, so one interrupted reader
 * cannot take a segment away from the others. So do a segment's creation, a spare's reuse, the opening for recovery,
 * the directory's force and the store's directory lock ({@link DirectoryLock}), on channels of the caller's own
 * ({@link #holdingInterrupt}): an interrupted thread's put that starts a segment succeeds as any other. An unlinked
 * file cannot be reopened: there the I/O fails with the {@link ClosedChannelException}, and the reader, finding the
 * segment retired, looks the key up again.
 *
 * <p><b>Mapped reads.</b> A sealed segment never changes again, so once it has served a number of point reads
 * ({@link #readMapping}; {@value SegmentMaps#DEFAULT_READS_BEFORE_MAPPING} by default) the next maps the file
 * read-only, in an arena of its own, and from then on reads are copies out of the page cache with no system call.
 * Scans, which read a segment once (and usually just before it is retired), do not map it. Whoever drops the last
 * reference unmaps it, so no reader holding a reference can see the mapping go.
 * Mapped bytes are touched only by that copy ({@link MemorySegment#copy}), which the JVM guards: if the file's
 * storage fails, or the file is cut short behind the store's back, the access fails with an {@link InternalError}
 * that the read reports as an {@link IOException}, where an unguarded access (a checksum computed in place, say)
 * could bring the JVM down. The copy also means a record is verified and decoded from the same bytes. A segment
 * still appended to is read with positional reads, and so is every sealed one when mapping fails or the
 * process-wide bound on mappings ({@link SegmentMaps}) is reached. A transient store's segment still appended to
 * holds its newest records in an {@link AppendBuffer} until they fill it; every read looks there first.
 *
 * <p><b>Reused files.</b> A store writes a new segment into a spare file of a retired one ({@link SpareFiles}) when
 * it has one. Such a file is longer than the new segment's {@link #length()}: the bytes beyond it, the old segment's
 * records, are its slack. They stay reserved in the quota until appends overwrite them (each append's own
 * reservation then replaces the slack it covers), so {@link #fileBytes()}, length plus slack, is always the file's
 * size and what the segment holds in the quota. Nothing reads past {@link #length()} while the store is open; after
 * a restart, recovery stops at the segment's end marker or at the first old record, which fails the segment's {@link
 * #crcMask() CRC mask}. A segment retired to be a spare leaves the segment names at once (renamed to a spare's name,
 * which a store deletes when it opens), so no crash can bring its records back; when the last reference goes, the
 * file becomes a spare if its store still wants one, and is deleted if not.
 *
 * <p>Concurrency: {@link #length()} and {@link #isSealed()} change only under the store's writer lock and are
 * volatile for lock-free readers; reads (positional, or out of the mapping) need no lock; dead-byte accounting is
 * atomic; the mapping is made and dropped under this object's monitor and published through a volatile field.
 */
final class Segment {

    private static final System.Logger LOG = System.getLogger(Segment.class.getName());
    private static final Pattern FILE_NAME = Pattern.compile("segment-(\\d{6,18})\\.data");

    private final long id;
    /** The file's name: its segment name, or a spare's once retired to the spares. */
    private volatile Path path;
    /**
     * What the records' CRCs are XORed with ({@link RecordFormat#crcMask}); set when created, or by recovery from the
     * header before the segment is shared.
     */
    private int crcMask;
    /** Whether the file is of {@link RecordFormat#SEGMENT_VERSION} (masked CRCs), not of the unmasked version 1. */
    private boolean masked;
    private volatile FileChannel channel;
    private final DiskQuota quota;
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicLong deadBytes = new AtomicLong();
    /**
     * Whether a record here may carry the index's visited bit: set when a read marks one, and when a compaction copies
     * records here with their bits. Clear, an eviction's second chance has nothing to keep and skips its scan.
     */
    private volatile boolean maybeVisited;
    private final AtomicBoolean retired = new AtomicBoolean();
    private final AtomicBoolean compactionQueued = new AtomicBoolean();
    private volatile long length;
    /** Bytes of the file past {@link #length}, left by a previous segment; changes with length. */
    private volatile long slack;
    /** Where the file goes when the last reference does, or null to delete it (see {@link #retireToSpares}). */
    private volatile SpareFiles keepAsSpare;
    private volatile boolean sealed;
    /**
     * Whether the segment belongs to the store's probation log ({@link DiskStore}'s eviction), as its header's flag
     * says. Set when the segment is created or recovered, before it is published in the store's segment map, never
     * changed.
     */
    private boolean probation;
    private volatile boolean deleteWhenReleased;
    /** Set once the file is deleted from the directory; guarded by this object's monitor. */
    private boolean unlinked;
    /** The sealed file mapped read-only, or null: not sealed, not asked for yet, refused, or unmapped. */
    private volatile MemorySegment mapped;
    /** The mapping's arena; guarded by this object's monitor. */
    private Arena mapping;
    /** Set once a mapping was tried (made or refused): never tried twice; guarded by this object's monitor. */
    private boolean mapTried;
    private volatile SegmentMaps maps = SegmentMaps.SHARED;
    /** The buffer this segment's newest records wait in ({@link AppendBuffer}), or null: all are in the file. */
    private volatile AppendBuffer tail;
    /**
     * Point reads of this sealed segment before it was mapped; counted without synchronization, so racing readers
     * may lose counts (the mapping then comes a few reads later).
     */
    private int unmappedReads;
    /**
     * The bytes of the value records appended here by deadline, in a store that tracks deadlines
     * ({@link DiskStoreConfig#deadlines}); filled by the segment's one appender at a time (the store's writer lock, the
     * compactor writing its own copies, or the one thread scanning it at open).
     */
    private final DeadlineHistogram deadlineBytes = new DeadlineHistogram();
    /**
     * Whether {@link #deadlineBytes} covers every value record here: false for a segment reopened by a store that does
     * not track deadlines, or named by a snapshot of one. Set before the segment is published, never changed.
     */
    private boolean deadlinesKnown = true;
    /**
     * The bytes of records here whose values had expired when the expiry sweeper last looked ({@link
     * #noteExpiredBytes}), at least: those of the {@link #deadlineBytes} buckets past their deadline. Expiry only ever
     * grows, so an older figure is still a lower bound.
     */
    private volatile long expiredBytes;

    private Segment(long id, Path path, FileChannel channel, long length, long slack, DiskQuota quota) {
        this.id = id;
        this.path = path;
        this.crcMask = RecordFormat.crcMask(id);
        this.masked = true;
        this.channel = channel;
        this.length = length;
        this.slack = slack;
        this.quota = quota;
    }

    /** {@return the file name of segment {@code id}} */
    static String fileName(long id) {
        return String.format("segment-%06d.data", id);
    }

    /** {@return the segment id encoded in {@code fileName}, or -1 if it is not a segment file name} */
    static long idOf(String fileName) {
        Matcher m = FILE_NAME.matcher(fileName);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Creates a new segment file with its header, flagged as the probation log's if {@code probation}. The caller
     * has reserved {@link RecordFormat#SEGMENT_HEADER_BYTES} in {@code quota}; from now on the segment owns that
     * reservation.
     */
    static Segment create(Path directory, long id, boolean probation, DiskQuota quota, boolean fsync)
            throws IOException {
        Segment segment = holdingInterrupt(() -> createFile(directory, id, probation, quota, fsync));
        segment.probation = probation;
        return segment;
    }

    private static Segment createFile(Path directory, long id, boolean probation, DiskQuota quota, boolean fsync)
            throws IOException {
        Path path = directory.resolve(fileName(id));
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            writeHeader(channel, id, probation);
            if (fsync) {
                channel.force(true);
                forceDirectory(directory);             // the new file's name must survive a power loss too
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            Files.deleteIfExists(path);
            throw e;
        }
        return new Segment(id, path, channel, RecordFormat.SEGMENT_HEADER_BYTES, 0, quota);
    }

    /**
     * Creates a new segment in the file of {@code spare}, of the probation log if {@code probation}, whose bytes stay
     * reserved in {@code quota} and pass to the segment. The caller has reserved {@link
     * RecordFormat#SEGMENT_HEADER_BYTES} as for {@link #create}; that reservation is released, since the header
     * overwrites the spare's first bytes. The header is written (and forced, with {@code fsync}) while the file still
     * has its spare's name, and only then is the file renamed: a crash before the rename leaves a spare, which the
     * store deletes when it opens, and after it a segment whose old records fail its CRC mask.
     *
     * @throws IOException if the spare is shorter than a header, or could not be opened, written or renamed; it is
     *     then under its spare name, for the caller to discard
     */
    static Segment reuse(Path directory, long id, boolean probation, DiskQuota quota, SpareFiles.Spare spare,
                         boolean fsync) throws IOException {
        Segment segment = holdingInterrupt(() -> reuseFile(directory, id, probation, quota, spare, fsync));
        segment.probation = probation;
        return segment;
    }

    private static Segment reuseFile(Path directory, long id, boolean probation, DiskQuota quota,
                                     SpareFiles.Spare spare, boolean fsync) throws IOException {
        long header = RecordFormat.SEGMENT_HEADER_BYTES;
        if (spare.bytes() < header) {
            throw new IOException("spare " + spare.path() + " of " + spare.bytes() + " bytes is shorter than a header");
        }
        Path path = directory.resolve(fileName(id));
        FileChannel channel = FileChannel.open(spare.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            writeHeader(channel, id, probation);
            if (fsync) {
                channel.force(true);
            }
            Files.move(spare.path(), path);
            if (fsync) {
                forceDirectory(directory);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            if (Files.exists(path) && !Files.exists(spare.path())) {
                Files.move(path, spare.path());
            }
            throw e;
        }
        quota.release(header);
        return new Segment(id, path, channel, header, spare.bytes() - header, quota);
    }

    private static void writeHeader(FileChannel channel, long id, boolean probation) throws IOException {
        byte[] header = new byte[RecordFormat.SEGMENT_HEADER_BYTES];
        RecordFormat.writeSegmentHeader(MemorySegment.ofArray(header), id, probation);
        writeFully(channel, ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN), 0);
    }

    /** Forces {@code directory}'s entries (files created or deleted in it) to the device. */
    static void forceDirectory(Path directory) throws IOException {
        holdingInterrupt(() -> {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
            return null;
        });
    }

    /**
     * Opens an existing file for recovery; the caller validates the header, hands it to {@link #recoverHeader} and
     * charges {@code quota}.
     */
    static Segment open(Path path, long id, DiskQuota quota) throws IOException {
        return holdingInterrupt(() -> {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                Segment segment = new Segment(id, path, channel, channel.size(), 0, quota);
                segment.deadlinesKnown = false;            // its records' deadlines not seen yet: recoverDeadlines
                return segment;
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
        });
    }

    /** I/O on a channel of the caller's own, which an interrupt would close. */
    @FunctionalInterface
    interface OwnChannelWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} with the calling thread's interrupt status cleared, and sets it again afterwards if it was set
     * before or got set meanwhile; an interrupt that arrives during the work and closes its channel makes it run once
     * more. The work must undo what it did when it throws (a created file deleted, a spare given its name back).
     */
    static <T> T holdingInterrupt(OwnChannelWork<T> work) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            try {
                return work.run();
            } catch (ClosedByInterruptException e) {
                interrupted |= Thread.interrupted();
                return work.run();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    long id() {
        return id;
    }

    /** {@return what this segment's records' CRCs are XORed with; 0 for a file of the unmasked version 1} */
    int crcMask() {
        return crcMask;
    }

    /**
     * {@return whether this segment's file may hold an earlier segment's bytes past its records: a file of version 2,
     * which a store may have reused ({@link SpareFiles}); never one of version 1}
     */
    boolean mayReuseFile() {
        return masked;
    }

    /**
     * {@return whether {@code record}, which failed its CRC here, is a record of an earlier segment whose file this
     * one reuses ({@link RecordFormat#isEarlierSegmentRecord}); never for a file of version 1, which no store reused}
     */
    boolean isEarlierSegmentRecord(MemorySegment record) {
        return masked && RecordFormat.isEarlierSegmentRecord(record, id);
    }

    /**
     * {@return whether {@code bytes} (a header's worth, or what is left of the file) are the start of this segment's
     * end marker ({@link RecordFormat#writeEndMarker}); never for a file of version 1}
     */
    boolean isEndMarker(MemorySegment bytes) {
        return masked && RecordFormat.isEndMarker(bytes, crcMask);
    }

    /**
     * {@return how many bytes of an end marker to write after an append of {@code bytes} at {@link #length()}: up to
     * {@link RecordFormat#HEADER_BYTES}, as many as the slack past the append holds; 0 when no slack is left} Writer
     * lock held.
     */
    int endMarkerBytesAfter(long bytes) {
        return (int) Math.max(0, Math.min(RecordFormat.HEADER_BYTES, slack - bytes));
    }

    /**
     * Cuts the slack off the file, if it has any: for a persistent store's segment that is sealed or closed, so that
     * no restart reads past its records into an older segment's. Writer lock held.
     *
     * @throws IOException if the file could not be cut; it keeps its slack (and its end marker)
     */
    void dropSlack() throws IOException {
        if (slack > 0) {
            truncate(length);
        }
    }

    /**
     * Takes the CRC mask from the file's valid {@code header} (recovery, before the segment is shared: the store is
     * published after recovery's threads ended).
     */
    void recoverHeader(MemorySegment header) {
        crcMask = RecordFormat.crcMaskOf(header);
        masked = RecordFormat.isMasked(header);
        probation = RecordFormat.isProbationSegment(header);
    }

    Path path() {
        return path;
    }

    /** An I/O operation on this segment's channel. */
    @FunctionalInterface
    interface ChannelAction {
        void run(FileChannel channel) throws IOException;
    }

    /**
     * Runs {@code action} on the channel with the caller's interrupt status held back, so that an interrupted caller
     * does not close the channel under the other threads; if an interrupt arriving meanwhile (here or in another
     * thread) closed it, reopens it and runs {@code action} once more (see the class description). The status is given
     * back afterwards. The caller holds a reference or the writer lock.
     */
    void io(ChannelAction action) throws IOException {
        boolean interrupted = Thread.interrupted();
        FileChannel used = channel;
        try {
            action.run(used);
        } catch (ClosedChannelException e) {
            interrupted |= Thread.interrupted();
            action.run(reopen(used, e));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized FileChannel reopen(FileChannel broken, ClosedChannelException cause) throws IOException {
        if (references.get() == 0 || unlinked) {
            throw cause;
        }
        if (channel == broken && !broken.isOpen()) {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    /**
     * {@return the bytes of this segment that belong to the store: header plus complete records, the newest of which
     * may still wait in its append buffer}
     */
    long length() {
        return length;
    }

    /** {@return whether the segment belongs to the store's probation log} */
    boolean isProbation() {
        return probation;
    }

    /** {@return the bytes after the header} */
    long payloadBytes() {
        return length - RecordFormat.SEGMENT_HEADER_BYTES;
    }

    /**
     * {@return the bytes of the file, which the segment holds in the quota: its length plus the slack a reused file
     * keeps past it}
     */
    long fileBytes() {
        return length + slack;
    }

    /**
     * Grows the valid length after a successful append, whose bytes the caller reserved; writer lock held. An append
     * over slack releases the slack it covered, which its own reservation replaces.
     */
    void advance(long bytes) {
        long covered = Math.min(slack, bytes);
        length += bytes;
        if (covered > 0) {
            slack -= covered;
            quota.release(covered);
        }
    }

    /**
     * Cuts the file to {@code newLength}: to drop a torn tail found by recovery (bytes below {@link #length()} are
     * returned to the quota), or to roll back a failed append (at {@link #length()}, which the append never
     * advanced).
     */
    void truncate(long newLength) throws IOException {
        io(ch -> ch.truncate(newLength));
        long dropped = length - newLength + slack;
        if (length > newLength) {
            length = newLength;
        }
        slack = 0;
        if (dropped > 0) {
            quota.release(dropped);
        }
    }

    boolean isSealed() {
        return sealed;
    }

    /** Marks the segment as never appended to again; writer lock held. */
    void seal() {
        sealed = true;
    }

    long deadBytes() {
        return deadBytes.get();
    }

    void addDeadBytes(long bytes) {
        deadBytes.addAndGet(bytes);
    }

    /** Notes that a record here may be marked visited (see {@link #maybeVisited()}). */
    void noteVisited() {
        if (!maybeVisited) {
            maybeVisited = true;
        }
    }

    /** {@return whether a record here may carry the visited bit; false means none does} */
    boolean maybeVisited() {
        return maybeVisited;
    }

    /**
     * {@return whether this sealed segment's reclaimable fraction ({@link #reclaimableBytes()} of its payload) reached
     * {@code threshold}}
     */
    boolean isCompactionDue(double threshold) {
        long payload = payloadBytes();
        return sealed && payload > 0 && reclaimableBytes() >= threshold * payload;
    }

    /**
     * {@return the bytes a compaction of this segment would free at least: its dead bytes, or the bytes of its records
     * the expiry sweeper last found expired, whichever is more} Not their sum, as a record may be both.
     */
    long reclaimableBytes() {
        return Math.max(deadBytes.get(), expiredBytes);
    }

    /**
     * Notes that a record of {@code recordBytes} whose value expires at {@code deadline} was appended here: counts its
     * bytes by deadline. Appender only.
     */
    void noteDeadline(long deadline, int recordBytes) {
        deadlineBytes.add(deadline, recordBytes);
    }

    /**
     * {@link #noteDeadline(long, int) Notes} the deadline of {@code record}'s value, read by {@code deadlineOf}, unless
     * it is a tombstone (which has none). Appender only.
     */
    void noteDeadlineOf(MemorySegment record, ToLongFunction<MemorySegment> deadlineOf) {
        if (!RecordFormat.isTombstone(record)) {
            int keyBytes = RecordFormat.keyBytes(record);
            int valueBytes = RecordFormat.valueBytes(record);
            long deadline = deadlineOf.applyAsLong(record.asSlice(RecordFormat.HEADER_BYTES + keyBytes, valueBytes)
                    .asReadOnly());
            noteDeadline(deadline, RecordFormat.recordBytes(keyBytes, valueBytes));
        }
    }

    /**
     * Makes a segment reopened from its file, before it is published, know its deadlines: a scan is about to note its
     * records', or a snapshot of a store that tracks them named it (whose buckets then {@linkplain
     * #recoverDeadlineBytes come back}).
     */
    void recoverDeadlines() {
        deadlinesKnown = true;
    }

    /** Restores a bucket of {@link #deadlineBytes()} as a snapshot names it, in deadline order, before publication. */
    void recoverDeadlineBytes(long earliest, long latest, long bytes) {
        deadlineBytes.restore(earliest, latest, bytes);
    }

    /**
     * {@return the latest deadline of the value records appended here: {@link Long#MIN_VALUE} while it holds none,
     * {@link Long#MAX_VALUE} when not known} Read it once the segment is sealed, or as its appender.
     */
    long latestDeadline() {
        return deadlinesKnown ? deadlineBytes.latest() : Long.MAX_VALUE;
    }

    /**
     * {@return the bytes of the value records appended here by deadline} Read it once the segment is sealed, or as its
     * appender ({@link DeadlineHistogram}).
     */
    DeadlineHistogram deadlineBytes() {
        return deadlineBytes;
    }

    /**
     * Notes the bytes of the records here whose deadline {@code expired} says has passed, as far as the sealed
     * segment's {@link #deadlineBytes()} tell: what {@link #reclaimableBytes()} counts from now on. The expiry sweep's;
     * {@code expired} must hold for every deadline before one it holds for. Does nothing to a segment not sealed,
     * whose buckets its appender may be changing.
     */
    void noteExpiredBytes(LongPredicate expired) {
        if (sealed) {
            expiredBytes = deadlineBytes.bytesExpired(expired);
        }
    }

    /** {@return {@code true} once: claims the right to queue this segment for compaction} */
    boolean claimCompaction() {
        return compactionQueued.compareAndSet(false, true);
    }

    /** Allows the segment to be queued again (after a compaction attempt that could not finish). */
    void unclaimCompaction() {
        compactionQueued.set(false);
    }

    boolean isRetired() {
        return retired.get();
    }

    /** {@return whether a reference was taken; {@code false} once the segment is retired and released} */
    boolean tryAcquire() {
        int count;
        do {
            count = references.get();
            if (count == 0) {
                return false;
            }
        } while (!references.compareAndSet(count, count + 1));
        return true;
    }

    /** Drops a reference taken by {@link #tryAcquire()}. */
    void release() {
        if (references.decrementAndGet() == 0) {
            dispose();
        }
    }

    /**
     * Drops the store's own reference (idempotent). If {@code deleteFile}, the file leaves the directory now
     * ({@link #unlink()}; if that fails, it is tried again when the last reader leaves). The channel is closed when
     * the last reader leaves, and the file's bytes are returned to the quota then, either way.
     */
    void retire(boolean deleteFile) {
        if (retired.compareAndSet(false, true)) {
            if (deleteFile) {
                deleteWhenReleased = true;
                try {
                    unlink();
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "could not delete segment file " + path + "; will retry when released", e);
                }
            }
            release();
        }
    }

    /**
     * Drops the store's own reference (idempotent), to hand the file to {@code spares} when the last reader leaves.
     * The file takes a spare's name now, so it is no segment of the store's from here on, even after a crash (a store
     * deletes the spares it finds when it opens); readers go on through their channel. If the rename fails, the file
     * is deleted now instead, as {@link #retire retire(true)} does; if {@code spares} does not take it when the last
     * reader leaves, it is deleted then. Either way its bytes go back to the quota when they leave the device.
     */
    void retireToSpares(SpareFiles spares) {
        if (retired.compareAndSet(false, true)) {
            deleteWhenReleased = true;
            if (renameTo(spares.newName())) {
                keepAsSpare = spares;
            } else {
                try {
                    unlink();
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "could not delete segment file " + path + "; will retry when released", e);
                }
            }
            release();
        }
    }

    private synchronized boolean renameTo(Path spareName) {
        try {
            Files.move(path, spareName);
            path = spareName;
            return true;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not rename " + path + " to " + spareName + "; deleting it", e);
            return false;
        }
    }

    /**
     * Deletes the file from the directory now, while the channel stays open for the readers holding references (the
     * bytes stay on the device, and in the quota, until the last reference is dropped). Idempotent.
     *
     * @throws IOException if the file could not be deleted (it stays, and so does the segment)
     */
    synchronized void unlink() throws IOException {
        if (!unlinked) {
            Files.deleteIfExists(path);
            unlinked = true;
        }
    }

    /**
     * {@return this sealed segment's bytes {@code [0, length())}, mapped read-only; null if it is not sealed, has
     * not yet served {@link SegmentMaps#readsBeforeMapping()} reads, or cannot be mapped} The call after those reads
     * maps the file; a mapping that fails is logged and not tried again. The caller holds a reference; the last
     * release unmaps it.
     */
    private MemorySegment mapped() {
        MemorySegment view = mapped;
        if (view != null || !sealed || ++unmappedReads <= maps.readsBeforeMapping()) {
            return view;
        }
        return map();
    }

    /** {@return whether this segment is mapped now} */
    boolean isMapped() {
        return mapped != null;
    }

    /**
     * Makes this segment follow {@code maps} (when to map, and the budget it draws from) instead of
     * {@link SegmentMaps#SHARED}: its store's, which tests may set. Called before the segment is read.
     */
    synchronized void mapWith(SegmentMaps maps) {
        this.maps = maps;
    }

    private synchronized MemorySegment map() {
        if (mapTried || references.get() == 0) {
            return mapped;
        }
        mapTried = true;
        if (!maps.tryReserve()) {
            return null;
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment[] view = new MemorySegment[1];
            long bytes = length;
            io(ch -> view[0] = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena));
            mapping = arena;
            mapped = view[0];
        } catch (IOException | RuntimeException e) {
            arena.close();
            maps.release();
            LOG.log(Level.WARNING, "could not map segment file " + path + "; reading it with positional reads", e);
        }
        return mapped;
    }

    /** Drops the mapping, if any; every reference is gone. */
    private synchronized void unmap() {
        if (mapping != null) {
            mapped = null;
            try {
                mapping.close();
            } catch (IllegalStateException e) {        // not expected: every access holds a reference, none is left
                LOG.log(Level.WARNING, "could not unmap segment file " + path, e);
            }
            mapping = null;
            maps.release();
        }
    }

    /**
     * Reads exactly {@code dst.byteSize()} bytes at {@code position} for a point read, one of many to come: copies out
     * of the mapping of this segment, mapping it first if it is sealed and has served enough reads
     * ({@link #mapped()}); reads positionally before that, and if it cannot be mapped. The caller holds a reference.
     *
     * @throws EOFException if the bytes run past the end of the file (of the mapping: the length at sealing)
     * @throws IOException if the file could not be read; for a mapped segment, the fault the JVM reports as an
     *                     {@link InternalError} when the file's storage fails or the file was cut short
     */
    void readMapping(MemorySegment dst, long position) throws IOException {
        read(dst, position, mapped());
    }

    /**
     * Reads exactly {@code dst.byteSize()} bytes at {@code position}, out of the mapping if this segment has one, but
     * never making one: for a scan that reads the segment once (recovery, compaction, eviction). The caller holds a
     * reference or the writer lock.
     *
     * @throws EOFException if the bytes run past the end of the file
     * @throws IOException if the file could not be read
     */
    void read(MemorySegment dst, long position) throws IOException {
        read(dst, position, mapped);
    }

    private void read(MemorySegment dst, long position, MemorySegment view) throws IOException {
        AppendBuffer buffer = tail;
        if (buffer != null && copiedFrom(buffer, dst, position)) {
            return;
        }
        if (view == null) {
            io(ch -> readFully(ch, dst, position));
            return;
        }
        if (position < 0 || position > view.byteSize() - dst.byteSize()) {
            throw new EOFException(path + ": end of file at " + view.byteSize() + " (expected " + dst.byteSize()
                    + " bytes at " + position + ")");
        }
        try {
            MemorySegment.copy(view, position, dst, 0, dst.byteSize());
        } catch (InternalError e) {                      // a fault in mapped memory, turned into an error by the JVM
            throw new IOException(path + ": could not read " + dst.byteSize() + " mapped bytes at " + position, e);
        }
    }

    /** {@return whether the bytes at {@code position} were in {@code buffer} and copied into {@code dst}} */
    private boolean copiedFrom(AppendBuffer buffer, MemorySegment dst, long position) {
        for (;;) {
            switch (buffer.copy(this, position, dst)) {
                case COPIED -> {
                    return true;
                }
                case IN_FILE -> {
                    return false;
                }
                case AGAIN -> Thread.onSpinWait();
            }
        }
    }

    /** {@return the buffer this segment's newest records wait in, or null} */
    AppendBuffer tail() {
        return tail;
    }

    /** Makes {@code buffer} the one this segment's newest records wait in; {@link AppendBuffer#attach} only. */
    void attachTail(AppendBuffer buffer) {
        tail = buffer;
    }

    /** Forgets {@code buffer}, if it is this segment's; {@link AppendBuffer} only, once it moved on. */
    void detachTail(AppendBuffer buffer) {
        if (tail == buffer) {
            tail = null;
        }
    }

    /** Forces the file's content to the device. */
    void force() throws IOException {
        io(ch -> ch.force(false));
    }

    private void readFully(FileChannel from, MemorySegment dst, long position) throws IOException {
        ByteBuffer buffer = dst.asByteBuffer();
        long at = position;
        while (buffer.hasRemaining()) {
            int n = from.read(buffer, at);
            if (n < 0) {
                throw new EOFException(path + ": end of file at " + at + " (expected " + buffer.remaining() + " more bytes)");
            }
            at += n;
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    @Override
    public String toString() {
        return "Segment[" + path.getFileName() + ", length=" + length + ", dead=" + deadBytes.get()
                + (sealed ? ", sealed" : "") + (retired.get() ? ", retired" : "") + "]";
    }

    private void dispose() {
        unmap();
        closeQuietly(channel);
        SpareFiles spares = keepAsSpare;
        if (spares != null && spares.offer(path, fileBytes())) {
            return;                                    // its bytes stay reserved, for the spare
        }
        if (deleteWhenReleased) {
            try {
                unlink();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not delete segment file " + path, e);
            }
        }
        quota.release(fileBytes());
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not close a segment channel", e);
        }
    }
}
