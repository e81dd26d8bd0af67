package dev.strata.exec;

import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.PageAllocator;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's source of {@link TaskMemory}: binds tasks to the engine's memory manager, its page allocators and its
 * temporary directory, hands out task ids, and keeps the engine-wide execution counters.
 *
 * <p>Internal: applications get tasks from {@code Engine.newTask()}; the types this class is built from are not
 * exported, so it cannot be constructed outside the engine.
 *
 * <p>Thread-safe.
 */
@SuppressWarnings("exports")    // built only by the engine, from its internal memory manager and page allocators
public final class TaskMemoryFactory {

    final MemoryManager manager;
    final Path tmpDir;
    final boolean strict;
    final ExecCounters counters = new ExecCounters();
    private final PageAllocator heapPages;
    private final PageAllocator offHeapPages;
    private final AtomicLong nextTaskId = new AtomicLong(1);

    /**
     * Creates the factory.
     *
     * @param manager the engine's memory manager
     * @param heapPages the allocator of on-heap pages ({@code HEAP} slabs), or null if the engine has no heap region
     * @param offHeapPages the allocator of off-heap pages, or null if the engine has no off-heap region
     * @param tmpDir where consumers write spill files; created when first needed
     * @param strict whether a task closed with memory still held throws (otherwise it logs a warning)
     * @throws NullPointerException if {@code manager} or {@code tmpDir} is null
     * @throws IllegalArgumentException if an allocator's pages are not of the mode its parameter names
     */
    public TaskMemoryFactory(MemoryManager manager, PageAllocator heapPages, PageAllocator offHeapPages, Path tmpDir,
                             boolean strict) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.tmpDir = Objects.requireNonNull(tmpDir, "tmpDir");
        this.heapPages = checkMode("heapPages", heapPages, MemoryMode.ON_HEAP);
        this.offHeapPages = checkMode("offHeapPages", offHeapPages, MemoryMode.OFF_HEAP);
        this.strict = strict;
    }

    /** {@return a new task with a fresh id and no memory} */
    public TaskMemory newTask() {
        TaskMemory task = new TaskMemory(nextTaskId.getAndIncrement(), this);
        counters.tasksStarted.increment();
        return task;
    }

    /** {@return the engine-wide execution counters} */
    public ExecutionStats stats() {
        return counters.snapshot();
    }

    /** {@return spill calls that freed memory, over all tasks} */
    public long spillCount() {
        return counters.spills.sum();
    }

    /** {@return execution memory freed by spills, over all tasks} */
    public long spilledBytes() {
        return counters.spilledBytes.sum();
    }

    /** {@return the page allocator of {@code mode}} Throws IllegalArgumentException if the engine has none. */
    PageAllocator allocator(MemoryMode mode) {
        PageAllocator allocator = mode == MemoryMode.ON_HEAP ? heapPages : offHeapPages;
        if (allocator == null) {
            throw new IllegalArgumentException("mode: " + mode + " (expected: a mode the engine has a region for; "
                    + "its " + (mode == MemoryMode.ON_HEAP ? "heap" : "off-heap") + " region is 0)");
        }
        return allocator;
    }

    private static PageAllocator checkMode(String name, PageAllocator allocator, MemoryMode mode) {
        if (allocator != null && allocator.mode() != mode) {
            throw new IllegalArgumentException(name + ": allocator '" + allocator.name() + "' of " + allocator.mode()
                    + " pages (expected: " + mode + ")");
        }
        return allocator;
    }
}
