package dev.strata.tier.disk;

/**
 * Where the current record of a key lives: the index value. Immutable; compared by value in the index's
 * compare-and-set operations (segment by identity, sequence numbers are unique).
 *
 * @param segment      the segment file holding the record
 * @param offset       byte offset of the record in the file
 * @param recordBytes  length of the whole record (header, key and value)
 * @param sequence     the record's sequence number
 */
record Location(Segment segment, long offset, int recordBytes, long sequence) {
}
