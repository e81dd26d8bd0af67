package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A stripe's record table over real records in real pages: keys are found by their bytes (tag, hash, then key), a
 * record by its slot word, rebuilds rehash from the records' headers, tombstones keep chains whole, lock-free probes
 * never miss a present key while the table is rebuilt under them, and a slot of an older life is never trusted.
 */
class RecordTableTest {

    private static byte[] key(int id) {
        return ByteBuffer.allocate(4).putInt(id).array();
    }

    private static byte[] value(int id) {
        return ("value of " + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int indexOf(RecordTable table, int hash, int id) {
        byte[] key = key(id);
        synchronized (table) {
            return table.indexOf(hash, MemorySegment.ofArray(key), 0, key.length);
        }
    }

    private static void insert(RecordTable table, int hash, long slot) {
        synchronized (table) {
            table.insert(hash, slot);
        }
    }

    private static void remove(RecordTable table, int index) {
        synchronized (table) {
            table.remove(index);
        }
    }

    @Test
    void collidingKeysAreTellApartByTheirBytesAndProbePastTombstones() {
        try (RecordPages pages = new RecordPages()) {
            RecordTable table = new RecordTable(pages.extents, TableMemory.unlimited());
            long[] slots = new long[6];
            for (int id = 0; id < 6; id++) {
                slots[id] = pages.write(7, key(id), value(id));    // one hash for all: one probe chain, one tag
                insert(table, 7, slots[id]);
            }
            for (int id = 0; id < 6; id++) {
                int index = indexOf(table, 7, id);
                assertTrue(Slots.sameRecord(slots[id], table.get(index)), "key " + id);
                assertEquals(index, table.indexOfRecord(7, slots[id] | Slots.VISITED), "found by record, visited or not");
            }
            remove(table, indexOf(table, 7, 1));
            remove(table, indexOf(table, 7, 3));
            assertEquals(-1, indexOf(table, 7, 1));
            assertEquals(-1, indexOf(table, 7, 3));
            assertEquals(-1, indexOf(table, 8, 5), "the same key bytes under another hash are another key");
            assertTrue(indexOf(table, 7, 5) >= 0, "found past two tombstones");
            long again = pages.write(7, key(3), value(33));
            insert(table, 7, again);
            assertTrue(Slots.sameRecord(again, table.get(indexOf(table, 7, 3))));
            assertEquals(5, table.size());
        }
    }

    /** Random inserts, replacements and removes against a HashMap, few distinct hashes: chains, tombstones, rebuilds. */
    @Test
    void behavesLikeAMapUnderRandomOperations() {
        for (int seed = 0; seed < 5; seed++) {
            try (RecordPages pages = new RecordPages()) {
                Random random = new Random(seed);
                RecordTable table = new RecordTable(pages.extents, TableMemory.unlimited());
                Map<Integer, Long> model = new HashMap<>();
                int hashes = 1 + random.nextInt(50);
                for (int step = 0; step < 3_000; step++) {
                    int id = random.nextInt(400);
                    int hash = id % hashes;
                    int op = random.nextInt(10);
                    int index = indexOf(table, hash, id);
                    assertEquals(model.containsKey(id), index >= 0, "seed " + seed + " step " + step);
                    if (op < 5) {
                        long slot = pages.write(hash, key(id), value(step));
                        synchronized (table) {
                            if (index >= 0) {
                                table.replace(index, slot);
                            } else {
                                table.insert(hash, slot);
                            }
                        }
                        model.put(id, slot);
                    } else if (op < 8 && index >= 0) {
                        remove(table, index);
                        model.remove(id);
                    } else if (index >= 0) {
                        assertTrue(Slots.sameRecord(model.get(id), table.get(index)), "seed " + seed + " step " + step);
                    }
                }
                assertEquals(model.size(), table.size(), "seed " + seed);
            }
        }
    }

    /**
     * Readers probe, lock-free, for keys that are always present while a writer inserts and removes other keys of the
     * same hashes, growing and cleaning the table under them: a present key is always found, with its own value.
     */
    @Test
    void lockFreeProbesNeverMissAPresentKeyWhileTheTableIsRebuilt() throws Exception {
        try (RecordPages pages = new RecordPages()) {
            RecordTable table = new RecordTable(pages.extents, TableMemory.unlimited());
            OffHeapReads<byte[], byte[]> reads = new OffHeapReads<>(pages.extents, Codecs.bytes(), Codecs.bytes(), true);
            int stable = 300;
            for (int id = 0; id < stable; id++) {
                insert(table, id % 13, pages.write(id % 13, key(id), value(id)));
            }
            List<long[]> churned = new ArrayList<>();
            for (int id = 0; id < 2_000; id++) {                // written up front: the writer only moves slots
                churned.add(new long[] {id % 13, pages.write(id % 13, key(stable + id), value(stable + id))});
            }
            int readers = 2;
            CyclicBarrier start = new CyclicBarrier(readers + 1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                int seed = r;
                threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                    Random random = new Random(seed);
                    start.await();
                    for (int i = 0; i < 200_000 && failure.get() == null; i++) {
                        int id = random.nextInt(stable);
                        long slot = reads.find(table.table(), id % 13, key(id));
                        if (slot == OffHeapReads.MISS) {
                            throw new AssertionError("missed present key " + id);
                        }
                        if (slot != OffHeapReads.RETRY) {
                            Object value = reads.value(slot);
                            if (value != OffHeapReads.TORN) {
                                assertArrayEquals(value(id), (byte[]) value, "key " + id);
                            }
                        }
                        Object copied = reads.copy(table.table(), id % 13, key(id));
                        if (copied == OffHeapReads.ABSENT) {
                            throw new AssertionError("copy missed present key " + id);
                        }
                        if (copied != OffHeapReads.TORN) {
                            assertArrayEquals(value(id), (byte[]) copied, "key " + id);
                        }
                    }
                })));
            }
            threads.add(Thread.ofPlatform().start(() -> TieredCacheModelTest.guarded(failure, () -> {
                start.await();
                for (int round = 0; round < 20 && failure.get() == null; round++) {
                    for (long[] record : churned) {
                        insert(table, (int) record[0], record[1]);
                    }
                    for (long[] record : churned) {
                        synchronized (table) {
                            table.remove(table.indexOfRecord((int) record[0], record[1]));
                        }
                    }
                }
            })));
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get());
            assertEquals(stable, table.size());
        }
    }

    @Test
    void aSlotOfAnOlderLifeIsRetriedNotTrusted() {
        try (RecordPages pages = new RecordPages()) {
            RecordTable table = new RecordTable(pages.extents, TableMemory.unlimited());
            OffHeapReads<byte[], byte[]> reads = new OffHeapReads<>(pages.extents, Codecs.bytes(), Codecs.bytes(), true);
            long slot = pages.write(5, key(1), value(1));
            insert(table, 5, slot);
            assertEquals(slot, reads.find(table.table(), 5, key(1)));
            assertArrayEquals(value(1), (byte[]) reads.copy(table.table(), 5, key(1)));
            assertArrayEquals(value(1), (byte[]) reads.value(slot));
            Extent extent = pages.extents.extentAt(Slots.location(slot));
            extent.seal();
            assertArrayEquals(value(1), (byte[]) reads.value(slot), "a sealed page is still read: records are intact");
            extent.renew();                                     // a new life: the slot is stale
            assertEquals(OffHeapReads.RETRY, reads.find(table.table(), 5, key(1)));
            assertEquals(OffHeapReads.TORN, reads.value(slot));
            assertEquals(OffHeapReads.TORN, reads.copy(table.table(), 5, key(1)));
        }
    }

    /**
     * Keys come and go, sixteen at a time as when a page is evicted, while the table holds just under half its length
     * in records, as a full tier's table does when its record count settles there: each rebuild leaves room for a
     * sixteenth of the table at least, so the table is not copied again a few inserts later (when a rebuild only had
     * to leave it at most half full, it was copied at every batch: 313 times in 5,000 churns).
     */
    @Test
    void aTableChurnedJustUnderHalfFullIsRebuiltRarely() {
        try (RecordPages pages = new RecordPages()) {
            RecordTable table = new RecordTable(pages.extents, TableMemory.unlimited());
            int[] hashes = new Random(42).ints(6_000).toArray();
            int held = 254;                                  // 512 slots would be 49.6% full
            ArrayDeque<Integer> ids = new ArrayDeque<>();
            for (int id = 0; id < held; id++) {
                insert(table, hashes[id], pages.write(hashes[id], key(id), value(id)));
                ids.add(id);
            }
            int rebuilds = 0;
            for (int id = held; id < held + 5_000; id += 16) {
                for (int i = 0; i < 16; i++) {               // a page's records leave, then as many come
                    int leaving = ids.poll();
                    remove(table, indexOf(table, hashes[leaving], leaving));
                }
                for (int next = id; next < id + 16; next++) {
                    long[] before = table.table();
                    insert(table, hashes[next], pages.write(hashes[next], key(next), value(next)));
                    ids.add(next);
                    rebuilds += table.table() != before ? 1 : 0;
                }
            }
            assertEquals(held, table.size());
            assertTrue(rebuilds <= 5_000 / (table.capacity() / 16) + 1, rebuilds + " rebuilds of a table of "
                    + table.capacity() + " slots");
        }
    }

    @Test
    void aRebuiltTableLeavesASixteenthFreeAndIsTheLeastThatDoes() {
        for (int entries = 0; entries <= 100_000; entries++) {
            int length = NodeTable.tableLength(entries, 8);
            assertEquals(1, Integer.bitCount(length), "a power of two: " + length);
            assertTrue(length >= 8 && length >= 2 * entries, entries + " entries in " + length);
            assertTrue(entries * 16L <= length * 7L, entries + " entries leave a sixteenth of " + length + " free");
            assertTrue(length == 8 || length / 2 < 2 * entries || entries * 16L > (length / 2) * 7L,
                    "half of " + length + " would do for " + entries);
        }
    }

    /**
     * The engine's account of record-table heap follows the table exactly: charged as it is made and grows, credited
     * as it shrinks (a table mostly emptied is rebuilt smaller at its next insert, and when asked after a clear), and
     * given back once at close.
     */
    @Test
    void theHeapAccountFollowsTheTableAsItGrowsShrinksAndIsReleased() {
        try (RecordPages pages = new RecordPages()) {
            TableMemory account = TableMemory.unlimited();
            RecordTable table = new RecordTable(pages.extents, account);
            assertEquals(table.heapBytes(), account.bytes(), "an empty table is charged its first slots");
            List<Integer> hashes = new ArrayList<>();
            for (int id = 0; id < 2_000; id++) {
                hashes.add(id * 0x9E3779B1);
                insert(table, hashes.get(id), pages.write(hashes.get(id), key(id), value(id)));
                assertEquals(table.heapBytes(), account.bytes(), "after insert " + id);
            }
            long grown = table.heapBytes();
            for (int id = 0; id < 1_990; id++) {
                remove(table, indexOf(table, hashes.get(id), id));
            }
            assertEquals(grown, table.heapBytes(), "removals alone do not rebuild");
            insert(table, 5, pages.write(5, key(5_000), value(5_000)));
            assertTrue(table.heapBytes() < grown / 8, table.heapBytes() + " bytes after the insert, " + grown
                    + " before");
            assertEquals(table.heapBytes(), account.bytes(), "the shrink is credited");
            for (int id = 1_990; id < 2_000; id++) {
                remove(table, indexOf(table, hashes.get(id), id));
            }
            remove(table, indexOf(table, 5, 5_000));
            synchronized (table) {
                table.shrinkIfSparse();
                assertEquals(64, table.heapBytes(), "an empty table is back to its first 8 slots");
                assertEquals(64, account.bytes());
                table.release();
                table.release();
            }
            assertEquals(0, account.bytes(), "released once, however often asked");
        }
    }
}
