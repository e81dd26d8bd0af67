package dev.strata.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The records of an {@link ExternalSorter}'s in-memory buffer, appended to a chain of pages. Each record lies within
 * one page; the tail of a page too short for the next record stays unused.
 *
 * <pre>
 *  record at (page i, offset o), native byte order, no alignment:
 *  o        o+4        o+8               o+8+k             o+8+k+v
 *  +--------+----------+-----------------+-----------------+
 *  | keyLen | valueLen | key (k bytes)   | value (v bytes) |
 *  | int    | int      |                 |                 |
 *  +--------+----------+-----------------+-----------------+
 *
 *  record address (long):  page index in this chain (high 32 bits) | offset in the page (low 32 bits)
 * </pre>
 *
 * <p>Not thread-safe.
 */
final class RecordPages {

    static final int HEADER_BYTES = 8;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final long pageSize;
    private final List<ExecutionPage> pages = new ArrayList<>();
    private MemorySegment[] segments = new MemorySegment[16];
    private long writeOffset;

    RecordPages(long pageSize) {
        this.pageSize = pageSize;
    }

    /** {@return whether a record of {@code recordBytes} fits in the current page} */
    boolean fits(long recordBytes) {
        return !pages.isEmpty() && writeOffset + recordBytes <= pageSize;
    }

    void addPage(ExecutionPage page) {
        if (pages.size() == segments.length) {
            segments = Arrays.copyOf(segments, segments.length * 2);
        }
        segments[pages.size()] = page.segment();
        pages.add(page);
        writeOffset = 0;
    }

    /** Appends a record that {@link #fits}; {@return its address} */
    long append(byte[] key, byte[] value) {
        int pageIndex = pages.size() - 1;
        MemorySegment segment = segments[pageIndex];
        long offset = writeOffset;
        segment.set(INT, offset, key.length);
        segment.set(INT, offset + 4, value.length);
        MemorySegment.copy(key, 0, segment, ValueLayout.JAVA_BYTE, offset + HEADER_BYTES, key.length);
        MemorySegment.copy(value, 0, segment, ValueLayout.JAVA_BYTE, offset + HEADER_BYTES + key.length, value.length);
        writeOffset = offset + HEADER_BYTES + key.length + value.length;
        return (long) pageIndex << 32 | offset;
    }

    MemorySegment segment(long address) {
        return segments[(int) (address >>> 32)];
    }

    static long offset(long address) {
        return address & 0xFFFF_FFFFL;
    }

    int keyLength(long address) {
        return segment(address).get(INT, offset(address));
    }

    int valueLength(long address) {
        return segment(address).get(INT, offset(address) + 4);
    }

    /** {@return the keys at two addresses compared as unsigned bytes, lexicographically (a shorter prefix first)} */
    int compareKeys(long a, long b) {
        MemorySegment segA = segment(a);
        MemorySegment segB = segment(b);
        long offA = offset(a);
        long offB = offset(b);
        int lenA = segA.get(INT, offA);
        int lenB = segB.get(INT, offB);
        long keyA = offA + HEADER_BYTES;
        long keyB = offB + HEADER_BYTES;
        long mismatch = MemorySegment.mismatch(segA, keyA, keyA + lenA, segB, keyB, keyB + lenB);
        if (mismatch < 0) {
            return 0;
        }
        if (mismatch == lenA || mismatch == lenB) {
            return Integer.compare(lenA, lenB);
        }
        return Integer.compare(Byte.toUnsignedInt(segA.get(ValueLayout.JAVA_BYTE, keyA + mismatch)),
                Byte.toUnsignedInt(segB.get(ValueLayout.JAVA_BYTE, keyB + mismatch)));
    }

    byte[] key(long address) {
        return bytes(address, HEADER_BYTES, keyLength(address));
    }

    byte[] value(long address) {
        return bytes(address, HEADER_BYTES + keyLength(address), valueLength(address));
    }

    private byte[] bytes(long address, long from, int length) {
        byte[] bytes = new byte[length];
        MemorySegment.copy(segment(address), ValueLayout.JAVA_BYTE, offset(address) + from, bytes, 0, length);
        return bytes;
    }

    /** Removes every page from the chain, for the caller to free. {@return the pages} */
    List<ExecutionPage> drain() {
        List<ExecutionPage> drained = List.copyOf(pages);
        pages.clear();
        Arrays.fill(segments, null);
        writeOffset = 0;
        return drained;
    }

    boolean isEmpty() {
        return pages.isEmpty();
    }
}
