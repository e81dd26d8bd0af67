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
}
