package dev.strata.tier.disk;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A persistent store's index written to one file when the store closes, so that the next open reads where each key's
 * record is instead of scanning every record of every segment file ({@link Recovery}): a restart then reads about
 * 8 bytes plus the key per entry, not the values.
 *
 * <pre>
 *   index.snapshot, little-endian:
 *     header    magic "STRATAIX" (8) | format (4) | segment count (4) | 0 (8) | next sequence (8)
 *               | next segment id (8) | section count (4) | 0 (4)
 *     segments  id (8) | length (8) | dead bytes (8) | latest deadline (8) | bucket count (8)      one per segment,
 *               | buckets: earliest deadline (8) | latest deadline (8) | bytes (8), in order        in id order
 *     sections  entries: segment ordinal | offset | record length &lt;&lt; 1 + V | key length, each a varint
 *               (7 bits a byte, low bits first, a set top bit for more; 1 to 5 bytes) | key bytes
 *                                                                                     one per key the index holds
 *     directory start (8) | entry count (8)                                                         one per section
 *     trailer   CRC32C of every byte before it (4)
 * </pre>
 *
 * <p>A section holds the keys of {@value #TABLES_PER_SECTION} of the index's tables ({@link DiskIndex}), so sections
 * restore on several threads at once without meeting in a table, as a scan spreads its files over threads.
 *
 * <p><b>A checkpoint, also after a crash.</b> The segments a snapshot names never change again: the close names them
 * all, and every segment is sealed when the store opens, so what it writes afterwards goes to new segments, whose ids
 * start at the snapshot's next id; a checkpoint taken while the store runs ({@link #checkpoint}) names only its sealed
 * segments, and its next id is the lower of the two being appended to (the main log's and the probation log's; a sealed
 * segment with a higher id is named all the same). So the snapshot stays in place while the store runs (a checkpoint or
 * the next clean close replaces it), and every open uses it: it restores the entries of the named segments that still
 * exist, then scans only the segment files from the next id on (none after a clean close; after a crash, what was
 * written since the last checkpoint), settling their records against the restored entries as a full scan settles
 * records ({@link IndexTable#settle}). A named segment that is gone was compacted or evicted after the snapshot: its
 * live records were copied to newer segments, which the scan finds, or left the store, so its entries are dropped.
 * Every restored entry weighs as sequence {@code next sequence - 1}, the next sequence being the store's when the
 * segments were chosen: any record written afterwards has a higher sequence and wins (and an entry a writer changed
 * while a checkpoint was being written points into a scanned segment, or is outranked there), and a record that a
 * compaction or eviction copied into a newer segment keeps its older sequence and loses, rightly: such a copy is of a
 * record current when it was copied, which is either the restored entry's own record (the same bytes) or an older
 * tombstone that a restored entry has outlived. A record an eviction moved from the probation log to the main log took
 * a new sequence and wins, as a write would: it is the key's record from then on, and its original's segment is on its
 * way out.
 *
 * <p>An open uses a snapshot only if its CRC holds, its format is this one, every named segment that exists has the
 * length the snapshot names and a valid header, and every other segment file has an id from the snapshot's next one
 * on; else it logs why, deletes it and scans everything. A close or checkpoint that cannot write a new one (a full
 * disk, say) logs it and leaves the one before, which is still a checkpoint of files that have not changed since.
 *
 * <p><b>What it does not check.</b> A scan verifies every record's CRC when the store opens; a snapshot's open reads
 * no record of the named segments. A record damaged there while the store was closed is found by the CRC check of the
 * first read or compaction that meets it (counted, dropped from the index, never returned), as one damaged while the
 * store is open is.
 *
 * <p>Called by one thread at a time: the store writes it under its compaction lock (and, at close, its writer lock),
 * and restores from it before the store is published (on threads of its own, each restoring whole sections).
 */
final class IndexSnapshot {

    /** The snapshot's file name in a store's directory. */
    static final String FILE_NAME = "index.snapshot";
    /** Where the snapshot is written before it is renamed to {@link #FILE_NAME}. */
    static final String TEMP_NAME = "index.snapshot.tmp";
    /** "STRATAIX", read little-endian. */
    static final long MAGIC = 0x5849_4154_4152_5453L;
    /**
     * The layout above; a snapshot of another format is not used (1: with an entry count in its header; 2: each entry's
     * four fields in 4 bytes each, 16 bytes where these take 7 to 9 for records of up to 16 KiB in 64 MiB segments;
     * 3: no deadline per segment; 4: no bytes by deadline per segment).
     */
    static final int FORMAT = 5;
    static final int HEADER_BYTES = 48;
    /** A segment's fields before its buckets. */
    static final int SEGMENT_BYTES = 40;
    /** One bucket of a segment's {@link DeadlineHistogram}. */
    static final int BUCKET_BYTES = 24;
    /** The most a varint of 32 bits takes: 7 bits a byte. */
    static final int MAX_VARINT_BYTES = 5;
    /** The most an entry's four varints take. */
    static final int MAX_ENTRY_FIELD_BYTES = 4 * MAX_VARINT_BYTES;
    static final int SECTION_BYTES = 16;
    static final int TRAILER_BYTES = 4;
    /** How many of the index's tables one section holds: 16 sections of 64. */
    static final int TABLES_PER_SECTION = 64;
    static final int SECTIONS = DiskIndex.STRIPES / TABLES_PER_SECTION;
    private static final int BUFFER_BYTES = 1 << 20;

    private IndexSnapshot() {
    }

    /**
     * What an open restored: the counters the store continues from, the segment files written after the snapshot,
     * which the open must scan, and the snapshot's size (the store charges it to its quota).
     */
    record Restored(long nextSequence, long nextSegmentId, List<Path> newerFiles, long fileBytes) {
    }

    /** Why a snapshot was not used; its message says what did not hold. */
    static final class Unusable extends IOException {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message);
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    /**
     * Writes the snapshot of {@code index}, whose entries all point into {@code segments}, under a temporary name,
     * forces it and renames it over the one before. The close's: writer and compaction locks held, so neither changes
     * meanwhile, and every segment is named.
     *
     * @throws IOException if it could not be written; the one before is left then
     */
    static void write(Path directory, Collection<Segment> segments, DiskIndex index, long nextSequence,
                      long nextSegmentId, boolean deadlinesTracked) throws IOException {
        write(directory, segments, index, nextSequence, nextSegmentId, index.size(), deadlinesTracked);
    }

    /**
     * Writes a checkpoint while the store runs: names the sealed {@code segments} and writes the entries of {@code
     * index} that point into them, skipping the others (those of the segments being appended to, the lower of whose ids
     * is {@code firstUnnamedId}, or newer: an open after a crash scans them). {@code nextSequence} was the store's when
     * the segments were chosen, under its writer lock: every record in them has a lower one, every record written since
     * a higher one. Compaction lock held, so no named segment is compacted or evicted meanwhile; writers go on, and the
     * entries they change after their table was written are found in the scanned segments.
     *
     * @throws IOException if it could not be written; the one before is left then
     */
    static void checkpoint(Path directory, Collection<Segment> segments, DiskIndex index, long nextSequence,
                           long firstUnnamedId, boolean deadlinesTracked) throws IOException {
        write(directory, segments, index, nextSequence, firstUnnamedId, -1, deadlinesTracked);
    }

    /**
     * Writes the file; {@code entries} is how many the index must give, or -1 to skip those of unnamed segments. Each
     * segment's latest deadline and bytes by deadline are written if {@code deadlinesTracked} (the store's {@link
     * DiskStoreConfig#deadlines}), else {@link Long#MAX_VALUE}, not known, and no bucket ({@link #writeSegment}).
     */
    private static void write(Path directory, Collection<Segment> segments, DiskIndex index, long nextSequence,
                              long nextSegmentId, long entries, boolean deadlinesTracked) throws IOException {
        Path temp = directory.resolve(TEMP_NAME);
        try {
            Segment.holdingInterrupt(() -> {
                writeFile(temp, segments, index, nextSequence, nextSegmentId, entries, deadlinesTracked);
                return null;
            });
            Files.move(temp, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    private static void writeFile(Path temp, Collection<Segment> segments, DiskIndex index, long nextSequence,
                                  long nextSegmentId, long entries, boolean deadlinesTracked) throws IOException {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            Output out = new Output(channel);
            out.room(HEADER_BYTES).putLong(MAGIC).putInt(FORMAT).putInt(segments.size()).putLong(0)
                    .putLong(nextSequence).putLong(nextSegmentId).putInt(SECTIONS).putInt(0);
            Map<Segment, Integer> ordinals = new IdentityHashMap<>();
            for (Segment segment : segments) {
                ordinals.put(segment, ordinals.size());
                writeSegment(out, segment, deadlinesTracked);
            }
            long[] starts = new long[SECTIONS];
            long[] counts = new long[SECTIONS];
            for (int section = 0; section < SECTIONS; section++) {
                starts[section] = out.written();
                counts[section] = writeSection(out, index, section, ordinals, entries >= 0);
            }
            long written = 0;
            for (int section = 0; section < SECTIONS; section++) {
                out.room(SECTION_BYTES).putLong(starts[section]).putLong(counts[section]);
                written += counts[section];
            }
            if (entries >= 0 && written != entries) {
                throw new IOException("the index held " + entries + " keys, and " + written + " were written");
            }
            out.finish();
            channel.force(true);
        }
    }

    /**
     * Writes a named segment's fields: with {@code deadlinesTracked}, its latest deadline and its bytes by deadline (it
     * is sealed, or the store's writer lock is held, so they stay still meanwhile); else "not known" and no bucket.
     */
    private static void writeSegment(Output out, Segment segment, boolean deadlinesTracked) throws IOException {
        DeadlineHistogram deadlineBytes = segment.deadlineBytes();
        int buckets = deadlinesTracked ? deadlineBytes.buckets() : 0;
        out.room(SEGMENT_BYTES).putLong(segment.id()).putLong(segment.length()).putLong(segment.deadBytes())
                .putLong(deadlinesTracked ? segment.latestDeadline() : Long.MAX_VALUE).putLong(buckets);
        for (int i = 0; i < buckets; i++) {
            long[] bucket = deadlineBytes.bucket(i);
            out.room(BUCKET_BYTES).putLong(bucket[0]).putLong(bucket[1]).putLong(bucket[2]);
        }
    }

    /**
     * Writes the entries of one section's tables. {@return how many} With {@code whole}, every entry must point into a
     * named segment; else the others are skipped.
     */
    private static long writeSection(Output out, DiskIndex index, int section, Map<Segment, Integer> ordinals,
                                     boolean whole) throws IOException {
        long[] written = {0};
        int from = section * TABLES_PER_SECTION;
        index.forEachEntry(from, from + TABLES_PER_SECTION, (keys, keyStart, keyLength, segment, offset, recordBytes,
                                                              visited) -> {
            Integer ordinal = ordinals.get(segment);
            if (ordinal == null) {
                if (!whole) {
                    return;                            // in a segment being appended to, or newer: scanned
                }
                throw new IOException("an entry points into segment " + segment.id() + ", not one of the store's");
            }
            ByteBuffer fields = out.room(MAX_ENTRY_FIELD_BYTES);
            putVarint(fields, ordinal);
            putVarint(fields, (int) offset);
            putVarint(fields, recordBytes << 1 | (visited ? 1 : 0));
            putVarint(fields, keyLength);
            out.put(keys, keyStart, keyLength);
            written[0]++;
        });
        return written[0];
    }

    /** Puts {@code value}, read as unsigned, 7 bits a byte, low bits first, a set top bit where more follow. */
    static void putVarint(ByteBuffer buffer, int value) {
        while ((value & ~0x7F) != 0) {
            buffer.put((byte) (value & 0x7F | 0x80));
            value >>>= 7;
        }
        buffer.put((byte) value);
    }

    /**
     * {@return the varint at {@code buffer}'s position (see {@link #putVarint}), as the unsigned bits of an int}
     *
     * @throws Unusable if it takes more than 5 bytes, or the buffer ends within it
     */
    static int getVarint(ByteBuffer buffer) throws Unusable {
        int value = 0;
        for (int shift = 0; shift < 7 * MAX_VARINT_BYTES && buffer.hasRemaining(); shift += 7) {
            byte b = buffer.get();
            value |= (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new Unusable("a field does not end within 5 bytes, or the snapshot ends within it");
    }

    /** A buffered, checksummed writer of little-endian fields. */
    private static final class Output {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long drained;

        Output(FileChannel channel) {
            this.channel = channel;
        }

        /** {@return the bytes written so far, buffered ones included: where the next one goes in the file} */
        long written() {
            return drained + buffer.position();
        }

        /** {@return the buffer, with room for {@code bytes} more} */
        ByteBuffer room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                drain();
            }
            return buffer;
        }

        void put(byte[] bytes, int start, int length) throws IOException {
            for (int done = 0; done < length; ) {
                int chunk = Math.min(length - done, room(1).remaining());
                buffer.put(bytes, start + done, chunk);
                done += chunk;
            }
        }

        /** Writes what is buffered, then the CRC of every byte written. */
        void finish() throws IOException {
            drain();
            buffer.putInt((int) crc.getValue());
            buffer.flip();
            writeFully();
        }

        private void drain() throws IOException {
            buffer.flip();
            drained += buffer.remaining();
            crc.update(buffer.duplicate());
            writeFully();
        }

        private void writeFully() throws IOException {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    /**
     * Restores the index and segments of {@code directory} from its snapshot, if it has one it can use, leaving the
     * snapshot in place (a temporary one a crash left is deleted). Charges {@code quota} with each segment file, as a
     * scan does. If there are {@link Restored#newerFiles}, the caller then scans them into the index, which ends the
     * recovery ({@link Recovery#run(List, DiskQuota)}); with none (after a clean close) the entries carry no sequence
     * and the index is ready. On {@code null} the index and segments are empty, as they were.
     *
     * @return what was restored and what is left to scan, or {@code null} if there was no snapshot or it was not used
     *     (the {@link Unusable} or I/O failure is passed to {@code refused}, and the snapshot deleted)
     * @throws IOException if the temporary file, or a snapshot not used, could not be deleted
     */
    static Restored restore(Path directory, DiskIndex index, NavigableMap<Long, Segment> segments, DiskQuota quota,
                            Consumer<Exception> refused) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        Files.deleteIfExists(directory.resolve(TEMP_NAME));
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return Segment.holdingInterrupt(() -> read(file, directory, index, segments, quota));
        } catch (IOException | RuntimeException e) {
            undo(index, segments);
            refused.accept(e);
            Files.delete(file);                        // refused once, refused for good: the next close writes anew
            return null;
        }
    }

    /** Deletes the snapshot of {@code directory} and a temporary one, if there are. */
    static void discard(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(TEMP_NAME));
        Files.deleteIfExists(directory.resolve(FILE_NAME));
    }

    private static void undo(DiskIndex index, NavigableMap<Long, Segment> segments) {
        index.clear();
        for (Segment segment : segments.values()) {
            segment.retire(false);                     // closes its channel, returns its bytes to the quota
        }
        segments.clear();
    }

    private static Restored read(Path file, Path directory, DiskIndex index, NavigableMap<Long, Segment> segments,
                                 DiskQuota quota) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            checkCrc(channel);
            long end = channel.size() - TRAILER_BYTES;
            Input in = new Input(channel, 0, end);
            ByteBuffer header = in.next(HEADER_BYTES);
            long magic = header.getLong();
            int format = header.getInt();
            if (magic != MAGIC || format != FORMAT) {
                throw new Unusable("magic " + Long.toHexString(magic) + ", format " + format + " (expected: "
                        + Long.toHexString(MAGIC) + ", " + FORMAT + ")");
            }
            int segmentCount = header.getInt();
            header.getLong();                          // 0: reserved
            long nextSequence = header.getLong();
            long nextSegmentId = header.getLong();
            int sections = header.getInt();
            List<Segment> ordered = openSegments(in, segmentCount, directory, segments, quota);
            List<Path> newer = newerFiles(directory, ordered, nextSegmentId);
            long[][] bounds = sections(channel, sections, in.position(), end);
            long sequence = newer.isEmpty() ? IndexTable.NO_SEQUENCE : nextSequence - 1;   // nothing to settle
            restoreSections(channel, bounds, ordered, index, sequence);
            long highestId = segments.isEmpty() ? 0 : segments.lastKey();
            return new Restored(nextSequence, Math.max(nextSegmentId, highestId + 1), newer, channel.size());
        }
    }

    /**
     * {@return the segment files of {@code directory} the snapshot does not name: all must have been created after it,
     * with an id from its next one on}
     *
     * @throws Unusable if one has a lower id: the files are not the ones the snapshot was written over
     */
    private static List<Path> newerFiles(Path directory, List<Segment> named, long nextSegmentId) throws IOException {
        Set<Long> ids = new HashSet<>();
        for (Segment segment : named) {
            if (segment != null) {
                ids.add(segment.id());
            }
        }
        List<Path> newer = new ArrayList<>();
        for (Path file : Recovery.segmentFiles(directory)) {
            long id = Segment.idOf(file.getFileName().toString());
            if (!ids.contains(id)) {
                if (id < nextSegmentId) {
                    throw new Unusable("segment file " + file.getFileName() + " is not in it and older than it");
                }
                newer.add(file);
            }
        }
        return newer;
    }

    /**
     * Reads the section directory, which ends at {@code end}, and checks that the sections follow each other from
     * {@code first} to the directory. {@return each section's start, end and entry count}
     */
    private static long[][] sections(FileChannel channel, int sections, long first, long end) throws IOException {
        if (sections < 1 || (long) sections * SECTION_BYTES > end - first) {
            throw new Unusable("section count " + sections);
        }
        long directory = end - (long) sections * SECTION_BYTES;
        ByteBuffer fields = ByteBuffer.allocate(sections * SECTION_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, fields, directory);
        fields.flip();
        long[][] bounds = new long[sections][];
        long expectedStart = first;
        for (int i = 0; i < sections; i++) {
            long start = fields.getLong();
            long count = fields.getLong();
            if (start != expectedStart || count < 0) {
                throw new Unusable("section " + i + " starts at " + start + " (expected: " + expectedStart
                        + "), " + count + " entries");
            }
            long next = i + 1 < sections ? fields.getLong(fields.position()) : directory;
            if (next < start) {
                throw new Unusable("section " + i + " ends at " + next + ", before its start " + start);
            }
            bounds[i] = new long[] {start, next, count};
            expectedStart = next;
        }
        return bounds;
    }

    /**
     * Restores the sections on one thread per processor (up to {@link Recovery#MAX_THREADS}), as a scan does, each
     * entry of a segment that still exists with {@code sequence} (see the class comment).
     */
    private static void restoreSections(FileChannel channel, long[][] bounds, List<Segment> ordered, DiskIndex index,
                                        long sequence) throws IOException {
        AtomicInteger next = new AtomicInteger();
        ParallelWork.Work work = () -> {
            for (int i; (i = next.getAndIncrement()) < bounds.length; ) {
                restoreSection(new Input(channel, bounds[i][0], bounds[i][1]), bounds[i][2], ordered, index, sequence);
            }
        };
        int processors = Runtime.getRuntime().availableProcessors();
        int threads = Math.min(bounds.length, Math.min(Recovery.MAX_THREADS, processors));
        if (threads <= 1) {
            work.run();
        } else {
            ParallelWork.run("strata-disk-snapshot", threads, work);
        }
    }

    private static void restoreSection(Input in, long entries, List<Segment> ordered, DiskIndex index, long sequence)
            throws IOException {
        for (long i = 0; i < entries; i++) {
            restoreEntry(in, ordered, index, sequence);
        }
        if (!in.atEnd()) {
            throw new Unusable("bytes left in a section after its " + entries + " entries");
        }
    }

    /** Reads every byte but the trailer, and compares their CRC32C with it. */
    private static void checkCrc(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < HEADER_BYTES + TRAILER_BYTES) {
            throw new Unusable(size + " bytes, shorter than a header and a trailer");
        }
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long position = 0;
        long end = size - TRAILER_BYTES;
        while (position < end) {
            buffer.clear().limit((int) Math.min(BUFFER_BYTES, end - position));
            readFully(channel, buffer, position);
            buffer.flip();
            position += buffer.remaining();
            crc.update(buffer);
        }
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, trailer, end);
        int expected = trailer.getInt(0);
        if ((int) crc.getValue() != expected) {
            throw new Unusable("CRC " + Integer.toHexString((int) crc.getValue()) + " (expected: "
                    + Integer.toHexString(expected) + ")");
        }
    }

    /**
     * Opens the segments the snapshot names that still exist, each checked against its file, and puts them in
     * {@code segments}. {@return them in the snapshot's order (an entry names its segment by that ordinal), null for
     * one whose file is gone: compacted or evicted since}
     */
    private static List<Segment> openSegments(Input in, int count, Path directory, NavigableMap<Long, Segment> segments,
                                              DiskQuota quota) throws IOException {
        if (count < 0) {
            throw new Unusable("segment count " + count);
        }
        List<Segment> ordered = new ArrayList<>(count);
        Set<Long> named = new HashSet<>();
        for (int i = 0; i < count; i++) {
            ByteBuffer fields = in.next(SEGMENT_BYTES);
            long id = fields.getLong();
            long length = fields.getLong();
            long deadBytes = fields.getLong();
            long latestDeadline = fields.getLong();
            long[][] buckets = readBuckets(in, fields.getLong(), id);
            if (!named.add(id)) {
                throw new Unusable("segment " + id + " named twice");
            }
            Segment segment = openSegment(directory, id, length, quota);
            if (segment != null) {
                segments.put(id, segment);
                segment.addDeadBytes(deadBytes);
                if (latestDeadline != Long.MAX_VALUE || buckets.length > 0) {   // else written without deadlines
                    segment.recoverDeadlines();
                }
                restoreBuckets(segment, buckets);
                segment.seal();
            }
            ordered.add(segment);
        }
        return ordered;
    }

    /**
     * {@return segment {@code id}'s {@code count} buckets of bytes by deadline, each as earliest deadline, latest
     * deadline, bytes} Their order is checked as they are restored ({@link #restoreBuckets}).
     *
     * @throws Unusable if there are more than a {@link DeadlineHistogram} keeps
     */
    private static long[][] readBuckets(Input in, long count, long id) throws IOException {
        if (count < 0 || count > DeadlineHistogram.BUCKETS) {
            throw new Unusable("segment " + id + " has " + count + " deadline buckets (expected: 0 to "
                    + DeadlineHistogram.BUCKETS + ")");
        }
        long[][] buckets = new long[(int) count][];
        for (int b = 0; b < count; b++) {
            ByteBuffer fields = in.next(BUCKET_BYTES);
            buckets[b] = new long[] {fields.getLong(), fields.getLong(), fields.getLong()};
        }
        return buckets;
    }

    /**
     * Gives {@code segment} back its bytes by deadline.
     *
     * @throws Unusable if a bucket ends before it begins or before the one before it ends, or its bytes are negative
     */
    private static void restoreBuckets(Segment segment, long[][] buckets) throws Unusable {
        try {
            for (long[] bucket : buckets) {
                segment.recoverDeadlineBytes(bucket[0], bucket[1], bucket[2]);
            }
        } catch (IllegalArgumentException e) {
            throw new Unusable("segment " + segment.id() + ": " + e.getMessage());
        }
    }

    /** {@return segment {@code id}, checked against its file; null if it has none} */
    private static Segment openSegment(Path directory, long id, long length, DiskQuota quota) throws IOException {
        Segment segment;
        try {
            segment = Segment.open(directory.resolve(Segment.fileName(id)), id, quota);
        } catch (NoSuchFileException e) {
            return null;
        }
        quota.forceReserve(segment.length());
        try {
            if (segment.length() != length || length < RecordFormat.SEGMENT_HEADER_BYTES) {
                throw new Unusable(Segment.fileName(id) + " has " + segment.length() + " bytes (expected: " + length
                        + ")");
            }
            MemorySegment header = MemorySegment.ofArray(new byte[RecordFormat.SEGMENT_HEADER_BYTES]);
            segment.read(header, 0);
            if (!RecordFormat.isValidSegmentHeader(header, id)) {
                throw new Unusable(Segment.fileName(id) + " has no valid header");
            }
            segment.recoverHeader(header);
            return segment;
        } catch (IOException | RuntimeException e) {
            segment.retire(false);                     // closes the file, returns its bytes to the quota
            throw e;
        }
    }

    /** Restores one entry, unless its segment is gone. */
    private static void restoreEntry(Input in, List<Segment> ordered, DiskIndex index, long sequence)
            throws IOException {
        int ordinal = in.varint();
        long offset = Integer.toUnsignedLong(in.varint());
        int lengthAndVisited = in.varint();
        int keyLength = in.varint();
        int recordBytes = lengthAndVisited >>> 1;
        if (ordinal < 0 || ordinal >= ordered.size() || keyLength < 0) {
            throw new Unusable("an entry names segment ordinal " + ordinal + " of " + ordered.size() + ", a key of "
                    + keyLength + " bytes");
        }
        MemorySegment key = in.bytes(keyLength);
        Segment segment = ordered.get(ordinal);
        if (segment == null) {
            return;                                    // its record went with its file: the key is as the scan finds
        }
        if (offset < RecordFormat.SEGMENT_HEADER_BYTES || recordBytes < RecordFormat.recordBytes(keyLength, 0)
                || offset + recordBytes > segment.length()) {
            throw new Unusable("an entry of segment " + segment.id() + " at " + offset + ", " + recordBytes
                    + " bytes, key " + keyLength + " bytes, does not fit its " + segment.length() + " bytes");
        }
        boolean visited = (lengthAndVisited & 1) != 0;
        if (!index.restore(key, new Location(segment, offset, recordBytes), visited, sequence)) {
            throw new Unusable("a key is named twice");
        }
        if (visited) {
            segment.noteVisited();
        }
    }

    /** A buffered reader of little-endian fields from one range of the file, with positional reads. */
    private static final class Input {
        private final FileChannel channel;
        private final long end;
        private ByteBuffer buffer;
        /** Where the next read of the file starts: past the bytes buffered. */
        private long position;

        Input(FileChannel channel, long start, long end) {
            this.channel = channel;
            this.position = start;
            this.end = end;
            int size = (int) Math.min(BUFFER_BYTES, Math.max(0, end - start));
            this.buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).limit(0);
        }

        /** {@return where the next field starts in the file} */
        long position() {
            return position - buffer.remaining();
        }

        /** {@return the next {@code bytes} as a buffer of their own, little-endian, valid until the next call} */
        ByteBuffer next(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                fill(bytes);
            }
            ByteBuffer fields = buffer.slice(buffer.position(), bytes).order(ByteOrder.LITTLE_ENDIAN);
            buffer.position(buffer.position() + bytes);
            return fields;
        }

        /** {@return the next varint (see {@link #putVarint}), as the unsigned bits of an int} */
        int varint() throws IOException {
            if (buffer.remaining() < MAX_VARINT_BYTES) {
                fill((int) Math.min(MAX_VARINT_BYTES, end - position + buffer.remaining()));
            }
            return getVarint(buffer);
        }

        /** {@return the next {@code length} bytes, valid until the next call} */
        MemorySegment bytes(int length) throws IOException {
            return MemorySegment.ofBuffer(next(length));
        }

        boolean atEnd() {
            return !buffer.hasRemaining() && position == end;
        }

        /** Keeps the bytes not read yet, and reads after them until {@code bytes} are there. */
        private void fill(int bytes) throws IOException {
            if (bytes > end - position + buffer.remaining()) {
                throw new EOFException("the snapshot ends within a field of " + bytes + " bytes");
            }
            if (bytes > buffer.capacity()) {
                ByteBuffer larger = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
                larger.put(buffer);
                buffer = larger;
            } else {
                buffer.compact();
            }
            while (buffer.position() < bytes) {
                int wanted = (int) Math.min(buffer.remaining(), end - position);
                buffer.limit(buffer.position() + wanted);
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new EOFException("the snapshot ends at " + position);
                }
                position += read;
            }
            buffer.flip();
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new EOFException("the snapshot ends at " + position);
            }
            position += read;
        }
    }
}
