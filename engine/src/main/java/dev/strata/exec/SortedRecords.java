package dev.strata.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A cursor over an {@link ExternalSorter}'s records in key order (keys compared as unsigned bytes,
 * lexicographically; records with equal keys in no particular order). It merges the sorter's spilled runs and its
 * in-memory remainder with a priority queue, reading each run through one small block buffer.
 *
 * {@snippet :
 * try (SortedRecords sorted = sorter.sortedRecords()) {
 *     while (sorted.next()) {
 *         consume(sorted.key(), sorted.value());
 *     }
 * }
 * }
 *
 * <p>When it reaches the end, fails, or is closed, it releases the sorter's memory and deletes its spill files.
 *
 * <p>Not thread-safe.
 */
public final class SortedRecords implements AutoCloseable {

    private final ExternalSorter sorter;
    private final List<SortedRun> runs;
    private final PriorityQueue<Head> queue;
    private Head current;
    private boolean started;
    private boolean finished;
    private boolean closed;

    /** A run with its current record, and its position in the run list to break ties deterministically. */
    private record Head(SortedRun run, int order, byte[] key, byte[] value) {
    }

    SortedRecords(ExternalSorter sorter, List<SortedRun> runs) {
        this.sorter = sorter;
        this.runs = List.copyOf(runs);
        this.queue = new PriorityQueue<>(Math.max(1, runs.size()), (a, b) -> {
            int byKey = Arrays.compareUnsigned(a.key, b.key);
            return byKey != 0 ? byKey : Integer.compare(a.order, b.order);
        });
    }

    /**
     * Moves to the next record.
     *
     * @return true if there is one, false at the end (the sorter's resources are then released)
     * @throws IllegalStateException if this cursor is closed
     * @throws UncheckedIOException if a spill file cannot be read or fails its checks (CRC32C, framing, record
     *     count); the cursor is closed and the spill files are deleted first
     */
    public boolean next() {
        if (closed) {
            throw new IllegalStateException("sorted records of " + sorter.name() + " are closed");
        }
        if (finished) {
            return false;
        }
        try {
            if (!started) {
                started = true;
                for (int i = 0; i < runs.size(); i++) {
                    offer(runs.get(i), i);
                }
            } else {
                offer(current.run, current.order);
            }
            current = queue.poll();
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(e);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("task " + sorter.task().taskId() + ": merging the "
                        + runs.size() + " runs of " + sorter.name() + " failed: " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
        if (current == null) {
            finished = true;
            sorter.mergeFinished(runs);
            return false;
        }
        return true;
    }

    /**
     * {@return the current record's key} A fresh array the caller may keep.
     *
     * @throws IllegalStateException if there is no current record ({@link #next()} not called, or returned false)
     */
    public byte[] key() {
        return currentRecord().key;
    }

    /**
     * {@return the current record's value} A fresh array the caller may keep.
     *
     * @throws IllegalStateException if there is no current record ({@link #next()} not called, or returned false)
     */
    public byte[] value() {
        return currentRecord().value;
    }

    /** Stops reading: releases the sorter's memory and deletes its spill files. Closing again does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!finished) {
            finished = true;
            sorter.mergeFinished(runs);
        }
    }

    private void offer(SortedRun run, int order) throws IOException {
        if (run.advance()) {
            queue.add(new Head(run, order, run.key(), run.value()));
        }
    }

    private Head currentRecord() {
        if (closed || current == null || finished) {
            throw new IllegalStateException("no current record (call next() first and check that it returned true)");
        }
        return current;
    }

    private void closeAfterFailure(Exception failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
