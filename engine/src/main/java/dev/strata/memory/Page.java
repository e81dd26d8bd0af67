package dev.strata.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A handle on one allocation of one page from a {@link PageAllocator}. Every {@link PageAllocator#allocate} returns a
 * new handle, so a handle kept after {@link PageAllocator#free} stays freed even when its page is handed out again:
 * every access through it throws {@link IllegalStateException} and never reads another owner's bytes.
 *
 * <p>The accessors check the handle once and then use the page's {@link MemorySegment}, which checks the bounds
 * ({@link IndexOutOfBoundsException} for offsets outside {@code [0, byteSize())}). Multi-byte values use the native
 * byte order and need no alignment.
 *
 * <p>Thread-safety: a handle may be used from any thread. Freeing it happens-before any later access in a thread that
 * synchronizes with the freeing thread; an access racing with the free of the same handle is a caller bug whose
 * outcome is either the old bytes or {@code IllegalStateException} (never a crash).
 */
public final class Page {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final VarHandle SEGMENT;

    static {
        try {
            SEGMENT = MethodHandles.lookup().findVarHandle(Page.class, "segment", MemorySegment.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PageAllocator allocator;
    private final SlabPages slab;
    private final int pageNumber;
    private final Object owner;
    /** The page's memory while allocated; null once freed. Accessed through {@link #SEGMENT}. */
    @SuppressWarnings("unused")
    private MemorySegment segment;

    Page(PageAllocator allocator, SlabPages slab, int pageNumber, MemorySegment segment, Object owner) {
        this.allocator = allocator;
        this.slab = slab;
        this.pageNumber = pageNumber;
        this.owner = owner;
        this.segment = segment;
    }

    /** {@return the page address of this page's byte 0, see {@link PageAddress}} */
    public long address() {
        return (long) pageNumber << PageAddress.OFFSET_BITS;
    }

    /** {@return the page number, unique among the allocator's pages} */
    public int pageNumber() {
        return pageNumber;
    }

    /** {@return the page size in bytes} */
    public long byteSize() {
        return allocator.pageSize();
    }

    /** {@return the object that allocated this page, as given to {@link PageAllocator#allocate}} */
    public Object owner() {
        return owner;
    }

    /** {@return whether this handle was freed (by {@link PageAllocator#free} or by closing the allocator)} */
    public boolean isFreed() {
        return SEGMENT.getAcquire(this) == null;
    }

    /**
     * {@return the page's memory} Valid only while this page is allocated: callers must not keep it past
     * {@link PageAllocator#free}.
     *
     * @throws IllegalStateException if the page was freed
     */
    public MemorySegment segment() {
        MemorySegment s = (MemorySegment) SEGMENT.getAcquire(this);
        if (s == null) {
            throw freed();
        }
        return s;
    }

    /**
     * {@return the {@code long} at {@code offset}}
     *
     * @param offset byte offset in the page
     * @throws IllegalStateException if the page was freed
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is outside the page
     */
    public long getLong(long offset) {
        return segment().get(LONG, offset);
    }

    /**
     * Writes a {@code long} at {@code offset}.
     *
     * @param offset byte offset in the page
     * @param value the value
     * @throws IllegalStateException if the page was freed
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is outside the page
     */
    public void putLong(long offset, long value) {
        segment().set(LONG, offset, value);
    }

    /**
     * {@return the {@code int} at {@code offset}}
     *
     * @param offset byte offset in the page
     * @throws IllegalStateException if the page was freed
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is outside the page
     */
    public int getInt(long offset) {
        return segment().get(INT, offset);
    }

    /**
     * Writes an {@code int} at {@code offset}.
     *
     * @param offset byte offset in the page
     * @param value the value
     * @throws IllegalStateException if the page was freed
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is outside the page
     */
    public void putInt(long offset, int value) {
        segment().set(INT, offset, value);
    }

    /**
     * Copies {@code byteCount} bytes from {@code src} at {@code srcOffset} into this page at {@code dstOffset}.
     *
     * @param src the source segment, not null
     * @param srcOffset byte offset in {@code src}
     * @param dstOffset byte offset in this page
     * @param byteCount the number of bytes
     * @throws IllegalStateException if the page was freed, or {@code src} is not alive
     * @throws IndexOutOfBoundsException if a range is outside its segment or {@code byteCount} is negative
     * @throws NullPointerException if {@code src} is null
     */
    public void copyFrom(MemorySegment src, long srcOffset, long dstOffset, long byteCount) {
        MemorySegment.copy(src, srcOffset, segment(), dstOffset, byteCount);
    }

    /**
     * Copies {@code byteCount} bytes from this page at {@code srcOffset} into {@code dst} at {@code dstOffset}.
     *
     * @param srcOffset byte offset in this page
     * @param dst the destination segment, not null and not read-only
     * @param dstOffset byte offset in {@code dst}
     * @param byteCount the number of bytes
     * @throws IllegalStateException if the page was freed, or {@code dst} is not alive
     * @throws IndexOutOfBoundsException if a range is outside its segment or {@code byteCount} is negative
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws NullPointerException if {@code dst} is null
     */
    public void copyTo(long srcOffset, MemorySegment dst, long dstOffset, long byteCount) {
        MemorySegment.copy(segment(), srcOffset, dst, dstOffset, byteCount);
    }

    @Override
    public String toString() {
        return "Page[" + pageNumber + " of '" + allocator.name() + "', owner=" + owner + (isFreed() ? ", freed]" : "]");
    }

    PageAllocator allocator() {
        return allocator;
    }

    SlabPages slab() {
        return slab;
    }

    /** {@return true if this call freed the handle, false if it was already freed} Exactly one caller wins. */
    boolean markFreed() {
        MemorySegment s = (MemorySegment) SEGMENT.getAcquire(this);
        return s != null && SEGMENT.compareAndSet(this, s, (MemorySegment) null);
    }

    private IllegalStateException freed() {
        return new IllegalStateException("page " + pageNumber + " of allocator '" + allocator.name()
                + "' was freed (owner: " + owner + ")");
    }
}
