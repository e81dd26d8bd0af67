package dev.strata.memory;

import dev.strata.management.PageAllocatorMXBean;

/** The MXBean of one {@link PageAllocator}: each getter reads a fresh {@link PageAllocatorStats}. Thread-safe. */
final class PageAllocatorBean implements PageAllocatorMXBean {

    private final PageAllocator allocator;

    PageAllocatorBean(PageAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public String getName() {
        return allocator.name();
    }

    @Override
    public String getBackend() {
        return allocator.config().source().name();
    }

    @Override
    public int getSlabs() {
        return allocator.stats().slabs();
    }

    @Override
    public long getPagesTotal() {
        return allocator.stats().pagesTotal();
    }

    @Override
    public long getPagesUsed() {
        return allocator.stats().pagesUsed();
    }

    @Override
    public long getPagesFree() {
        return allocator.stats().pagesFree();
    }

    @Override
    public long getBytesReserved() {
        return allocator.stats().bytesReserved();
    }

    @Override
    public long getBudgetBytes() {
        return allocator.config().budgetBytes();
    }

    @Override
    public long getPageSize() {
        return allocator.pageSize();
    }

    @Override
    public long getHugePageBytes() {
        return allocator.hugePageBytes();
    }
}
