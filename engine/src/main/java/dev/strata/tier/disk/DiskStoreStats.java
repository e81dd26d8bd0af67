package dev.strata.tier.disk;

/**
 * A snapshot of one {@link DiskStore}'s counters since it was opened. Immutable and thread-safe; counters read at
 * slightly different instants under concurrent load.
 *
 * @param recordsWritten   records appended (values, tombstones and compaction copies)
 * @param recordsRead      records read by {@code get}/{@code read} that passed the CRC check
 * @param bytesWritten     bytes appended to segment files (records and file headers; a transient store's newest
 *                         records may still wait in its append buffers)
 * @param bytesRead        record bytes read by {@code get}/{@code read}
 * @param corruptRecords   records that failed the CRC or were unparseable, found on read, compaction or recovery
 * @param tornTails        segment files whose incomplete last record was truncated during recovery
 * @param compactions      segments compacted and deleted
 * @param evictedSegments  segments dropped by {@link DiskStore#evictOldest()}
 * @param evictedRecords   live entries those evictions dropped (their keys left the store)
 * @param evictedAhead     of {@code evictedSegments}, those the compactor evicted ahead of need, for a store that
 *                         {@linkplain DiskStore#evictAhead evicts ahead}
 * @param secondChances    live entries those evictions copied forward instead, because they had been read since
 *                         their write (each copy must be read again to survive the next eviction); from a probation
 *                         segment, to the main log
 * @param probationPuts    values the store wrote to its probation log as new (puts on trial of keys it neither
 *                         held nor remembered; see {@link DiskStore#put(java.lang.foreign.MemorySegment,
 *                         java.lang.foreign.MemorySegment, boolean)})
 * @param expiredRecords   live entries compaction dropped, instead of copying, because their values had expired
 *                         ({@link DiskStore#dropExpiredWhenCompacting}; a persistent store writes a tombstone
 *                         in place of such an entry while an older segment may hold an earlier record of its key)
 * @param recoveredRecords entries rebuilt into the index when the store was opened
 * @param quotaRefusals    puts refused because the {@link DiskQuota} had no room even after compaction
 * @param indexRefusals    puts of new keys refused because the quota's stores had reached its index limit
 * @param ioErrors         I/O failures (writes rolled back, failed reads, failed compactions)
 */
public record DiskStoreStats(long recordsWritten, long recordsRead, long bytesWritten, long bytesRead,
                             long corruptRecords, long tornTails, long compactions, long evictedSegments,
                             long evictedRecords, long evictedAhead, long secondChances, long probationPuts,
                             long expiredRecords, long recoveredRecords, long quotaRefusals, long indexRefusals,
                             long ioErrors) {
}
