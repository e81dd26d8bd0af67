package dev.strata.exec;

import dev.strata.MemoryBudgetExceededException;
import dev.strata.MemoryMode;
import java.io.IOException;
import java.util.Objects;

/**
 * Something that uses a task's execution memory and can give it back by spilling to disk: a sorter, a hash table,
 * a buffer. Subclasses take memory through the {@code protected} methods and implement {@link #spill}.
 *
 * <p>A consumer joins its task's list of spill candidates with its first request, and leaves it when it holds nothing.
 * When the task cannot get memory for one consumer, it asks consumers of the same mode to spill: the smallest one
 * that holds at least the shortfall, else the largest, the requesting consumer last (see {@link TaskMemory}).
 *
 * <p>Thread-safety: a consumer belongs to one task and, like the task, is meant to be used by one thread at a time.
 * {@link #spill} may be called on the thread of any consumer of the same task, while that thread is inside one of
 * the {@code protected} methods here; it must not ask for memory itself.
 */
public abstract class MemoryConsumer {

    private final TaskMemory task;
    private final MemoryMode mode;
    /** Bytes this consumer holds (pages and plain grants); changed only under the task's lock. */
    private volatile long usedBytes;
    /** The part of {@link #usedBytes} held as pages; changed only under the task's lock. */
    private long pageBytes;

    /**
     * Creates a consumer of {@code task}'s memory in {@code mode}.
     *
     * @param task the task whose memory it uses
     * @param mode where its memory lives
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the task's engine has no region for {@code mode}
     * @throws IllegalStateException if the task is closed
     */
    protected MemoryConsumer(TaskMemory task, MemoryMode mode) {
        this.task = Objects.requireNonNull(task, "task");
        this.mode = Objects.requireNonNull(mode, "mode");
        task.checkUsable(mode);
    }

    /** {@return the task whose memory this consumer uses} */
    public final TaskMemory task() {
        return task;
    }

    /** {@return where this consumer's memory lives} */
    public final MemoryMode mode() {
        return mode;
    }

    /** {@return the bytes of execution memory this consumer holds (pages included)} */
    public final long used() {
        return usedBytes;
    }

    /** {@return a short name for logs and leak reports: the class name and an identity hash} */
    public String name() {
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this));
    }

    @Override
    public String toString() {
        return name() + "[" + mode + ", used=" + usedBytes + "]";
    }

    /**
     * Frees memory by writing data to disk (or dropping what can be recomputed), returning pages with
     * {@link #freePage} and plain memory with {@link #releaseMemory}. Called by the task, under its lock, when a
     * consumer of the same task (possibly this one) is short of memory. Must not ask for memory.
     *
     * @param size the bytes still needed; freeing more is allowed
     * @param trigger the consumer that is short of memory (may be {@code this})
     * @return the bytes freed, 0 if this consumer cannot free anything now
     * @throws IOException if writing to disk fails; the task wraps it in an {@link java.io.UncheckedIOException}
     */
    public abstract long spill(long size, MemoryConsumer trigger) throws IOException;

    /**
     * Asks for {@code bytes} of execution memory not tied to a page (e.g. for heap objects this consumer accounts
     * for). When the pool cannot give them all, consumers of this task are asked to spill first.
     *
     * @param bytes how many bytes, {@code > 0}
     * @return the bytes granted, from 0 to {@code bytes}; the consumer holds them until {@link #releaseMemory}
     * @throws IllegalArgumentException if {@code bytes <= 0}
     * @throws IllegalStateException if the task is closed
     * @throws java.io.UncheckedIOException if a spill failed
     * @throws java.util.concurrent.CancellationException if the thread was interrupted while waiting for memory
     *     (the interrupt flag is set again)
     */
    protected final long acquireMemory(long bytes) {
        return task.acquire(this, bytes);
    }

    /**
     * Gives back execution memory taken with {@link #acquireMemory}.
     *
     * @param bytes how many bytes, {@code > 0}, at most what this consumer holds outside pages
     * @throws IllegalArgumentException if {@code bytes} is not positive or more than this consumer holds
     * @throws IllegalStateException if the task is closed
     */
    protected final void releaseMemory(long bytes) {
        task.release(this, bytes);
    }

    /**
     * Allocates a page of {@link #pageSize()} bytes. The task first obtains the page's size from the memory manager
     * (asking consumers to spill if needed) and only then takes a page from the engine's allocator.
     *
     * @return a new page held by this consumer
     * @throws MemoryBudgetExceededException if a page's worth of memory cannot be had even after spilling; the
     *     message holds the pool's state
     * @throws IllegalStateException if the task is closed
     * @throws java.io.UncheckedIOException if a spill failed
     * @throws java.util.concurrent.CancellationException if the thread was interrupted while waiting for memory
     */
    protected final ExecutionPage allocatePage() {
        return task.allocatePage(this);
    }

    /**
     * Frees a page this consumer holds and returns its memory to the pool.
     *
     * @param page a live page allocated by this consumer
     * @throws IllegalStateException if the page was already freed, or is not this consumer's (stale or foreign)
     * @throws NullPointerException if {@code page} is null
     */
    protected final void freePage(ExecutionPage page) {
        task.freePage(this, page);
    }

    /** {@return the size of the pages {@link #allocatePage()} returns, in bytes} */
    protected final long pageSize() {
        return task.pageSize(mode);
    }

    /** Called by the task, under its lock. */
    final void addUsed(long delta) {
        usedBytes += delta;
    }

    /** Called by the task, under its lock. */
    final void addPageBytes(long delta) {
        pageBytes += delta;
    }

    /** Called by the task, under its lock. */
    final long pageBytes() {
        return pageBytes;
    }

    /** Called by the task at close, under its lock. */
    final void clearUsed() {
        usedBytes = 0;
        pageBytes = 0;
    }
}
