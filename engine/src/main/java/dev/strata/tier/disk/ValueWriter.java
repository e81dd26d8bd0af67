package dev.strata.tier.disk;

import java.lang.foreign.MemorySegment;

/**
 * Writes a value straight into the record a {@link DiskStore} assembles for it, so that a value not yet in bytes (a
 * cache's value, encoded by its codec) needs no array of its own first; see
 * {@link DiskStore#put(MemorySegment, int, ValueWriter, boolean)}.
 */
@FunctionalInterface
public interface ValueWriter {

    /**
     * Writes the value into {@code target}, exactly as many bytes as were announced. Called under the store's writer
     * lock, possibly more than once for one put (a write retried), so it must be quick, write the same bytes each
     * time, and not fail.
     *
     * @param target the value's place in the record being assembled, exactly the value's size
     */
    void write(MemorySegment target);
}
