package dev.strata.exec;

import dev.strata.MemoryManagerKind;
import dev.strata.manager.MemoryManager;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import java.nio.file.Path;

/**
 * A real memory manager, a heap and an arena page allocator and a task factory over them, as the engine wires them.
 * Closing it closes the allocators (which throw in strict mode if pages leaked).
 */
final class ExecFixture implements AutoCloseable {

    static final long PAGE = 64 * 1024;

    final MemoryManager manager;
    final PageAllocator heapPages;
    final PageAllocator offHeapPages;
    final TaskMemoryFactory factory;

    /** Both regions of {@code regionBytes}, with no storage share, so the execution pool is the whole region. */
    ExecFixture(long regionBytes, Path tmpDir) {
        this(MemoryManagerKind.UNIFIED, regionBytes, 0.0, tmpDir, true);
    }

    ExecFixture(MemoryManagerKind kind, long regionBytes, double storageFraction, Path tmpDir, boolean strict) {
        manager = MemoryManager.create(kind, regionBytes, regionBytes, storageFraction);
        long budget = Math.max(PAGE, regionBytes / PAGE * PAGE);
        heapPages = PageAllocator.create(new PageAllocatorConfig("exec-test.heap", SlabSourceKind.HEAP, PAGE,
                budget, budget, true, false));
        offHeapPages = PageAllocator.create(new PageAllocatorConfig("exec-test.off-heap", SlabSourceKind.ARENA, PAGE,
                budget, budget, true, false));
        factory = new TaskMemoryFactory(manager, heapPages, offHeapPages, tmpDir, strict);
    }

    @Override
    public void close() {
        try {
            heapPages.close();
        } finally {
            offHeapPages.close();
        }
    }
}
