package dev.strata.exec;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.Consumer;

/**
 * One task's live execution pages by page number, so a stale handle (already freed) or a foreign one (another task's,
 * or another consumer's) is recognised on free, and every page still held can be found at task close. Page numbers
 * are the lowest free slots, as in Spark's {@code TaskMemoryManager}; the table grows as needed.
 *
 * <p>Not thread-safe: guarded by the task's lock.
 */
final class PageTable {

    private ExecutionPage[] pages = new ExecutionPage[16];
    private final BitSet used = new BitSet();
    private int size;

    /** {@return the lowest free page number} The caller then {@link #put}s a page there. */
    int nextFreeNumber() {
        return used.nextClearBit(0);
    }

    void put(ExecutionPage page) {
        int number = page.pageNumber();
        if (number >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(number + 1, pages.length * 2));
        }
        pages[number] = page;
        used.set(number);
        size++;
    }

    /** {@return whether {@code page} is the live page at its number} */
    boolean holds(ExecutionPage page) {
        int number = page.pageNumber();
        return number < pages.length && pages[number] == page;
    }

    void remove(ExecutionPage page) {
        pages[page.pageNumber()] = null;
        used.clear(page.pageNumber());
        size--;
    }

    int size() {
        return size;
    }

    /** Removes every page, passing each to {@code action}. */
    void drain(Consumer<ExecutionPage> action) {
        for (int number = used.nextSetBit(0); number >= 0; number = used.nextSetBit(number + 1)) {
            ExecutionPage page = pages[number];
            pages[number] = null;
            action.accept(page);
        }
        used.clear();
        size = 0;
    }
}
