package dev.strata.exec;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Sorts more (key, value) records than fit in its memory: keys compare as unsigned bytes, lexicographically. A
 * {@link MemoryConsumer} of its task, so it spills when its task runs short of memory.
 *
 * {@snippet :
 * try (TaskMemory task = engine.newTask();
 *      ExternalSorter sorter = new ExternalSorter(task, MemoryMode.OFF_HEAP)) {
 *     for (Record r : input) {
 *         sorter.insert(r.key(), r.value());
 *     }
 *     try (SortedRecords sorted = sorter.sortedRecords()) {
 *         while (sorted.next()) {
 *             output(sorted.key(), sorted.value());
 *         }
 *     }
 * }
 * }
 *
 * <h2>Design</h2>
 *
 * <p><b>In memory.</b> Records are appended to a chain of execution pages ({@link RecordPages}: {@code [keyLen]
 * [valueLen][key][value]}), and each gets a 16-byte entry (8-byte key prefix, record address) in a second page chain
 * ({@link PointerArray}); there is no Java object per record. Sorting is a quicksort over the entries that compares
 * prefixes and reads the keys only when prefixes are equal ({@link PrefixSort}). Memory per record: its bytes + 8 +
 * 16.
 *
 * <p><b>Spilling.</b> Pages come from the task, which may ask this sorter (or another consumer) to {@link #spill}
 * when it is short: the sorter then sorts its buffer, writes it as one run to a temporary file under the engine's
 * temporary directory (blocks of about 8 KiB, each with a CRC32C; see {@link RunWriter}), and frees all its pages.
 * When the sorter itself cannot get a page, the task asks it to spill last, after other consumers.
 *
 * <p><b>Merging.</b> {@link #sortedRecords()} sorts what is still in memory and merges it with the runs through a
 * priority queue; each run is read through one block buffer, so merge memory is about 8 KiB per run besides the
 * in-memory remainder. While merging the sorter cannot spill ({@link #spill} returns 0).
 *
 * <p><b>Files.</b> Spill files are deleted when the merge ends or fails, when a spill fails half-way, and by
 * {@link #close()}.
 *
 * <p>Not thread-safe: one thread inserts and merges; {@link #spill} is called by the task on that same thread (or on
 * the thread of another consumer of the task, while this one is not being used).
 */
public final class ExternalSorter extends MemoryConsumer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ExternalSorter.class.getName());

    private enum State { INSERTING, MERGING, CLOSED }

    private final RecordPages records;
    private final PointerArray pointers;
    private final List<Path> runs = new ArrayList<>();
    private State state = State.INSERTING;
    private SortedRecords cursor;
    private long recordCount;
    private int spillCount;
    private long spillFileBytes;

    /**
     * Creates a sorter that takes its memory from {@code task} in {@code mode}.
     *
     * @param task the task whose execution memory it uses
     * @param mode where its pages live: heap pages ({@code ON_HEAP}) or native pages ({@code OFF_HEAP})
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the engine has no region for {@code mode}
     * @throws IllegalStateException if the task is closed
     */
    public ExternalSorter(TaskMemory task, MemoryMode mode) {
        super(task, mode);
        this.records = new RecordPages(task.pageSize(mode));
        this.pointers = new PointerArray(task.pageSize(mode));
    }

    /**
     * Adds a record. The arrays are copied; the caller may reuse them.
     *
     * @param key the key, possibly empty
     * @param value the value, possibly empty
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the record does not fit in one page: {@code 8 + key.length + value.length}
     *     must be at most the page size
     * @throws IllegalStateException if {@link #sortedRecords()} or {@link #close()} was called
     * @throws MemoryBudgetExceededException if the sorter cannot get the two pages it needs even after spilling
     * @throws UncheckedIOException if a spill failed
     */
    public void insert(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        checkState(State.INSERTING, "insert");
        long recordBytes = RecordPages.HEADER_BYTES + (long) key.length + value.length;
        if (recordBytes > pageSize()) {
            throw new IllegalArgumentException("record of " + key.length + " key bytes and " + value.length
                    + " value bytes (expected: 8 + key + value <= the page size, " + pageSize() + " bytes)");
        }
        ensureRoom(recordBytes);
        pointers.add(PointerArray.prefix(key), records.append(key, value));
        recordCount++;
    }

    /**
     * Ends the input and returns the records in key order. Call it once; the sorter's memory and files are released
     * when the returned cursor ends or is closed.
     *
     * @return a cursor over all records inserted
     * @throws IllegalStateException if called before, or after {@link #close()}
     * @throws UncheckedIOException if a spill file cannot be opened (the files are deleted)
     */
    public SortedRecords sortedRecords() {
        checkState(State.INSERTING, "sortedRecords");
        state = State.MERGING;
        PrefixSort.sort(pointers, records);
        List<SortedRun> sources = new ArrayList<>(runs.size() + 1);
        try {
            for (Path run : runs) {
                sources.add(new SortedRun.FromFile(new RunReader(run, pageSize())));
            }
        } catch (IOException e) {
            mergeFinished(sources);
            throw new UncheckedIOException("task " + task().taskId() + ": " + name() + " could not open its runs", e);
        }
        sources.add(new SortedRun.InMemory(pointers, records));
        cursor = new SortedRecords(this, sources);
        return cursor;
    }

    /** {@return the records inserted so far} */
    public long recordCount() {
        return recordCount;
    }

    /** {@return how many sorted runs this sorter wrote to disk} */
    public int spillCount() {
        return spillCount;
    }

    /** {@return the bytes of all runs this sorter wrote to disk} */
    public long spillFileBytes() {
        return spillFileBytes;
    }

    /**
     * Writes the in-memory records as a sorted run to a spill file and frees all pages. Called by the task.
     *
     * @param size the bytes the task still needs (this sorter always frees all it can)
     * @param trigger the consumer short of memory
     * @return the bytes freed: 0 while merging, after close, or when asked by itself while holding no record
     * @throws IOException if the spill file cannot be written; it is deleted, and the records stay in memory
     */
    @Override
    public long spill(long size, MemoryConsumer trigger) throws IOException {
        if (state != State.INSERTING || (pointers.size() == 0 && trigger == this)) {
            return 0;
        }
        long before = used();
        if (pointers.size() > 0) {
            writeRun();
        }
        freeBuffer();
        return before - used();
    }

    /**
     * Releases the sorter's memory and deletes its spill files, also those of an unfinished merge. Closing again
     * does nothing.
     */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        if (cursor != null) {
            cursor.close();
        } else {
            release(List.of());
        }
        state = State.CLOSED;
    }

    /** Called by the cursor when the merge ends, fails or is closed. */
    void mergeFinished(List<SortedRun> sources) {
        release(sources);
        state = State.CLOSED;
    }

    // ---- internals ----

    /** Takes pages until the pointer array has a free entry and the current page has room for the record. */
    private void ensureRoom(long recordBytes) {
        while (true) {
            if (!pointers.hasRoom()) {
                pointers.addPage(allocatePage());        // may make this sorter spill: then loop and check again
            } else if (!records.fits(recordBytes)) {
                records.addPage(allocatePage());
            } else {
                return;
            }
        }
    }

    private void writeRun() throws IOException {
        PrefixSort.sort(pointers, records);
        Path tmpDir = task().tmpDir();
        Files.createDirectories(tmpDir);
        Path file = Files.createTempFile(tmpDir, "strata-sort-task" + task().taskId() + "-", ".run");
        boolean written = false;
        try (RunWriter writer = new RunWriter(file)) {
            for (int i = 0; i < pointers.size(); i++) {
                long address = pointers.address(i);
                writer.write(records.segment(address), RecordPages.offset(address), records.keyLength(address),
                        records.valueLength(address));
            }
            long bytes = writer.finish();
            spillFileBytes += bytes;
            spillCount++;
            task().recordSpillFile(bytes);
            written = true;
        } finally {
            if (written) {
                runs.add(file);
            } else {
                deleteQuietly(file, null);
            }
        }
    }

    private void freeBuffer() {
        for (ExecutionPage page : records.drain()) {
            freePage(page);
        }
        for (ExecutionPage page : pointers.drain()) {
            freePage(page);
        }
    }

    /** Closes the run readers, frees the pages and deletes the files; reports the first failure after trying all. */
    private void release(List<SortedRun> sources) {
        RuntimeException failure = null;
        for (SortedRun source : sources) {
            try {
                source.close();
            } catch (IOException | RuntimeException e) {
                failure = chain(failure, e);
            }
        }
        try {
            if (task().isClosed()) {                     // the task's close freed the pages (and reported a leak)
                records.drain();
                pointers.drain();
            } else {
                freeBuffer();
            }
        } catch (RuntimeException e) {
            failure = chain(failure, e);
        }
        for (Path run : runs) {
            failure = deleteQuietly(run, failure);
        }
        runs.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException deleteQuietly(Path file, RuntimeException failure) {
        try {
            Files.deleteIfExists(file);
            return failure;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete spill file " + file, e);
            return chain(failure, e);
        }
    }

    private static RuntimeException chain(RuntimeException failure, Exception e) {
        RuntimeException unchecked = e instanceof RuntimeException r ? r
                : new UncheckedIOException(e.getMessage(), (IOException) e);
        if (failure == null) {
            return unchecked;
        }
        failure.addSuppressed(unchecked);
        return failure;
    }

    private void checkState(State expected, String operation) {
        if (state != expected) {
            throw new IllegalStateException(operation + ": " + name() + " is "
                    + (state == State.CLOSED ? "closed" : "merging") + " (expected: " + expected.name().toLowerCase(Locale.ROOT) + ")");
        }
    }
}
