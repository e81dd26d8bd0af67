package dev.strata.exec;

import dev.strata.MemoryMode;
import java.util.ArrayList;
import java.util.List;

/** A consumer that holds plain memory and pages on request and, if spillable, gives all of it back on spill. */
final class TestConsumer extends MemoryConsumer {

    private final String label;
    private final List<String> spillLog;
    private final boolean spillable;
    private final List<ExecutionPage> pages = new ArrayList<>();
    private long plainBytes;

    TestConsumer(TaskMemory task, MemoryMode mode, String label, List<String> spillLog, boolean spillable) {
        super(task, mode);
        this.label = label;
        this.spillLog = spillLog;
        this.spillable = spillable;
    }

    long grab(long bytes) {
        long got = acquireMemory(bytes);
        plainBytes += got;
        return got;
    }

    ExecutionPage page() {
        ExecutionPage page = allocatePage();
        pages.add(page);
        return page;
    }

    void free(ExecutionPage page) {
        freePage(page);
        pages.remove(page);
    }

    void releaseAll() {
        for (ExecutionPage page : List.copyOf(pages)) {
            free(page);
        }
        if (plainBytes > 0) {
            releaseMemory(plainBytes);
            plainBytes = 0;
        }
    }

    /** Frees one page if it holds any, else releases its plain memory. */
    void releasePlainOrPage() {
        if (!pages.isEmpty()) {
            free(pages.getLast());
        } else {
            releasePlain(plainBytes);
        }
    }

    void releasePlain(long bytes) {
        releaseMemory(bytes);
        plainBytes -= bytes;
    }

    @Override
    public long spill(long size, MemoryConsumer trigger) {
        spillLog.add(label);
        if (!spillable) {
            return 0;
        }
        long before = used();
        releaseAll();
        return before;
    }

    @Override
    public String name() {
        return label;
    }
}
