package dev.strata.tier;

/**
 * The word a {@link RecordTable} slot holds for one off-heap record: where the record is, which life of its extent
 * wrote it, a few bits of the key's hash, and a visited bit.
 *
 * <pre>
 *   bit  63        62        61 .. 54     53 .. 40            39 .. 0
 *       +---------+---------+------------+-------------------+--------------------------------------------+
 *       | PRESENT | VISITED | tag (8)    | life (14)         | location (40) = extent id, offset / 8      |
 *       +---------+---------+------------+-------------------+--------------------------------------------+
 *   0 = empty (ends every probe)      1 = tombstone (a removed record; probes pass it)
 * </pre>
 *
 * <p>The <b>tag</b> is 8 bits of a second mix of the key's hash: a probe reads a record only when the tag matches, so
 * a foreign slot costs a record read 1 time in 256. The <b>life</b> is the low bits of the extent's life
 * ({@link Extent#life()}) when the record was written: a lock-free reader trusts the bytes only while the extent is
 * still in that life, which it checks before and after copying. The life wraps after 16,384 reuses of one extent; a
 * reader would have to stall between two loads while its page was recycled that many times to be fooled. The
 * <b>visited</b> bit is set by hits (compare-and-set, only when clear) and read by page recycling (second chance) and
 * promotion on second hit; writers that replace a slot drop it.
 *
 * <p>Stateless.
 */
final class Slots {

    static final long EMPTY = 0;
    static final long TOMBSTONE = 1;
    static final long PRESENT = 1L << 63;
    static final long VISITED = 1L << 62;
    static final int LOCATION_BITS = 40;
    static final long LOCATION_MASK = (1L << LOCATION_BITS) - 1;
    static final int LIFE_BITS = 14;
    static final int LIFE_MASK = (1 << LIFE_BITS) - 1;
    private static final int TAG_SHIFT = 54;
    private static final long TAG_MASK = 0xFFL << TAG_SHIFT;

    private Slots() {
    }

    /** {@return the slot word of a record of the key with {@code hash}, at {@code location}, written in {@code life}} */
    static long pack(int hash, int life, long location) {
        return PRESENT | tagBits(hash) | (long) (life & LIFE_MASK) << LOCATION_BITS | location;
    }

    /** {@return the tag bits of {@code hash}, in place, to compare with {@link #tagOf}} */
    static long tagBits(int hash) {
        return (long) ((hash * 0x2C1B3C6D) >>> 24) << TAG_SHIFT;
    }

    static long tagOf(long slot) {
        return slot & TAG_MASK;
    }

    /** {@return whether the slot holds a record (not empty, not a tombstone)} */
    static boolean isRecord(long slot) {
        return slot < 0;
    }

    static boolean isVisited(long slot) {
        return (slot & VISITED) != 0;
    }

    static int life(long slot) {
        return (int) (slot >>> LOCATION_BITS) & LIFE_MASK;
    }

    static long location(long slot) {
        return slot & LOCATION_MASK;
    }

    /** {@return whether two slot words name the same record, whatever their visited bits} */
    static boolean sameRecord(long a, long b) {
        return (a & ~VISITED) == (b & ~VISITED);
    }
}
