package dev.strata.exec;

import dev.strata.MemoryMode;
import dev.strata.memory.Page;
import java.lang.foreign.MemorySegment;

/**
 * One page of execution memory held by a {@link MemoryConsumer}: a fixed-size block of heap ({@code ON_HEAP}) or
 * native ({@code OFF_HEAP}) memory, charged to the consumer's task until the consumer frees it or the task closes.
 *
 * <p>Its {@link #pageNumber()} is its slot in the task's page table: unique among the task's live pages, reused after
 * the page is freed. Once freed (by {@link MemoryConsumer#freePage} or by {@link TaskMemory#close()}), every access
 * through this handle throws {@link IllegalStateException}, even when the memory has been handed out again.
 *
 * <p>Thread-safety: may be read from any thread; the bytes of {@link #segment()} are not synchronized.
 */
public final class ExecutionPage {

    private final TaskMemory task;
    private final MemoryConsumer consumer;
    private final Page page;
    private final int pageNumber;
    private volatile boolean freed;

    ExecutionPage(TaskMemory task, MemoryConsumer consumer, Page page, int pageNumber) {
        this.task = task;
        this.consumer = consumer;
        this.page = page;
        this.pageNumber = pageNumber;
    }

    /** {@return the page's slot in its task's page table} */
    public int pageNumber() {
        return pageNumber;
    }

    /** {@return the page size in bytes} */
    public long byteSize() {
        return page.byteSize();
    }

    /** {@return where the page's memory lives} */
    public MemoryMode mode() {
        return consumer.mode();
    }

    /** {@return whether the page was freed} */
    public boolean isFreed() {
        return freed;
    }

    /**
     * {@return the page's memory, {@link #byteSize()} bytes} Callers must not keep it after the page is freed.
     *
     * @throws IllegalStateException if the page was freed
     */
    public MemorySegment segment() {
        if (freed) {
            throw new IllegalStateException(this + " was freed");
        }
        return page.segment();
    }

    @Override
    public String toString() {
        return "execution page " + pageNumber + " of task " + task.taskId() + " (" + page.byteSize() + " bytes, "
                + consumer.mode() + ", " + consumer.name() + ")";
    }

    TaskMemory task() {
        return task;
    }

    MemoryConsumer consumer() {
        return consumer;
    }

    Page page() {
        return page;
    }

    void markFreed() {
        freed = true;
    }
}
