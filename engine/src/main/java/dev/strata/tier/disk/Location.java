package dev.strata.tier.disk;

/**
 * Where the current record of a key lives: the index value. Immutable; the index compares locations by segment
 * identity and offset (records are never rewritten in place, so the pair names one record for the store's life).
 *
 * @param segment      the segment file holding the record
 * @param offset       byte offset of the record in the file
 * @param recordBytes  length of the whole record (header, key and value)
 */
record Location(Segment segment, long offset, int recordBytes) {

    /**
     * {@return the record's stamp: the segment id in the upper 32 bits, the offset in the lower 32} Never 0 (segment
     * ids start at 1) and unique while the store is open (ids are not reused, records never move within a segment),
     * as long as fewer than 2^32 segments were created. An offset is below 2^30 (a record starts within
     * {@link DiskStoreConfig#MAX_SEGMENT_BYTES}, or at the header of a segment of its own), and the index refuses one
     * of 2^32 or more, so it fits.
     */
    long stamp() {
        assert offset >= 0 && offset <= 0xFFFF_FFFFL : "offset " + offset;
        return segment.id() << 32 | offset;
    }
}
