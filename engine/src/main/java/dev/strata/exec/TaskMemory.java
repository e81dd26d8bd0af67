package dev.strata.exec;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One task's execution memory: its share of the engine's execution pools, the consumers that use it, and their
 * pages. After Spark's {@code TaskMemoryManager}. Get one from {@code Engine.newTask()} and close it when the task
 * ends.
 *
 * <h2>Design</h2>
 *
 * <p><b>Grants.</b> Every byte a consumer holds was first granted to this task by the engine's memory manager, in the
 * consumer's mode; a page is taken from the engine's page allocator only after the manager granted its whole size (a
 * partial grant for a page is given back and counts as a shortfall). Invariant, whenever the lock is free: for each
 * mode, the bytes the manager charges this task == the sum of {@link MemoryConsumer#used()} over its consumers of
 * that mode, and every page in the page table belongs to a registered consumer.
 *
 * <p><b>Spilling.</b> When the manager grants less than a consumer asked for, this task asks its consumers of the same
 * mode that hold memory to {@link MemoryConsumer#spill spill}, one at a time: the one with the smallest usage that
 * still covers the shortfall, else the largest, the requesting consumer last (it is ranked as if it held 0). After
 * each spill that freed memory it asks the manager again for what is still missing, since another task may have taken
 * the freed memory meanwhile (SPARK-35486). A consumer that freed some memory is ranked again by what it still holds
 * (Spark keeps its old rank and may ask it again for nothing); one that frees nothing is not asked again during this
 * request.
 * Other tasks' memory is never spilled: they are reclaimed only by the manager's fairness rule (a task may hold
 * {@code 1/N} of the pool and is guaranteed {@code 1/(2N)}, waiting for it if needed).
 *
 * <p><b>Concurrency.</b> Thread-safe: one lock guards the consumers, the page table and the counters, and is held
 * while consumers spill and while the manager may wait for memory released by other tasks. Consumers themselves are
 * meant for one thread at a time.
 *
 * <p><b>Close.</b> {@link #close()} frees every page still held, returns all of the task's memory to the manager and
 * reports what consumers still held as a leak: {@link IllegalStateException} in strict mode (after releasing
 * everything), a warning otherwise. Afterwards every method but {@link #close()}, {@link #taskId()} and
 * {@link #stats()} throws {@link IllegalStateException}.
 */
public final class TaskMemory implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaskMemory.class.getName());

    private final long taskId;
    private final TaskMemoryFactory factory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<MemoryConsumer> consumers = new LinkedHashSet<>();
    private final PageTable pageTable = new PageTable();
    private final long[] heldBytesByMode = new long[MemoryMode.values().length];
    private long grants;
    private long shortfalls;
    private long spills;
    private long spilledBytes;
    private long spillFileBytes;
    private boolean closed;

    TaskMemory(long taskId, TaskMemoryFactory factory) {
        this.taskId = taskId;
        this.factory = factory;
    }

    /** {@return this task's id, unique within its engine; the memory manager charges memory to it} */
    public long taskId() {
        return taskId;
    }

    /** {@return a snapshot of this task's memory and counters} Works after close too. */
    public TaskMemoryStats stats() {
        lock.lock();
        try {
            return new TaskMemoryStats(taskId, heldBytesByMode[MemoryMode.ON_HEAP.ordinal()],
                    heldBytesByMode[MemoryMode.OFF_HEAP.ordinal()], pageTable.size(), consumers.size(), grants,
                    shortfalls, spills, spilledBytes, spillFileBytes);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the task: frees every page its consumers still hold, returns all its execution memory to the manager and
     * reports a leak if consumers still held memory. Closing again does nothing.
     *
     * @throws IllegalStateException in strict mode, if consumers still held memory (the message names the bytes,
     *     pages and consumers); everything is released all the same. Otherwise the leak is logged as a warning.
     */
    @Override
    public void close() {
        String leak;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            leak = releaseEverything();
        } finally {
            lock.unlock();
        }
        factory.counters.tasksClosed.increment();
        if (leak != null) {
            if (factory.strict) {
                throw new IllegalStateException(leak);
            }
            LOG.log(System.Logger.Level.WARNING, leak);
        }
    }

    @Override
    public String toString() {
        return "task " + taskId + (closed ? " (closed)" : "");
    }

    // ---- package-private: called by MemoryConsumer and the engine's own consumers ----

    /** {@return the granted bytes, in [0, bytes], after spilling consumers if the manager gave less} */
    long acquire(MemoryConsumer consumer, long bytes) {
        checkPositive("acquireMemory", bytes);
        lock.lock();
        try {
            long got = acquireExecutionMemory(consumer, bytes);
            consumer.addUsed(got);
            return got;
        } finally {
            lock.unlock();
        }
    }

    void release(MemoryConsumer consumer, long bytes) {
        checkPositive("releaseMemory", bytes);
        lock.lock();
        try {
            checkOpen();
            long plainBytes = consumer.used() - consumer.pageBytes();
            if (bytes > plainBytes) {
                throw new IllegalArgumentException("releaseMemory: " + bytes + " bytes (expected: at most the "
                        + plainBytes + " bytes " + consumer.name() + " holds outside pages)");
            }
            consumer.addUsed(-bytes);
            releaseToManager(consumer, bytes);
        } finally {
            lock.unlock();
        }
    }

    ExecutionPage allocatePage(MemoryConsumer consumer) {
        lock.lock();
        try {
            MemoryMode mode = consumer.mode();
            long pageSize = pageSize(mode);
            long got = acquireExecutionMemory(consumer, pageSize);
            if (got < pageSize) {
                if (got > 0) {
                    releaseToManager(consumer, got);
                }
                throw refusal(consumer, pageSize, got, "could not get a page's worth after spilling");
            }
            Page page = factory.allocator(mode).tryAllocate(consumer);
            if (page == null) {
                releaseToManager(consumer, pageSize);
                throw refusal(consumer, pageSize, 0, "the manager granted a page but the page allocator '"
                        + factory.allocator(mode).name() + "' has none left: " + factory.allocator(mode).stats());
            }
            ExecutionPage executionPage = new ExecutionPage(this, consumer, page, pageTable.nextFreeNumber());
            pageTable.put(executionPage);
            consumer.addUsed(pageSize);
            consumer.addPageBytes(pageSize);
            return executionPage;
        } finally {
            lock.unlock();
        }
    }

    void freePage(MemoryConsumer consumer, ExecutionPage page) {
        Objects.requireNonNull(page, "page");
        lock.lock();
        try {
            checkOpen();
            if (page.task() != this || page.consumer() != consumer || !pageTable.holds(page)) {
                throw new IllegalStateException("freePage: " + page + (page.isFreed() ? " was already freed"
                        : " is not held by " + consumer.name() + " of task " + taskId));
            }
            pageTable.remove(page);
            page.markFreed();
            factory.allocator(consumer.mode()).free(page.page());
            consumer.addUsed(-page.byteSize());
            consumer.addPageBytes(-page.byteSize());
            releaseToManager(consumer, page.byteSize());
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    long pageSize(MemoryMode mode) {
        return factory.allocator(mode).pageSize();
    }

    Path tmpDir() {
        return factory.tmpDir;
    }

    void recordSpillFile(long bytes) {
        lock.lock();
        try {
            spillFileBytes += bytes;
        } finally {
            lock.unlock();
        }
        factory.counters.spillFileBytes.add(bytes);
    }

    /** Checks that a consumer of {@code mode} can be created. */
    void checkUsable(MemoryMode mode) {
        lock.lock();
        try {
            checkOpen();
        } finally {
            lock.unlock();
        }
        factory.allocator(mode);
    }

    // ---- the spill protocol ----

    /** Asks the manager, spilling consumers while it grants less; caller holds the lock. */
    private long acquireExecutionMemory(MemoryConsumer requester, long required) {
        checkOpen();
        consumers.add(requester);
        MemoryMode mode = requester.mode();
        long got = askManager(required, mode);
        if (got < required) {
            TreeMap<Long, List<MemoryConsumer>> candidates = spillCandidates(requester, mode);
            while (got < required && !candidates.isEmpty()) {
                long missing = required - got;
                Map.Entry<Long, List<MemoryConsumer>> entry = candidates.ceilingEntry(missing);
                if (entry == null) {
                    entry = candidates.lastEntry();
                }
                List<MemoryConsumer> sameUsage = entry.getValue();
                MemoryConsumer victim = sameUsage.removeLast();
                if (sameUsage.isEmpty()) {
                    candidates.remove(entry.getKey());
                }
                if (spill(victim, missing, requester) > 0) {
                    if (victim.used() > 0) {               // re-rank by what it still holds (Spark keeps the old key)
                        addCandidate(candidates, victim, requester);
                    }
                    got += askManager(missing, mode);
                }                                          // else: it freed nothing, so it is not asked again
            }
        }
        if (got > 0 || requester.used() > 0) {
            consumers.add(requester);              // a self-spill may have dropped it meanwhile
        } else {
            consumers.remove(requester);
        }
        return got;
    }

    /** Consumers of {@code mode} holding memory, by usage; the requester ranked as if it held 0, so it goes last. */
    private TreeMap<Long, List<MemoryConsumer>> spillCandidates(MemoryConsumer requester, MemoryMode mode) {
        TreeMap<Long, List<MemoryConsumer>> candidates = new TreeMap<>();
        for (MemoryConsumer c : consumers) {
            if (c.mode() == mode && c.used() > 0) {
                addCandidate(candidates, c, requester);
            }
        }
        return candidates;
    }

    private static void addCandidate(TreeMap<Long, List<MemoryConsumer>> candidates, MemoryConsumer c,
                                     MemoryConsumer requester) {
        long rank = c == requester ? 0 : c.used();
        candidates.computeIfAbsent(rank, k -> new ArrayList<>(1)).add(c);
    }

    private long spill(MemoryConsumer victim, long missing, MemoryConsumer requester) {
        long released;
        try {
            released = victim.spill(missing, requester);
        } catch (IOException e) {
            throw new UncheckedIOException("task " + taskId + ": " + victim.name() + " failed to spill for "
                    + requester.name() + ", which needs " + missing + " more bytes of " + requester.mode()
                    + " execution memory", e);
        }
        if (released < 0) {
            throw new IllegalStateException(victim.name() + ".spill returned " + released + " (expected: >= 0)");
        }
        if (released > 0) {
            spills++;
            spilledBytes += released;
            factory.counters.spills.increment();
            factory.counters.spilledBytes.add(released);
            LOG.log(System.Logger.Level.DEBUG, () -> "task " + taskId + ": " + victim.name() + " spilled " + released
                    + " bytes for " + requester.name());
        }
        return released;
    }

    private long askManager(long bytes, MemoryMode mode) {
        long got;
        try {
            got = factory.manager.acquireExecutionMemory(bytes, taskId, mode);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException cancelled = new CancellationException("task " + taskId
                    + " was interrupted while waiting for " + bytes + " bytes of " + mode + " execution memory");
            cancelled.initCause(e);
            throw cancelled;
        }
        heldBytesByMode[mode.ordinal()] += got;
        if (got == bytes) {
            grants++;
            factory.counters.grants.increment();
        } else {
            shortfalls++;
            factory.counters.shortfalls.increment();
        }
        return got;
    }

    private void releaseToManager(MemoryConsumer consumer, long bytes) {
        heldBytesByMode[consumer.mode().ordinal()] -= bytes;
        factory.manager.releaseExecutionMemory(bytes, taskId, consumer.mode());
        if (consumer.used() == 0) {
            consumers.remove(consumer);
        }
    }

    private MemoryBudgetExceededException refusal(MemoryConsumer consumer, long requested, long got, String why) {
        return new MemoryBudgetExceededException("task " + taskId + ": " + consumer + " needs " + requested
                + " bytes of " + consumer.mode() + " execution memory and got " + got + " (" + why + "); pool "
                + factory.manager.state(consumer.mode()) + ", task holds " + heldBytesByMode[consumer.mode().ordinal()]
                + " bytes", requested, got);
    }

    // ---- close ----

    /** Frees all pages, returns all memory; {@return the leak report, or null if nothing was held}. Lock held. */
    private String releaseEverything() {
        List<String> holders = new ArrayList<>();
        long consumerBytes = 0;
        for (MemoryConsumer c : consumers) {
            if (c.used() > 0) {
                holders.add(c.toString());
                consumerBytes += c.used();
            }
            c.clearUsed();
        }
        consumers.clear();
        int pages = pageTable.size();
        List<RuntimeException> failures = new ArrayList<>();
        pageTable.drain(page -> {
            page.markFreed();
            try {
                factory.allocator(page.mode()).free(page.page());
            } catch (RuntimeException e) {      // the allocator was closed first: its close reported the page
                failures.add(e);
            }
        });
        long released = factory.manager.releaseAllExecutionMemory(taskId);
        Arrays.fill(heldBytesByMode, 0);
        factory.counters.leakedBytes.add(released);
        if (released == 0 && pages == 0 && consumerBytes == 0) {
            return null;
        }
        String report = "task " + taskId + " closed with " + released + " bytes of execution memory and " + pages
                + " pages still held (leak); consumers: " + holders;
        if (!failures.isEmpty()) {
            report += "; freeing pages failed: " + failures.getFirst().getMessage();
        }
        return report;
    }

    // ---- helpers ----

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("task " + taskId + " is closed");
        }
    }

    private static void checkPositive(String operation, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(operation + ": bytes: " + bytes + " (expected: > 0)");
        }
    }
}
