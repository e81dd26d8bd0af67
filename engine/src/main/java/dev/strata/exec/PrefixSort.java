package dev.strata.exec;

/**
 * Sorts a {@link PointerArray} by key in place: entries compare by their 8-byte key prefix (unsigned), and only on
 * equal prefixes by the full keys in the {@link RecordPages}. Because the prefix is the key's first 8 bytes,
 * big-endian and zero-padded, prefix order never contradicts key order, so most comparisons read only the index.
 *
 * <p>Quicksort (Hoare partition, median-of-three pivot, recursion only into the smaller part so the stack stays
 * {@code O(log n)}) over the entries, with insertion sort for short ranges. Not stable; equal keys may come in any
 * order. Equal keys split evenly in Hoare's partition, so many duplicates do not degrade it.
 *
 * <p>Stateless and thread-safe; the arrays it sorts are not.
 */
final class PrefixSort {

    private static final int INSERTION_SORT_MAX = 16;

    private PrefixSort() {
    }

    static void sort(PointerArray entries, RecordPages records) {
        sort(entries, records, 0, entries.size() - 1);
    }

    /** Sorts entries {@code lo..hi}, inclusive. */
    private static void sort(PointerArray a, RecordPages r, int lo, int hi) {
        while (hi - lo >= INSERTION_SORT_MAX) {
            int mid = lo + (hi - lo) / 2;
            orderThree(a, r, lo, mid, hi);
            long pivotPrefix = a.prefix(mid);
            long pivotAddress = a.address(mid);
            int i = lo - 1;
            int j = hi + 1;
            while (true) {
                do {
                    i++;
                } while (compare(a, r, i, pivotPrefix, pivotAddress) < 0);
                do {
                    j--;
                } while (compare(a, r, j, pivotPrefix, pivotAddress) > 0);
                if (i >= j) {
                    break;
                }
                a.swap(i, j);
            }
            if (j - lo < hi - j) {
                sort(a, r, lo, j);
                lo = j + 1;
            } else {
                sort(a, r, j + 1, hi);
                hi = j;
            }
        }
        insertionSort(a, r, lo, hi);
    }

    private static void orderThree(PointerArray a, RecordPages r, int lo, int mid, int hi) {
        if (compare(a, r, mid, a.prefix(lo), a.address(lo)) < 0) {
            a.swap(lo, mid);
        }
        if (compare(a, r, hi, a.prefix(lo), a.address(lo)) < 0) {
            a.swap(lo, hi);
        }
        if (compare(a, r, hi, a.prefix(mid), a.address(mid)) < 0) {
            a.swap(mid, hi);
        }
    }

    private static void insertionSort(PointerArray a, RecordPages r, int lo, int hi) {
        for (int i = lo + 1; i <= hi; i++) {
            long prefix = a.prefix(i);
            long address = a.address(i);
            int j = i - 1;
            while (j >= lo && compare(a, r, j, prefix, address) > 0) {
                a.set(j + 1, a.prefix(j), a.address(j));
                j--;
            }
            a.set(j + 1, prefix, address);
        }
    }

    /** {@return entry {@code i} compared with the entry (prefix, address)} */
    private static int compare(PointerArray a, RecordPages r, int i, long prefix, long address) {
        int byPrefix = Long.compareUnsigned(a.prefix(i), prefix);
        return byPrefix != 0 ? byPrefix : r.compareKeys(a.address(i), address);
    }
}
