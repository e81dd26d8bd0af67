package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Rebuilds a store's index from its segment files.
 *
 * <p>Segments are scanned in id order and records in file order; for each key the record with the highest sequence
 * wins, and a tombstone deletes every record of its key with a lower sequence (tracked in a recovery-only map, so the
 * result does not depend on the order in which copies made by compaction are met). A torn tail is truncated and
 * counted; a corrupt record with plausible lengths is skipped and counted as dead bytes (compaction removes it
 * later); an implausible header drops the rest of its segment. A file with a bad header is deleted. The quota is
 * charged with the size of every file kept, even above its limit: the bytes exist.
 *
 * <p>Single-threaded: runs inside {@code DiskStore.open} before the store is published.
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    private final ConcurrentHashMap<IndexKey, Location> index;
    private final NavigableMap<Long, Segment> segments;
    private final StoreCounters counters;
    private final Map<IndexKey, Long> deletedAtSequence = new HashMap<>();
    private long maxSequence;
    private long maxSegmentId;

    Recovery(ConcurrentHashMap<IndexKey, Location> index, NavigableMap<Long, Segment> segments, StoreCounters counters) {
        this.index = index;
        this.segments = segments;
        this.counters = counters;
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

    void run(Path directory, DiskQuota quota) throws IOException {
        for (Path file : segmentFiles(directory)) {
            long id = Segment.idOf(file.getFileName().toString());
            maxSegmentId = Math.max(maxSegmentId, id);
            Segment segment = Segment.open(file, id, quota);
            quota.forceReserve(segment.length());
            if (!hasValidHeader(segment)) {
                segment.retire(true);
                continue;
            }
            scan(segment);
            segment.seal();
            if (segment.payloadBytes() == 0) {
                segment.retire(true);
            } else {
                segments.put(id, segment);
            }
        }
        counters.recoveredRecords.add(index.size());
    }

    long maxSequence() {
        return maxSequence;
    }

    long maxSegmentId() {
        return maxSegmentId;
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
        return true;
    }

    private void scan(Segment segment) throws IOException {
        try (SegmentScanner scanner = new SegmentScanner(segment)) {
            for (;;) {
                switch (scanner.next()) {
                    case RECORD -> apply(segment, scanner);
                    case CORRUPT -> {
                        counters.corruptRecords.increment();
                        segment.addDeadBytes(scanner.recordBytes());
                        LOG.log(Level.WARNING, "skipping corrupt record at " + scanner.offset() + " in " + segment.path());
                    }
                    case TORN_TAIL -> {
                        counters.tornTails.increment();
                        LOG.log(Level.INFO, "truncating torn tail at " + scanner.offset() + " of " + segment.path());
                        segment.truncate(scanner.offset());
                        return;
                    }
                    case GARBAGE -> {
                        counters.corruptRecords.increment();
                        LOG.log(Level.WARNING, "dropping unreadable bytes from " + scanner.offset() + " of " + segment.path());
                        segment.truncate(scanner.offset());
                        return;
                    }
                    case END -> {
                        return;
                    }
                }
            }
        }
    }

    private void apply(Segment segment, SegmentScanner scanner) {
        MemorySegment record = scanner.record();
        long sequence = RecordFormat.sequence(record);
        maxSequence = Math.max(maxSequence, sequence);
        IndexKey key = IndexKey.copyOf(record.asSlice(RecordFormat.HEADER_BYTES, RecordFormat.keyBytes(record)));
        if (RecordFormat.isTombstone(record)) {
            deletedAtSequence.merge(key, sequence, Math::max);
            Location current = index.get(key);
            if (current != null && current.sequence() < sequence) {
                index.remove(key);
                current.segment().addDeadBytes(current.recordBytes());
            }
            return;
        }
        Long deletedAt = deletedAtSequence.get(key);
        if (deletedAt != null && deletedAt >= sequence) {
            segment.addDeadBytes(scanner.recordBytes());
            return;
        }
        Location found = new Location(segment, scanner.offset(), scanner.recordBytes(), sequence);
        Location current = index.putIfAbsent(key, found);  // a key met for the first time: one lookup
        if (current == null) {
            return;
        }
        if (current.sequence() >= sequence) {
            segment.addDeadBytes(scanner.recordBytes());
            return;
        }
        index.put(key, found);
        current.segment().addDeadBytes(current.recordBytes());
    }
}
