package dev.strata.tier.disk;

import java.lang.foreign.MemorySegment;
import java.util.function.ToLongFunction;

/**
 * Settings of one {@link DiskStore}; validated at construction.
 *
 * <p>Immutable and thread-safe.
 *
 * @param segmentBytes         target size of one segment file, from 64 KiB to 1 GiB; a record larger than this gets
 *                             a segment file of its own
 * @param persistent           {@code true}: keep the segment files on close and rebuild the index from them on open
 *                             (removals append tombstones); {@code false}: delete the directory's segment files on
 *                             open and on close
 * @param compactionThreshold  fraction of dead bytes in a sealed segment that makes it eligible for compaction, in
 *                             (0, 1]
 * @param fsyncOnWrite         {@code true}: force every record to the device before {@code put}/{@code remove}
 *                             returns (survives power loss); {@code false}: a record is in the OS page cache when the
 *                             call returns (survives a process crash, including {@code kill -9})
 * @param deadlines            reads a value's deadline (its argument is read-only and valid only during the call), so
 *                             that every segment keeps the latest deadline of its values and their bytes by deadline
 *                             ({@link DeadlineHistogram}), by which {@link DiskStore#compactExpiredSegments} finds
 *                             the expired ones without reading a record; or {@code null} for values without one. A
 *                             persistent store also learns them for the segments it reopens: from its index snapshot,
 *                             or from each record its open scans. Called by writers, the
 *                             compacting thread and the open's scanning threads, so it must be thread-safe and quick
 */
public record DiskStoreConfig(long segmentBytes, boolean persistent, double compactionThreshold, boolean fsyncOnWrite,
                              ToLongFunction<MemorySegment> deadlines) {

    /** Smallest allowed {@link #segmentBytes()}: 64 KiB. */
    public static final long MIN_SEGMENT_BYTES = 64L * 1024;
    /** Largest allowed {@link #segmentBytes()}: 1 GiB. */
    public static final long MAX_SEGMENT_BYTES = 1024L * 1024 * 1024;
    /** Default {@link #segmentBytes()}: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L * 1024 * 1024;
    /** Default {@link #compactionThreshold()}: 0.5. */
    public static final double DEFAULT_COMPACTION_THRESHOLD = 0.5;

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if {@code segmentBytes} is outside [64 KiB, 1 GiB] or
     *                                  {@code compactionThreshold} is outside (0, 1] or NaN
     */
    public DiskStoreConfig {
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes: " + segmentBytes
                    + " (expected: from " + MIN_SEGMENT_BYTES + " (64 KiB) to " + MAX_SEGMENT_BYTES + " (1 GiB))");
        }
        if (!(compactionThreshold > 0.0 && compactionThreshold <= 1.0)) {
            throw new IllegalArgumentException("compactionThreshold: " + compactionThreshold + " (expected: in (0, 1])");
        }
    }

    /**
     * {@return 64 MiB segments, not persistent, compaction at 50% dead bytes, no fsync per write, no deadlines}
     */
    public static DiskStoreConfig defaults() {
        return new DiskStoreConfig(DEFAULT_SEGMENT_BYTES, false, DEFAULT_COMPACTION_THRESHOLD, false, null);
    }

    /**
     * {@return a copy with {@code segmentBytes} replaced}
     *
     * @param segmentBytes the new segment size
     * @throws IllegalArgumentException if out of range (see the record description)
     */
    public DiskStoreConfig withSegmentBytes(long segmentBytes) {
        return new DiskStoreConfig(segmentBytes, persistent, compactionThreshold, fsyncOnWrite, deadlines);
    }

    /**
     * {@return a copy with {@code persistent} replaced}
     *
     * @param persistent whether files are kept and recovered
     */
    public DiskStoreConfig withPersistent(boolean persistent) {
        return new DiskStoreConfig(segmentBytes, persistent, compactionThreshold, fsyncOnWrite, deadlines);
    }

    /**
     * {@return a copy with {@code compactionThreshold} replaced}
     *
     * @param compactionThreshold the new threshold
     * @throws IllegalArgumentException if out of range (see the record description)
     */
    public DiskStoreConfig withCompactionThreshold(double compactionThreshold) {
        return new DiskStoreConfig(segmentBytes, persistent, compactionThreshold, fsyncOnWrite, deadlines);
    }

    /**
     * {@return a copy with {@code fsyncOnWrite} replaced}
     *
     * @param fsyncOnWrite whether every write is forced to the device
     */
    public DiskStoreConfig withFsyncOnWrite(boolean fsyncOnWrite) {
        return new DiskStoreConfig(segmentBytes, persistent, compactionThreshold, fsyncOnWrite, deadlines);
    }

    /**
     * {@return a copy with {@code deadlines} replaced}
     *
     * @param deadlines reads a value's deadline, or {@code null} for values without one (see the record description)
     */
    public DiskStoreConfig withDeadlines(ToLongFunction<MemorySegment> deadlines) {
        return new DiskStoreConfig(segmentBytes, persistent, compactionThreshold, fsyncOnWrite, deadlines);
    }
}
