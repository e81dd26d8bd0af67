package dev.strata.tier;

import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Real off-heap pages with records written into them by hand, for tests of the record index below the cache: an
 * {@link ExtentTable} over pages of a strict arena allocator, freed at {@link #close()}. Not thread-safe (set-up only;
 * the tables it feeds may be read from any thread).
 */
final class RecordPages implements AutoCloseable {

    static final int PAGE = 4096;

    final PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("records-" + System.nanoTime(),
            SlabSourceKind.ARENA, PAGE, 256L * PAGE, 256L * PAGE, true, false));
    final ExtentTable extents = new ExtentTable(PAGE, 256);
    private final List<Extent> all = new ArrayList<>();
    private Extent current;

    /** {@return a new one-page extent} */
    Extent newExtent() {
        Extent extent = extents.create(new Page[] {allocator.allocate(this)});
        all.add(extent);
        return extent;
    }

    /**
     * Appends a record of {@code key} (hashed as {@code hash}) and {@code value} to the current page (a new one when
     * full). {@return its slot word}
     */
    long write(int hash, byte[] key, byte[] value) {
        int bytes = RecordLayout.alignedBytes(key.length, value.length);
        if (current == null || PAGE - current.writeOffset < bytes) {
            current = newExtent();
        }
        int offset = current.writeOffset;
        MemorySegment page = current.segment;
        RecordLayout.writeHeader(page, offset, hash, key.length, value.length);
        MemorySegment.copy(key, 0, page, ValueLayout.JAVA_BYTE, RecordLayout.keyOffset(offset), key.length);
        MemorySegment.copy(value, 0, page, ValueLayout.JAVA_BYTE, RecordLayout.valueOffset(offset, key.length),
                value.length);
        current.writeOffset += bytes;
        return Slots.pack(hash, current.life(), extents.location(current, offset));
    }

    @Override
    public void close() {
        for (Extent extent : all) {
            for (Page page : extent.pages) {
                allocator.free(page);
            }
        }
        allocator.close();
    }
}
