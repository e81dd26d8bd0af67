package dev.strata.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sort index of an {@link ExternalSorter}'s in-memory buffer: one 16-byte entry per record, held in pages (a
 * {@code long[]}-like array split over a page chain), never one Java object per record.
 *
 * <pre>
 *  entry i lives in page i / entriesPerPage at byte 16 * (i % entriesPerPage):
 *  +---------------------------------+---------------------------------+
 *  | key prefix (long)               | record address (long)           |
 *  | first 8 key bytes, big-endian,  | see {@link RecordPages}         |
 *  | zero-padded: compares unsigned  |                                 |
 *  +---------------------------------+---------------------------------+
 * </pre>
 *
 * <p>Not thread-safe.
 */
final class PointerArray {

    static final int ENTRY_BYTES = 16;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final int entriesPerPageShift;
    private final int entryInPageMask;
    private final List<ExecutionPage> pages = new ArrayList<>();
    private MemorySegment[] segments = new MemorySegment[16];
    private int size;

    PointerArray(long pageSize) {
        int entriesPerPage = (int) (pageSize / ENTRY_BYTES);
        this.entriesPerPageShift = Integer.numberOfTrailingZeros(entriesPerPage);
        this.entryInPageMask = entriesPerPage - 1;
    }

    /** {@return the big-endian, zero-padded first 8 bytes of {@code key}: orders like the key's first 8 bytes} */
    static long prefix(byte[] key) {
        long prefix = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            prefix = prefix << 8 | (i < key.length ? key[i] & 0xFF : 0);
        }
        return prefix;
    }

    int size() {
        return size;
    }

    boolean hasRoom() {
        return size < (long) pages.size() << entriesPerPageShift;
    }

    void addPage(ExecutionPage page) {
        if (pages.size() == segments.length) {
            segments = Arrays.copyOf(segments, segments.length * 2);
        }
        segments[pages.size()] = page.segment();
        pages.add(page);
    }

    /** Appends an entry; needs {@link #hasRoom()}. */
    void add(long prefix, long address) {
        set(size++, prefix, address);
    }

    long prefix(int i) {
        return segments[i >>> entriesPerPageShift].get(LONG, entryOffset(i));
    }

    long address(int i) {
        return segments[i >>> entriesPerPageShift].get(LONG, entryOffset(i) + Long.BYTES);
    }

    void set(int i, long prefix, long address) {
        MemorySegment segment = segments[i >>> entriesPerPageShift];
        long offset = entryOffset(i);
        segment.set(LONG, offset, prefix);
        segment.set(LONG, offset + Long.BYTES, address);
    }

    void swap(int i, int j) {
        long prefixI = prefix(i);
        long addressI = address(i);
        set(i, prefix(j), address(j));
        set(j, prefixI, addressI);
    }

    /** Removes every page, for the caller to free. {@return the pages} */
    List<ExecutionPage> drain() {
        List<ExecutionPage> drained = List.copyOf(pages);
        pages.clear();
        Arrays.fill(segments, null);
        size = 0;
        return drained;
    }

    boolean isEmpty() {
        return pages.isEmpty();
    }

    private long entryOffset(int i) {
        return (long) (i & entryInPageMask) * ENTRY_BYTES;
    }
}
