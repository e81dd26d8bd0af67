package dev.strata.tier.disk;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder events of a disk store: the work that takes a disk store's locks for milliseconds, so that a
 * recording shows which thread spent how long on it, and why a put or a read waited. Each event's duration is the
 * work's; its thread is the one that did it (the engine's compactor, or a writer that found the quota full). Recorded
 * only while a recording has them enabled (they are by default: {@code jcmd <pid> JFR.start}, or
 * {@code -XX:StartFlightRecording}); otherwise an event is an object made and dropped, once per segment compacted or
 * evicted.
 *
 * <p>Thread-safe as JFR events are: each is filled and committed by the thread that made it.
 */
final class DiskEvents {

    private DiskEvents() {
    }

    /** A segment compacted: its live records copied elsewhere, its dead and expired ones dropped, its file freed. */
    @Name("dev.strata.DiskCompaction")
    @Label("Strata Disk Compaction")
    @Category({"Strata", "Disk"})
    @Description("A disk store copied a segment's live records elsewhere and freed its file")
    @StackTrace(false)
    static final class Compaction extends Event {
        @Label("Store")
        @Description("The store's directory")
        String store;

        @Label("Segment")
        long segment;

        @Label("Payload")
        @Description("The segment's record bytes")
        @DataAmount
        long payloadBytes;

        @Label("Reclaimable")
        @Description("Its dead bytes, or those the expiry sweep found expired, whichever was more, when it began")
        @DataAmount
        long reclaimableBytes;

        @Label("Completed")
        @Description("Whether the segment was freed; if not, it is compacted again later")
        boolean completed;
    }

    /** A segment evicted: its records read since their write copied forward, the rest dropped with the file. */
    @Name("dev.strata.DiskEviction")
    @Label("Strata Disk Eviction")
    @Category({"Strata", "Disk"})
    @Description("A disk store evicted its oldest segment, after copying forward the records read in it")
    @StackTrace(false)
    static final class Eviction extends Event {
        @Label("Store")
        @Description("The store's directory")
        String store;

        @Label("Segment")
        long segment;

        @Label("Probation")
        @Description("Whether the segment was of the probation log")
        boolean probation;

        @Label("Payload")
        @Description("The segment's record bytes")
        @DataAmount
        long payloadBytes;

        @Label("Dropped")
        @Description("The keys that left the store with it")
        long droppedRecords;
    }

    /** A writer found the quota full and compacted segments in its own thread to make room. */
    @Name("dev.strata.DiskQuotaReclaim")
    @Label("Strata Disk Quota Reclaim")
    @Category({"Strata", "Disk"})
    @Description("A writer found the disk quota full and compacted segments in its own thread before it wrote")
    @StackTrace(false)
    static final class QuotaReclaim extends Event {
        @Label("Store")
        @Description("The store's directory")
        String store;

        @Label("Wanted")
        @Description("The bytes the write needed")
        @DataAmount
        long wantedBytes;

        @Label("Compactions")
        @Description("The segments it compacted")
        int compactions;

        @Label("Room Made")
        @Description("Whether the quota then had room for the write")
        boolean roomMade;
    }

    /** An index checkpoint written while the store runs. */
    @Name("dev.strata.DiskCheckpoint")
    @Label("Strata Disk Checkpoint")
    @Category({"Strata", "Disk"})
    @Description("A persistent disk store wrote its index to its snapshot file, holding its compaction lock")
    @StackTrace(false)
    static final class Checkpoint extends Event {
        @Label("Store")
        @Description("The store's directory")
        String store;

        @Label("Segments")
        @Description("The sealed segments the checkpoint names")
        int segments;

        @Label("Written")
        @Description("Whether the snapshot was written; if not, the one before stays")
        boolean written;
    }
}
