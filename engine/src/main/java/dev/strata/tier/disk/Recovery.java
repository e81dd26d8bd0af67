package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Rebuilds a store's index from its segment files.
 *
 * <p>For each key the record with the highest sequence wins, a value or a tombstone; a key whose winner is a tombstone
 * is absent, and every value record that does not win counts as dead bytes. That rule does not depend on the order in
 * which records are met (compaction copies keep their sequence and may lie in later files), so the segment files are
 * scanned in parallel, on one thread per processor up to {@value #MAX_THREADS} (threads named
 * {@code strata-disk-recovery-N} that take files from a queue and have ended when {@link #run} returns): each record is
 * settled against its key's entry with one atomic index operation ({@link DiskIndex#settle}), a tombstone standing in
 * the index as a marker until the end. A torn tail is truncated and counted; a corrupt record with plausible lengths
 * is skipped and counted as dead bytes (compaction removes it later); an implausible header drops the rest of its
 * segment. A reused file ({@link SpareFiles}) is cut at its end marker or at the first record of the segment it held
 * before: that is where its segment ended, and nothing is counted. A file with a bad header is deleted. The quota is
 * charged with the size of every file kept, even above its limit: the bytes exist.
 *
 * <p>Runs inside {@code DiskStore.open} before the store is published; {@link #run} returns after its threads ended.
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());
    /** Most threads one recovery starts: past a few, they mostly contend for the index and the memory bus. */
    static final int MAX_THREADS = 8;

    private final DiskIndex index;
    private final NavigableMap<Long, Segment> segments;
    private final StoreCounters counters;
    private final AtomicLong maxSequence = new AtomicLong();
    private long maxSegmentId;
    /** Reads a value's deadline, for each segment to keep its latest; null when the store does not track them. */
    private final ToLongFunction<MemorySegment> deadlineOf;

    Recovery(DiskIndex index, NavigableMap<Long, Segment> segments, StoreCounters counters,
             ToLongFunction<MemorySegment> deadlineOf) {
        this.index = index;
        this.segments = segments;
        this.counters = counters;
        this.deadlineOf = deadlineOf;
    }

    /** {@return the segment files in {@code directory}, in id order} */
    static List<Path> segmentFiles(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> listing = Files.list(directory)) {
            listing.filter(p -> Segment.idOf(p.getFileName().toString()) >= 0).forEach(files::add);
        }
        files.sort(Comparator.comparingLong(p -> Segment.idOf(p.getFileName().toString())));
        return files;
    }

    /**
     * Scans {@code files}, segment files of one directory, into the index (which may hold a snapshot's entries
     * already, see {@link IndexSnapshot}), then ends the recovery.
     *
     * @throws IOException the first I/O failure of any file's scan, after every scan ended
     */
    void run(List<Path> files, DiskQuota quota) throws IOException {
        for (Path file : files) {
            maxSegmentId = Math.max(maxSegmentId, Segment.idOf(file.getFileName().toString()));
        }
        int threads = Math.min(files.size(), Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
        if (threads <= 1) {
            for (Path file : files) {
                recover(file, quota);
            }
        } else {
            recoverInParallel(files, quota, threads);
        }
        index.endRecovery();
        counters.recoveredRecords.add(index.size());
    }

    long maxSequence() {
        return maxSequence.get();
    }

    long maxSegmentId() {
        return maxSegmentId;
    }

    /** Scans the files on {@code threads} threads that take them from a shared queue; returns once all ended. */
    private void recoverInParallel(List<Path> files, DiskQuota quota, int threads) throws IOException {
        ConcurrentLinkedQueue<Path> pending = new ConcurrentLinkedQueue<>(files);
        ParallelWork.run("strata-disk-recovery", threads, () -> {
            for (Path file; (file = pending.poll()) != null; ) {
                recover(file, quota);
            }
        });
    }

    /** Opens one segment file, scans it into the index and keeps it (or deletes it when it holds nothing). */
    private void recover(Path file, DiskQuota quota) throws IOException {
        long id = Segment.idOf(file.getFileName().toString());
        Segment segment = Segment.open(file, id, quota);
        quota.forceReserve(segment.length());
        if (!hasValidHeader(segment)) {
            segment.retire(true);
            return;
        }
        if (deadlineOf != null) {
            segment.recoverDeadlines();                // its scan notes each value's
        }
        maxSequence.accumulateAndGet(scan(segment), Math::max);
        segment.seal();
        if (segment.payloadBytes() == 0) {
            segment.retire(true);
        } else {
            segments.put(id, segment);
        }
    }

    private boolean hasValidHeader(Segment segment) throws IOException {
        if (segment.length() < RecordFormat.SEGMENT_HEADER_BYTES) {
            counters.tornTails.increment();
            LOG.log(Level.WARNING, "deleting segment " + segment.path() + ": shorter than its header");
            return false;
        }
        MemorySegment header = MemorySegment.ofArray(new byte[RecordFormat.SEGMENT_HEADER_BYTES]);
        segment.read(header, 0);
        if (!RecordFormat.isValidSegmentHeader(header, segment.id())) {
            counters.corruptRecords.increment();
            LOG.log(Level.WARNING, "deleting segment " + segment.path() + ": bad magic, version or id");
            return false;
        }
        segment.recoverHeader(header);
        return true;
    }

    /**
     * Scans one segment into the index. {@return the highest sequence it holds (0 if none)}
     *
     * <p>In a segment that may reuse a file, corrupt records that nothing intact of the segment follows are a write
     * that a crash tore: the process died between pages of it, and past it lie the old bytes of the file, not the end
     * of the file that a tear leaves in a new one. They are cut off and counted as one torn tail, as in a new file.
     */
    private long scan(Segment segment) throws IOException {
        long highest = 0;
        CorruptRun corrupt = new CorruptRun();
        try (SegmentScanner scanner = new SegmentScanner(segment)) {
            for (;;) {
                SegmentScanner.Step step = scanner.next();
                if (step == SegmentScanner.Step.CORRUPT) {
                    corrupt.add(scanner.offset(), scanner.recordBytes());
                    continue;
                }
                boolean torn = !corrupt.isEmpty() && segment.mayReuseFile()
                        && step != SegmentScanner.Step.RECORD && step != SegmentScanner.Step.END;
                if (torn) {
                    counters.tornTails.increment();
                    LOG.log(Level.INFO, "truncating a torn write at " + corrupt.from + " of " + segment.path());
                    segment.truncate(corrupt.from);
                    return highest;
                }
                corrupt.settle(segment);
                switch (step) {
                    case RECORD -> highest = Math.max(highest, apply(segment, scanner));
                    case REUSED_END -> {
                        LOG.log(Level.DEBUG, "cutting " + segment.path() + " at " + scanner.offset()
                                + ", where the bytes of the segment whose file it reused begin");
                        segment.truncate(scanner.offset());
                        return highest;
                    }
                    case TORN_TAIL -> {
                        counters.tornTails.increment();
                        LOG.log(Level.INFO, "truncating torn tail at " + scanner.offset() + " of " + segment.path());
                        segment.truncate(scanner.offset());
                        return highest;
                    }
                    case GARBAGE -> {
                        counters.corruptRecords.increment();
                        LOG.log(Level.WARNING, "dropping unreadable bytes from " + scanner.offset() + " of "
                                + segment.path());
                        segment.truncate(scanner.offset());
                        return highest;
                    }
                    case END, CORRUPT -> {                    // CORRUPT never gets here: gathered above
                        return highest;
                    }
                }
            }
        }
    }

    /** Corrupt records met since the last intact one, not yet counted: skipped, or cut off as a torn write. */
    private final class CorruptRun {
        long from = -1;
        int records;
        long bytes;

        boolean isEmpty() {
            return records == 0;
        }

        void add(long offset, int recordBytes) {
            if (records == 0) {
                from = offset;
            }
            records++;
            bytes += recordBytes;
        }

        /** Counts the run as corrupt records skipped (dead bytes, removed by a later compaction) and empties it. */
        void settle(Segment segment) {
            if (records > 0) {
                counters.corruptRecords.add(records);
                segment.addDeadBytes(bytes);
                LOG.log(Level.WARNING, "skipping " + records + " corrupt record(s) from " + from + " in "
                        + segment.path());
                records = 0;
                bytes = 0;
            }
        }
    }

    /**
     * Settles the scanner's record against its key's entry: the higher sequence wins, a losing value is dead.
     * {@return its sequence}
     */
    private long apply(Segment segment, SegmentScanner scanner) {
        MemorySegment record = scanner.record();
        long sequence = RecordFormat.sequence(record);
        MemorySegment key = record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record));
        Location loser = index.settle(key, RecordFormat.isTombstone(record) ? null : segment, scanner.offset(),
                scanner.recordBytes(), sequence);
        if (loser != null) {
            loser.segment().addDeadBytes(loser.recordBytes());
        }
        if (deadlineOf != null) {
            segment.noteDeadlineOf(record, deadlineOf);
        }
        return sequence;
    }
}
