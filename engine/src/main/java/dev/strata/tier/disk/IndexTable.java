package dev.strata.tier.disk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * One stripe of a {@link DiskIndex}: an open-addressing hash table (linear probing, backward-shift deletion) held in
 * parallel primitive arrays, with the key bytes packed into one array of their own. No object per key.
 *
 * <pre>
 *   slot i:   words[2i]     = hash (32) | 1 + key offset in keys (32), 0 for an empty slot
 *             words[2i + 1] = offset in the segment (32) | V (1) | record length (31)
 *             segments[i]   = the Segment (a recovery's tombstone marker: MARKER), null for an empty slot
 *             sequences[i]  = the record's sequence, during recovery only
 *
 *   keys:     | len (u32) | key bytes | len (u32) | key bytes | ... garbage ... | free |
 * </pre>
 * A slot's two words share a cache line, so a probe that misses touches one line per slot it passes, and a hit one
 * more for the key bytes and one for the segment. A store's read looks up by hash alone ({@link #visitByHash}) and
 * leaves the key to the record it reads, which saves the line of key bytes.
 *
 * <p>A removed key leaves its bytes in {@code keys} as garbage until a later insert or removal finds at least 1 KiB
 * of garbage making up half of the bytes used, and packs the live keys into a new array. The slot arrays are allocated
 * on the first insert (an empty table holds none), double past 3/4 full, and once below 1/4 full shrink to the
 * smallest size at most half full (a table just grown is 3/8 full: a third of its keys must leave before it shrinks,
 * and half as many again arrive before it grows back).
 *
 * <p><b>What a key is charged.</b> A table charges each key it holds {@link #keyCharge} bytes: its slot at the
 * average fill of a table kept between 3/8 and 3/4 full (9/16, so 36 bytes), plus its key bytes and their length. It
 * reports every change of its total to the {@code LongConsumer} it was made with, under its write lock, so the sum
 * of the reports is what its keys are charged now. The arrays themselves ({@link #heapBytes()}) measured 0.86 to 1.40
 * times the charge while up to two million keys of 8 or 16 bytes arrived, and up to 2.25 times while nine in ten of
 * them left again, since a table shrinks only below 1/4 full and packs its key bytes only when half are garbage.
 *
 * <p><b>The visited bit.</b> {@code V} ({@link #VISITED}, bit 31 of the second word) is the record's reference bit
 * for the cache's second-chance policy. It costs no memory: a record length is below 2^31 (see
 * {@link RecordFormat#MAX_RECORD_BYTES}), so bit 31 of the length half is otherwise always 0, and every decoding of a
 * length masks it ({@link #recordLength}); offsets (the upper half) are compared and decoded as before. A new
 * record's word ({@link #put}, {@link #settle}) starts without it, a restored one ({@link #restore}) as the index's
 * snapshot had it; {@link #replace} keeps it for a compaction's copy of
 * the same record and clears it for an eviction's second-chance copy; moves within the table (backward shift,
 * rehash) copy it with the word; packing the key bytes rewrites only the first word.
 *
 * <p><b>Concurrency.</b> Every change holds the write lock of this table's {@link StampedLock}. Lookups read the
 * arrays optimistically and validate the stamp afterwards, retrying under the read lock only if a writer intervened;
 * an optimistic read may see a torn state, so it bounds every index it derives from the arrays and never loops
 * longer than the table's capacity. Setting the visited bit ({@link #visit}) is the one change made without the write
 * lock: a compare-and-set of the second word, in the array and slot the lookup read, from the exact word read to the
 * same word plus {@code V}, only after the lookup's stamp validated (so the word was the key's current one in the
 * current array). Writers store second words atomically ({@code setOpaque}), so the set and a writer's store are
 * ordered one way or the other: a set before the store is overwritten or carried along with the word (lost, or kept
 * for the same record), a set after it fails because the word changed. Either way the word a writer left names the
 * location the writer wrote, plus perhaps {@code V}, never another key's location. One case marks the wrong record:
 * if, between the validation and the set, writers give that very slot a record with the same offset and length (in
 * another segment) whose bit is clear, the set marks that record, which is then reported visited one hit early. A
 * set racing with a rehash may land in the old array and be lost. Thread-safe.
 */
final class IndexTable {

    /** {@link #restore}'s sequence for an entry nothing will be settled against. */
    static final long NO_SEQUENCE = -1;
    /** The entry a recovery keeps for a key whose newest record is a tombstone; swept before the store opens. */
    static final Object MARKER = new Object();
    /** The visited bit in a slot's second word: the top bit of the record length, which is below 2^31. */
    static final long VISITED = 1L << 31;

    /** Atomic access to slot words: the visited bit's compare-and-set, and writers' stores of second words. */
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long LENGTH_MASK = VISITED - 1;

    private static final VarHandle KEY_LENGTH =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int LENGTH_BYTES = Integer.BYTES;
    /** The heap of one slot: its two words and its reference to the segment (compressed). */
    private static final int SLOT_BYTES = Long.BYTES * 2 + Integer.BYTES;
    /** A key's share of the slot arrays: {@link #SLOT_BYTES} at 9/16 full, rounded up. */
    static final int SLOT_CHARGE = (SLOT_BYTES * 16 + 8) / 9;
    private static final LongConsumer NO_CHARGES = delta -> { };
    private static final int MIN_CAPACITY = 16;
    private static final int MIN_KEY_BYTES = 64;
    /** Garbage below this many bytes is never packed away: not worth a copy. */
    private static final int MIN_GARBAGE_TO_PACK = 1024;
    private static final long[] NO_WORDS = new long[0];
    private static final Object[] NO_SEGMENTS = new Object[0];
    private static final byte[] NO_KEYS = new byte[0];
    private static final int MAX_KEY_BYTES = Integer.MAX_VALUE - 16;
    /** The first word of an empty slot. */
    private static final long EMPTY = 0;

    private final StampedLock lock = new StampedLock();
    /** Two words per slot: hash and key offset, then offset and length in the segment. */
    private long[] words;
    private Object[] segments;
    private long[] sequences;
    private byte[] keys;
    private int keysUsed;
    private int keysGarbage;
    private volatile int size;
    /** What the keys are charged now, as last reported to {@link #charges}. Guarded by the write lock. */
    private long charged;
    /** Runs in a lock-free visit between validating the lookup and marking; null but in tests of that race. */
    private final Runnable beforeMark;
    /** Told every change of {@link #charged}, under the write lock. */
    private final LongConsumer charges;

    IndexTable() {
        this(null, NO_CHARGES);
    }

    /**
     * A table whose lock-free visits run {@code beforeMark} (in the visiting thread, no lock held) after validating
     * their lookup and before the compare-and-set: a test's writer can act there.
     */
    IndexTable(Runnable beforeMark) {
        this(beforeMark, NO_CHARGES);
    }

    /** A table that reports each change of what its keys are charged to {@code charges}. */
    IndexTable(LongConsumer charges) {
        this(null, charges);
    }

    private IndexTable(Runnable beforeMark, LongConsumer charges) {
        this.beforeMark = beforeMark;
        this.charges = charges;
        reset();
    }

    /** {@return what a key of {@code keyLength} bytes is charged while a table holds it} */
    static long keyCharge(long keyLength) {
        return SLOT_CHARGE + LENGTH_BYTES + keyLength;
    }

    // ---- lookups (lock-free) ------------------------------------------------------------------------------------

    /** {@return the location of {@code key}, or null if absent} */
    Location get(MemorySegment key, int hash) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            Location found = locationAt(find(key, hash));
            if (lock.validate(stamp)) {
                return found;
            }
        }
        stamp = lock.readLock();
        try {
            return locationAt(find(key, hash));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * {@return whether an entry whose hash is {@code hash} points at offset {@code offset} of {@code segment}} Compares
     * locations, not key bytes: a location names one record, so the entry that points at it is its key's, and the
     * record is that key's current one. So a compaction asks whether a record it scans is live without touching the
     * line of key bytes (most records it scans are dead).
     */
    boolean holds(int hash, Segment segment, long offset) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            boolean held = holdsSlot(hash, segment, offset);
            if (lock.validate(stamp)) {
                return held;
            }
        }
        stamp = lock.readLock();
        try {
            return holdsSlot(hash, segment, offset);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** {@link #holds}' probe; safe on a torn state, as {@link #find} is. */
    private boolean holdsSlot(int hash, Segment segment, long offset) {
        long[] slots = words;
        Object[] entries = segments;
        int mask = (slots.length >>> 1) - 1;
        int slot = hash & mask;
        for (int probes = 0; probes <= mask; probes++, slot = (slot + 1) & mask) {
            long keyWord = slots[2 * slot];
            if (keyWord == EMPTY) {
                return false;
            }
            if ((int) (keyWord >>> 32) == hash && slot < entries.length && entries[slot] == segment
                    && slots[2 * slot + 1] >>> 32 == offset) {
                return true;
            }
        }
        return false;
    }

    /**
     * Looks {@code key} up like {@link #get}, reporting its record's visited bit and, if {@code mark}, setting it by
     * compare-and-set without a lock (see the class description for what a race can do).
     *
     * @return the location, whether the bit was set before, and whether this call set it; null if absent
     */
    DiskIndex.Hit visit(MemorySegment key, int hash, boolean mark) {
        return visitSlot(key, hash, mark);
    }

    /**
     * Like {@link #visit}, but takes the first entry whose hash is {@code hash} without comparing key bytes, so the
     * lookup touches no key bytes: the caller compares the key with the record's and, if they differ (two keys with
     * one hash), looks again with {@link #visit}. Such a lookup may mark the other key's bit.
     */
    DiskIndex.Hit visitByHash(int hash, boolean mark) {
        return visitSlot(null, hash, mark);
    }

    /** {@link #visit} ({@code key} given) or {@link #visitByHash} ({@code key} null). */
    private DiskIndex.Hit visitSlot(MemorySegment key, int hash, boolean mark) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int slot = find(key, hash);
            long[] slots = words;
            Object[] entries = segments;
            boolean present = isEntry(slots, entries, slot);
            Object entry = present ? entries[slot] : null;
            long word = present ? slots[2 * slot + 1] : 0;
            if (lock.validate(stamp)) {
                if (!present) {
                    return null;
                }
                if (beforeMark != null) {
                    beforeMark.run();
                }
                return hit(slots, slot, (Segment) entry, word, mark);
            }
        }
        stamp = lock.readLock();
        try {                                             // writers are out: the set is exact here
            int slot = find(key, hash);
            return isEntry(words, segments, slot)
                    ? hit(words, slot, (Segment) segments[slot], words[2 * slot + 1], mark) : null;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** {@return whether {@code slot} is in range of both arrays and holds a segment (not a marker)} */
    private static boolean isEntry(long[] slots, Object[] entries, int slot) {
        return slot >= 0 && slot < entries.length && 2 * slot + 1 < slots.length && entries[slot] instanceof Segment;
    }

    private static DiskIndex.Hit hit(long[] slots, int slot, Segment segment, long word, boolean mark) {
        boolean visited = (word & VISITED) != 0;
        boolean marked = mark && !visited && WORDS.compareAndSet(slots, 2 * slot + 1, word, word | VISITED);
        return new DiskIndex.Hit(location(segment, word), visited, marked);
    }

    /** {@return the location a slot's second word names in {@code segment}} */
    private static Location location(Segment segment, long word) {
        return new Location(segment, word >>> 32, recordLength(word));
    }

    /** {@return the number of keys (tombstone markers included while a recovery runs)} */
    int size() {
        return size;
    }

    // ---- changes ------------------------------------------------------------------------------------------------

    /** Points {@code key} at {@code location}, unvisited. {@return the location it replaced, or null if it was new} */
    Location put(MemorySegment key, int hash, Location location) {
        return put(key, hash, location, false);
    }

    /**
     * Points {@code key} at {@code location}, visited if {@code visited}. {@return the location it replaced, or null
     * if the key was new}
     */
    Location put(MemorySegment key, int hash, Location location, boolean visited) {
        long stamp = lock.writeLock();
        try {
            long place = place(location.offset(), location.recordBytes()) | (visited ? VISITED : 0);
            int slot = find(key, hash);
            if (slot >= 0) {
                Location old = locationAt(slot);
                set(slot, location.segment(), place);
                return old;
            }
            insert(key, hash, location.segment(), place);
            recharge();
            return null;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes {@code key}. {@return its location, or null if absent} */
    Location remove(MemorySegment key, int hash) {
        long stamp = lock.writeLock();
        try {
            int slot = find(key, hash);
            if (slot < 0) {
                return null;
            }
            Location old = locationAt(slot);
            delete(slot);
            recharge();
            return old;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes {@code key} if it points at {@code expected}. {@return whether it did} */
    boolean remove(MemorySegment key, int hash, Location expected) {
        long stamp = lock.writeLock();
        try {
            int slot = find(key, hash);
            if (slot < 0 || !isAt(slot, expected)) {
                return false;
            }
            delete(slot);
            recharge();
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Points {@code key} at {@code update} if it points at {@code expected}, keeping the visited bit when
     * {@code keepVisited} (a compaction's copy is the same record), clearing it otherwise (an eviction's second chance
     * is spent). {@return whether it did}
     */
    boolean replace(MemorySegment key, int hash, Location expected, Location update, boolean keepVisited) {
        long stamp = lock.writeLock();
        try {
            int slot = find(key, hash);
            long place = place(update.offset(), update.recordBytes());
            if (slot < 0 || !isAt(slot, expected)) {
                return false;
            }
            set(slot, update.segment(), place | (keepVisited ? words[2 * slot + 1] & VISITED : 0));
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * A snapshot's entry ({@link IndexSnapshot}): inserts {@code key} at {@code location} with its visited bit as
     * given. With a {@code sequence} of 0 or more it is a recovery's step: the entry weighs as that sequence when
     * {@link #settle} meets records of newer segments; with {@link #NO_SEQUENCE}, nothing will be settled against it.
     * {@return false, changing nothing, if the key is present already}
     */
    boolean restore(MemorySegment key, int hash, Location location, boolean visited, long sequence) {
        long stamp = lock.writeLock();
        try {
            if (find(key, hash) >= 0) {
                return false;
            }
            if (sequence != NO_SEQUENCE && sequences == null) {
                sequences = new long[segments.length];
            }
            long place = place(location.offset(), location.recordBytes());
            int slot = insert(key, hash, location.segment(), visited ? place | VISITED : place);   // may replace
            if (sequence != NO_SEQUENCE) {                                                       // sequences
                sequences[slot] = sequence;
            }
            recharge();
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * A recovery's step: settles a record met in a segment file against {@code key}'s entry, the higher sequence
     * winning. {@code segment} is null for a tombstone, which stands as a {@link #MARKER} until {@link #endRecovery}.
     *
     * @return the losing value record's location (its bytes are dead), or null if none lost or the loser was a
     *         tombstone
     */
    Location settle(MemorySegment key, int hash, Segment segment, long offset, int recordBytes, long sequence) {
        long stamp = lock.writeLock();
        try {
            if (sequences == null) {
                sequences = new long[segments.length];
            }
            Object entry = segment == null ? MARKER : segment;
            long place = place(offset, recordBytes);
            int slot = find(key, hash);
            if (slot < 0) {
                slot = insert(key, hash, entry, place);          // may replace the sequences array
                sequences[slot] = sequence;
                recharge();
                return null;
            }
            if (sequence <= sequences[slot]) {
                return segment == null ? null : new Location(segment, offset, recordBytes);
            }
            Location loser = locationAt(slot);
            set(slot, entry, place);
            sequences[slot] = sequence;
            return loser;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Ends a recovery: drops the tombstone markers and the sequences. */
    void endRecovery() {
        removeAll(entry -> entry == MARKER, removed -> { });
        long stamp = lock.writeLock();
        try {
            sequences = null;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Removes every entry whose segment {@code doomed} accepts ({@link #MARKER} included), passing each removed
     * location (null for a marker) to {@code removed} with the write lock held.
     */
    void removeAll(Predicate<Object> doomed, Consumer<Location> removed) {
        long stamp = lock.writeLock();
        try {
            int kept = 0;
            for (int slot = 0; slot < segments.length; slot++) {
                if (segments[slot] == null) {
                    continue;
                }
                if (doomed.test(segments[slot])) {
                    removed.accept(locationAt(slot));
                    keysGarbage += LENGTH_BYTES + keyLength(slot);
                    empty(slot);
                } else {
                    kept++;
                }
            }
            if (kept != size) {
                size = kept;
                rehash(capacityFor(kept));
                packKeysIfMostlyGarbage(0);
                recharge();
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes every entry and gives back the arrays' memory. */
    void clear() {
        long stamp = lock.writeLock();
        try {
            reset();
            recharge();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    // ---- iteration ----------------------------------------------------------------------------------------------

    /**
     * Passes each key to {@code action} as a read-only view of this table's copy, with the read lock held (so the
     * action must not change this index).
     */
    void forEachKey(Consumer<MemorySegment> action) {
        long stamp = lock.readLock();
        try {
            MemorySegment all = MemorySegment.ofArray(keys);
            for (int slot = 0; slot < segments.length; slot++) {
                if (segments[slot] instanceof Segment) {
                    int at = keyOffset(words[2 * slot]);
                    action.accept(all.asSlice(at + LENGTH_BYTES, keyLength(keys, at)).asReadOnly());
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** One entry, for {@link #forEachEntry}. */
    @FunctionalInterface
    interface EntryAction {
        /**
         * @param keys        an array holding the key's bytes; read them during the call only
         * @param keyStart    where they start in it
         * @param keyLength   how many there are
         * @param segment     the segment of the key's record
         * @param offset      the record's offset in it
         * @param recordBytes the record's length
         * @param visited     the entry's visited bit
         * @throws IOException to stop the walk
         */
        void accept(byte[] keys, int keyStart, int keyLength, Segment segment, long offset, int recordBytes,
                    boolean visited) throws IOException;
    }

    /**
     * Passes each entry to {@code action}, with the read lock held (so the action must not change this index).
     *
     * @throws IOException the first the action threw, which ends the walk
     */
    void forEachEntry(EntryAction action) throws IOException {
        long stamp = lock.readLock();
        try {
            for (int slot = 0; slot < segments.length; slot++) {
                if (segments[slot] instanceof Segment segment) {
                    int at = keyOffset(words[2 * slot]);
                    long place = (long) WORDS.getOpaque(words, 2 * slot + 1);   // a visit may set V meanwhile
                    action.accept(keys, at + LENGTH_BYTES, keyLength(keys, at), segment, place >>> 32,
                            recordLength(place), (place & VISITED) != 0);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** {@return the sum of the record lengths of the entries} */
    long recordBytes() {
        long stamp = lock.readLock();
        try {
            long total = 0;
            for (int slot = 0; slot < segments.length; slot++) {
                if (segments[slot] instanceof Segment) {
                    total += recordLength(words[2 * slot + 1]);
                }
            }
            return total;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** {@return the bytes of heap this table's arrays take (array headers left out)} */
    long heapBytes() {
        long stamp = lock.readLock();
        try {
            long slots = (long) segments.length * (Long.BYTES * 2 + Integer.BYTES);
            return slots + keys.length + (sequences == null ? 0 : (long) sequences.length * Long.BYTES);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ---- probing ------------------------------------------------------------------------------------------------

    /**
     * {@return the slot holding {@code key}, or {@code -(empty slot) - 1} where it would go} With {@code key} null,
     * the first slot holding {@code hash}, key bytes not compared. Safe to run on a torn state (optimistic reads): it
     * then returns some slot number or a negative, never throws, never loops forever.
     */
    private int find(MemorySegment key, int hash) {
        long[] slots = words;
        byte[] keyBytes = keys;
        int mask = (slots.length >>> 1) - 1;
        int slot = hash & mask;
        for (int probes = 0; probes <= mask; probes++, slot = (slot + 1) & mask) {
            long keyWord = slots[2 * slot];
            if (keyWord == EMPTY) {
                return -slot - 1;
            }
            if ((int) (keyWord >>> 32) == hash && (key == null || keyEquals(keyBytes, keyOffset(keyWord), key))) {
                return slot;
            }
        }
        return -1;
    }

    private static boolean keyEquals(byte[] keyBytes, int at, MemorySegment key) {
        if (at < 0 || at > keyBytes.length - LENGTH_BYTES) {
            return false;
        }
        int length = keyLength(keyBytes, at);
        if (length != key.byteSize() || length < 0 || length > keyBytes.length - LENGTH_BYTES - at) {
            return false;
        }
        int from = at + LENGTH_BYTES;
        return MemorySegment.mismatch(MemorySegment.ofArray(keyBytes), from, from + length, key, 0, length) == -1;
    }

    /** {@return the location in {@code slot}, or null for a miss, a marker or a torn read} */
    private Location locationAt(int slot) {
        Object[] entries = segments;
        long[] slots = words;
        return isEntry(slots, entries, slot) ? location((Segment) entries[slot], slots[2 * slot + 1]) : null;
    }

    private boolean isAt(int slot, Location expected) {
        return segments[slot] == expected.segment() && words[2 * slot + 1] >>> 32 == expected.offset();
    }

    // ---- writing slots (write lock held) ------------------------------------------------------------------------

    /** {@return offset and length packed into a slot's second word, the visited bit clear} */
    private static long place(long offset, int recordBytes) {
        if (offset < 0 || offset > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("record offset " + offset + ": must be in [0, 2^32)");
        }
        if (recordBytes < 0) {
            throw new IllegalArgumentException("record length " + recordBytes + ": must not be negative");
        }
        return offset << 32 | recordBytes;
    }

    private void set(int slot, Object entry, long place) {
        WORDS.setOpaque(words, 2 * slot + 1, place);
        segments[slot] = entry;
    }

    private void empty(int slot) {
        words[2 * slot] = EMPTY;
        segments[slot] = null;
    }

    /** Adds a key known to be absent. {@return its slot} */
    private int insert(MemorySegment key, int hash, Object entry, long place) {
        if (size + 1 > segments.length - (segments.length >>> 2)) {
            rehash(Math.max(MIN_CAPACITY, segments.length * 2));
        }
        int at = storeKey(key);
        int slot = firstEmptySlot(hash);                 // where find stopped: the key is absent
        words[2 * slot] = keyWord(hash, at);
        set(slot, entry, place);
        size++;
        return slot;
    }

    /** Empties {@code hole}, shifting back the entries after it that probed past it. */
    private void delete(int hole) {
        keysGarbage += LENGTH_BYTES + keyLength(hole);
        int mask = segments.length - 1;
        int free = hole;
        for (int next = (hole + 1) & mask; words[2 * next] != EMPTY; next = (next + 1) & mask) {
            int home = (int) (words[2 * next] >>> 32) & mask;
            if (((next - home) & mask) >= ((next - free) & mask)) {
                move(next, free);
                free = next;
            }
        }
        empty(free);
        size--;
        if (segments.length > MIN_CAPACITY && size < segments.length >>> 2) {
            rehash(capacityFor(size));
        }
        packKeysIfMostlyGarbage(0);
    }

    private void move(int from, int to) {
        copySlot(words, segments, sequences, from, to);
    }

    /** Copies slot {@code from} of the given arrays to slot {@code to} of this table's. */
    private void copySlot(long[] fromWords, Object[] fromSegments, long[] fromSequences, int from, int to) {
        words[2 * to] = fromWords[2 * from];
        WORDS.setOpaque(words, 2 * to + 1, (long) WORDS.getOpaque(fromWords, 2 * from + 1));
        segments[to] = fromSegments[from];
        if (fromSequences != null) {
            sequences[to] = fromSequences[from];
        }
    }

    /** Rebuilds the slot arrays at {@code capacity} (a power of two above the size), dropping emptied slots. */
    private void rehash(int capacity) {
        long[] oldWords = words;
        Object[] oldSegments = segments;
        long[] oldSequences = sequences;
        allocateSlots(capacity);
        for (int old = 0; old < oldSegments.length; old++) {
            if (oldSegments[old] == null) {
                continue;
            }
            copySlot(oldWords, oldSegments, oldSequences, old, firstEmptySlot((int) (oldWords[2 * old] >>> 32)));
        }
    }

    /** {@return the first empty slot from {@code hash}'s home on} The table has one (it is at most 3/4 full). */
    private int firstEmptySlot(int hash) {
        int mask = segments.length - 1;
        int slot = hash & mask;
        while (words[2 * slot] != EMPTY) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void allocateSlots(int capacity) {
        words = new long[2 * capacity];
        segments = new Object[capacity];
        sequences = sequences == null ? null : new long[capacity];
    }

    /** Reports the change of what the keys are charged since the last report, if any. Write lock held. */
    private void recharge() {
        long now = (long) size * SLOT_CHARGE + keysUsed - keysGarbage;
        if (now != charged) {
            long delta = now - charged;
            charged = now;
            charges.accept(delta);
        }
    }

    /** {@return what the keys are charged now (see the class comment)} */
    long chargedBytes() {
        long stamp = lock.readLock();
        try {
            return charged;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Empties the table down to no arrays at all: a table allocates its first on its first insert. */
    private void reset() {
        sequences = null;
        words = NO_WORDS;
        segments = NO_SEGMENTS;
        keys = NO_KEYS;
        keysUsed = 0;
        keysGarbage = 0;
        size = 0;
    }

    private static int capacityFor(int entries) {
        int capacity = MIN_CAPACITY;
        while (capacity - (capacity >>> 2) < entries + 1 || capacity < entries * 2) {
            capacity *= 2;
        }
        return capacity;
    }

    // ---- the key bytes (write lock held) ------------------------------------------------------------------------

    /** Copies {@code key} to the end of the key bytes. {@return where its length prefix starts} */
    private int storeKey(MemorySegment key) {
        long needed = LENGTH_BYTES + key.byteSize();
        packKeysIfMostlyGarbage(needed);
        if (keysUsed + needed > keys.length) {
            keys = Arrays.copyOf(keys, Math.max(MIN_KEY_BYTES, grownKeyBytes(keysUsed + needed)));
        }
        int at = keysUsed;
        KEY_LENGTH.set(keys, at, (int) key.byteSize());
        MemorySegment.copy(key, 0, MemorySegment.ofArray(keys), at + LENGTH_BYTES, key.byteSize());
        keysUsed += (int) needed;
        return at;
    }

    private static int grownKeyBytes(long needed) {
        if (needed > MAX_KEY_BYTES) {
            throw new IllegalStateException("disk index stripe full: " + needed + " bytes of keys (at most "
                    + MAX_KEY_BYTES + " per stripe)");
        }
        return (int) Math.min(MAX_KEY_BYTES, Math.max(needed, needed + (needed >> 1)));
    }

    /**
     * Packs the live keys into a new array, sized for them plus {@code needed} more bytes, when garbage makes up half
     * of what is used and at least {@value #MIN_GARBAGE_TO_PACK} bytes.
     */
    private void packKeysIfMostlyGarbage(long needed) {
        if (keysGarbage < MIN_GARBAGE_TO_PACK || keysGarbage < keysUsed / 2) {
            return;
        }
        long live = keysUsed - keysGarbage;
        byte[] packed = new byte[Math.max(MIN_KEY_BYTES, grownKeyBytes(live + needed))];
        int end = 0;
        for (int slot = 0; slot < segments.length; slot++) {
            if (segments[slot] != null) {
                int at = keyOffset(words[2 * slot]);
                int bytes = LENGTH_BYTES + keyLength(keys, at);
                System.arraycopy(keys, at, packed, end, bytes);
                words[2 * slot] = keyWord((int) (words[2 * slot] >>> 32), end);
                end += bytes;
            }
        }
        keys = packed;
        keysUsed = end;
        keysGarbage = 0;
    }

    private int keyLength(int slot) {
        return keyLength(keys, keyOffset(words[2 * slot]));
    }

    private static int keyLength(byte[] keyBytes, int at) {
        return (int) KEY_LENGTH.get(keyBytes, at);
    }

    /** {@return a slot's first word: never {@link #EMPTY}, as the offset is stored plus one} */
    private static long keyWord(int hash, int keyOffset) {
        return (long) hash << 32 | (keyOffset + 1L);
    }

    private static int keyOffset(long keyWord) {
        return (int) keyWord - 1;
    }

    /** {@return the record length in a slot's second word, the visited bit masked off} */
    private static int recordLength(long place) {
        return (int) (place & LENGTH_MASK);
    }
}
