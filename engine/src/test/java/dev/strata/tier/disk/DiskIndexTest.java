package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.testing.Latches;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The disk index against a {@code HashMap} model: lookups, overwrites, conditional changes, deletion in probe chains,
 * growing, shrinking and packing the key bytes, recovery's settling, the visited bit (kept in a slot's spare bit, set
 * without a lock), and lock-free readers, marking or not, beside writers.
 */
class DiskIndexTest {

    @TempDir
    Path directory;

    private final DiskQuota quota = new DiskQuota(1 << 30);
    private final List<Segment> segments = new ArrayList<>();

    @BeforeEach
    void createSegments() throws IOException {
        for (int id = 1; id <= 3; id++) {
            quota.forceReserve(RecordFormat.SEGMENT_HEADER_BYTES);
            segments.add(Segment.create(directory, id, false, quota, false));
        }
    }

    @AfterEach
    void retireSegments() {
        segments.forEach(segment -> segment.retire(true));
    }

    @Test
    void aKeyInNativeMemoryFindsTheCopyOfTheSameBytesAndTheCopyIsTheIndexsOwn() {
        DiskIndex index = new DiskIndex();
        byte[] source = "some key bytes".getBytes(StandardCharsets.UTF_8);
        Location location = new Location(segments.get(0), 16, 100);
        assertNull(index.put(MemorySegment.ofArray(source), location));
        source[0] = 'X';                                              // the caller's bytes change after the put
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(source.length);
            offHeap.copyFrom(text("some key bytes"));
            assertEquals(location, index.get(offHeap));
            assertNull(index.get(offHeap.asSlice(1)));
            assertNull(index.get(MemorySegment.ofArray(source)));
        }
        List<String> seen = new ArrayList<>();
        index.forEachKey(1, key -> {
            assertTrue(key.isReadOnly());
            seen.add(new String(key.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
        });
        assertEquals(List.of("some key bytes"), seen);
    }

    @Test
    void sequentialDigitKeysGetDistinctHashesSpreadOverStripesAndSlots() {
        int keys = 100_000;
        Set<Integer> hashes = new HashSet<>();
        Set<Integer> buckets = new HashSet<>();
        int[] perStripe = new int[DiskIndex.STRIPES];
        for (int i = 0; i < keys; i++) {
            int hash = DiskIndex.hash(text(String.format("key-%012d", i)));
            hashes.add(hash);
            buckets.add(hash & ((1 << 17) - 1));
            perStripe[hash >>> (Integer.SIZE - Integer.numberOfTrailingZeros(DiskIndex.STRIPES))]++;
        }
        assertTrue(hashes.size() > keys * 0.999, "distinct hashes: " + hashes.size());
        assertTrue(buckets.size() > keys * 0.6, "distinct low-17-bit buckets: " + buckets.size());
        for (int count : perStripe) {
            assertTrue(count > keys / DiskIndex.STRIPES / 3, "a stripe got " + count + " keys");
        }
    }

    @Test
    void randomChangesMatchAHashMapThroughGrowingShrinkingAndPacking() {
        DiskIndex index = new DiskIndex();
        Map<ByteBuffer, Location> model = new HashMap<>();
        Random random = new Random(42);
        for (int round = 0; round < 6; round++) {
            int keys = round % 2 == 0 ? 20_000 : 300;                 // grow wide, then churn a few keys
            for (int op = 0; op < 60_000; op++) {
                applyRandomChange(index, model, random, keys);
            }
            assertMatches(model, index);
            for (int op = 0; op < 60_000 && !model.isEmpty(); op++) {  // remove most, so tables shrink and pack
                MemorySegment key = randomKey(random, keys);
                assertEquals(model.remove(ByteBuffer.wrap(key.toArray(ValueLayout.JAVA_BYTE))), index.remove(key));
            }
            assertMatches(model, index);
        }
    }

    @Test
    void theEmptyKeyAndLongKeysAreKeysLikeAnyOther() {
        DiskIndex index = new DiskIndex();
        MemorySegment empty = MemorySegment.ofArray(new byte[0]);
        MemorySegment longKey = MemorySegment.ofArray(new byte[70_000]);
        Location first = new Location(segments.get(0), 16, 21);
        Location second = new Location(segments.get(1), 16, 70_021);
        index.put(empty, first);
        index.put(longKey, second);
        assertEquals(first, index.get(empty));
        assertEquals(second, index.get(longKey));
        assertNull(index.get(MemorySegment.ofArray(new byte[69_999])));
        assertEquals(first, index.remove(empty));
        assertNull(index.get(empty));
        assertEquals(1, index.size());
    }

    @Test
    void conditionalChangesNeedTheExpectedSegmentAndOffset() {
        DiskIndex index = new DiskIndex();
        MemorySegment key = text("k");
        Location current = new Location(segments.get(0), 100, 30);
        index.put(key, current);
        Location copy = new Location(segments.get(1), 16, 30);
        assertFalse(index.replace(key, new Location(segments.get(0), 101, 30), copy, true), "other offset");
        assertFalse(index.replace(key, new Location(segments.get(2), 100, 30), copy, true), "other segment");
        assertFalse(index.replace(text("absent"), current, copy, true));
        assertEquals(current, index.get(key));
        assertTrue(index.replace(key, current, copy, true));
        assertEquals(copy, index.get(key));
        assertFalse(index.remove(key, current), "the old location no longer stands");
        assertTrue(index.remove(key, copy));
        assertFalse(index.containsKey(key));
        assertEquals(0, index.size());
    }

    /**
     * {@code isCurrent} compares locations, not key bytes: the current record of a key is current, its older one and
     * any other place are not, and of two keys with one hash each finds its own record past the other's entry.
     */
    @Test
    void isCurrentNamesOnlyAKeysCurrentRecordWithOrWithoutASharedHash() {
        DiskIndex index = new DiskIndex();
        MemorySegment[] sameHash = DiskTestSupport.keysWithOneHash();
        index.put(sameHash[0], new Location(segments.get(0), 100, 40));
        index.put(sameHash[1], new Location(segments.get(0), 140, 40));
        index.put(sameHash[0], new Location(segments.get(1), 16, 40));

        assertTrue(index.isCurrent(sameHash[0], segments.get(1), 16));
        assertFalse(index.isCurrent(sameHash[0], segments.get(0), 100), "overwritten");
        assertTrue(index.isCurrent(sameHash[1], segments.get(0), 140), "found past the other key's entry");
        assertFalse(index.isCurrent(sameHash[1], segments.get(2), 140), "another segment");
        assertFalse(index.isCurrent(text("absent"), segments.get(0), 100));
        index.remove(sameHash[1]);
        assertFalse(index.isCurrent(sameHash[1], segments.get(0), 140), "removed");
        assertTrue(index.isCurrent(sameHash[0], segments.get(1), 16));
    }

    @Test
    void anOffsetBeyond32BitsIsRefusedAndChangesNothing() {
        DiskIndex index = new DiskIndex();
        MemorySegment key = text("k");
        Location fine = new Location(segments.get(0), 16, 30);
        index.put(key, fine);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> index.put(key, new Location(segments.get(0), 1L << 32, 30)));
        assertTrue(e.getMessage().contains("4294967296"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> index.put(text("new"), new Location(segments.get(0), -1, 30)));
        assertEquals(fine, index.get(key));
        assertEquals(1, index.size());
    }

    @Test
    void settlingKeepsTheHighestSequenceAndReportsEveryLosingValue() {
        DiskIndex index = new DiskIndex();
        Segment a = segments.get(0);
        Segment b = segments.get(1);
        assertNull(index.settle(text("x"), a, 16, 40, 5));
        assertEquals(new Location(b, 16, 41), index.settle(text("x"), b, 16, 41, 3), "an older value loses");
        assertEquals(new Location(a, 16, 40), index.settle(text("x"), b, 60, 42, 9), "a newer value wins");
        assertEquals(new Location(b, 60, 42), index.settle(text("x"), null, 0, 30, 12), "a newer tombstone wins");
        assertEquals(new Location(a, 99, 44), index.settle(text("x"), a, 99, 44, 11), "a value older than it loses");
        assertNull(index.settle(text("y"), null, 0, 30, 7));
        assertEquals(new Location(a, 200, 50), index.settle(text("y"), a, 200, 50, 6), "older than a tombstone");
        assertNull(index.settle(text("z"), a, 300, 50, 20));
        assertEquals(new Location(b, 16, 50), index.settle(text("z"), b, 16, 50, 20),
                "a compaction copy (same sequence) met second loses");
        assertNull(index.get(text("x")), "a tombstone's marker is never a location");
        assertEquals(3, index.size(), "markers count until the end");
        index.endRecovery();
        assertEquals(1, index.size());
        assertNull(index.get(text("x")));
        assertNull(index.get(text("y")));
        assertEquals(new Location(a, 300, 50), index.get(text("z")));
        assertEquals(50, index.recordBytes());
    }

    @Test
    void settlingManyKeysKeepsEachKeysWinnerWhileTheTablesGrow() {
        DiskIndex index = new DiskIndex();
        int keys = 20_000;
        long expectedBytes = 0;
        for (int round = 0; round < 3; round++) {                 // sequences 1..3 per key, met in a shuffled order
            for (int i = 0; i < keys; i++) {
                int sequence = 1 + (i + round) % 3;
                boolean tombstone = i % 5 == 0 && sequence == 3;
                index.settle(numbered(i), tombstone ? null : segments.get(round), 16 + i, 100 + sequence, sequence);
            }
        }
        index.endRecovery();
        for (int i = 0; i < keys; i++) {
            int winningRound = Math.floorMod(2 - i, 3);           // the round that met sequence 3
            Location expected = i % 5 == 0 ? null : new Location(segments.get(winningRound), 16 + i, 103);
            assertEquals(expected, index.get(numbered(i)), "key " + i);
            expectedBytes += expected == null ? 0 : 103;
        }
        assertEquals(keys - keys / 5, index.size());
        assertEquals(expectedBytes, index.recordBytes());
    }

    @Test
    void removeAllDropsTheDoomedSegmentsEntriesAndReportsThem() {
        DiskIndex index = new DiskIndex();
        for (int i = 0; i < 3_000; i++) {
            index.put(text("key-" + i), new Location(segments.get(i % 3), 16 + i, 10 + i % 7));
        }
        long before = index.recordBytes();
        List<Location> removed = new ArrayList<>();
        index.removeAll(segment -> segment == segments.get(1), removed::add);
        assertEquals(1_000, removed.size());
        assertTrue(removed.stream().allMatch(location -> location.segment() == segments.get(1)));
        assertEquals(2_000, index.size());
        assertEquals(before - removed.stream().mapToLong(Location::recordBytes).sum(), index.recordBytes());
        for (int i = 0; i < 3_000; i++) {
            assertEquals(i % 3 != 1, index.containsKey(text("key-" + i)), "key-" + i);
        }
        long heap = index.heapBytes();
        index.clear();
        assertEquals(0, index.size());
        assertNull(index.get(text("key-0")));
        assertTrue(index.heapBytes() < heap / 2, index.heapBytes() + " of " + heap);
    }

    @Test
    void aKeyCostsAbout40BytesOfHeapBesideItsBytesAndNeverOver60() {
        DiskIndex index = new DiskIndex();
        double sum = 0;
        int samples = 0;
        int keys = 0;
        for (int target = 50_000; target <= 400_000; target += 25_000, samples++) {
            for (; keys < target; keys++) {
                index.put(MemorySegment.ofArray(ByteBuffer.allocate(4).putInt(keys).array()),
                        new Location(segments.get(0), 16 + 40L * keys, 40));
            }
            double perKey = (double) index.heapBytes() / keys - Integer.BYTES * 2;   // the key and its length
            assertTrue(perKey < 60, keys + " keys: " + perKey + " bytes per key");
            sum += perKey;
        }
        assertTrue(sum / samples < 45, "mean heap per key beside its bytes: " + sum / samples);
    }

    @Test
    void removingMostKeysGivesTheirHeapBack() {
        DiskIndex index = new DiskIndex();
        DiskIndex fresh = new DiskIndex();
        int keys = 1_000_000;                              // about 1,000 per table: its own thresholds do not dominate
        for (int i = 0; i < keys; i++) {
            index.put(text("key-" + (10_000_000 + i)), new Location(segments.get(0), 16, 40));
        }
        for (int i = 0; i < keys; i++) {
            if (i % 10 != 0) {
                index.remove(text("key-" + (10_000_000 + i)));
            } else {
                fresh.put(text("key-" + (10_000_000 + i)), new Location(segments.get(0), 16, 40));
            }
        }
        assertEquals(keys / 10, index.size());
        assertTrue(index.heapBytes() < 2.5 * fresh.heapBytes(),
                index.heapBytes() + " bytes after removals, " + fresh.heapBytes() + " for the same keys put afresh");
        index.clear();
        assertTrue(index.heapBytes() == 0, "a cleared index keeps " + index.heapBytes() + " bytes of arrays");
    }

    @Test
    void aWalkOnSeveralThreadsPassesEveryKeyOnceAndRethrowsAnActionsFailure() {
        DiskIndex index = new DiskIndex();
        int keys = 10_000;
        for (int i = 0; i < keys; i++) {
            index.put(numbered(i), locationOf(i, 0));
        }
        Map<String, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        index.forEachKey(3, key -> {
            seen.merge(new String(key.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8), 1, Integer::sum);
            threads.add(Thread.currentThread().getName());
        });
        assertEquals(keys, seen.size());
        assertTrue(seen.values().stream().allMatch(count -> count == 1), "a key passed twice");
        assertTrue(threads.stream().allMatch(name -> name.startsWith("strata-disk-keys-")), threads.toString());
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> index.forEachKey(2, key -> {
            throw new IllegalStateException("codec failed");
        }));
        assertEquals("codec failed", failure.getMessage());
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("strata-disk-keys-")), "walk threads left running");
    }

    @Test
    void visitReportsTheBitAsItWasAndMarksOnlyWhenAskedAndOnlyTheRecordItFound() {
        DiskIndex index = new DiskIndex();
        MemorySegment key = text("k");
        assertNull(index.visit(key, true), "absent");
        Location first = new Location(segments.get(0), 100, RecordFormat.MAX_RECORD_BYTES);   // every length bit set
        index.put(key, first);
        assertEquals(new DiskIndex.Hit(first, false, false), index.visit(key, false));
        assertEquals(new DiskIndex.Hit(first, false, false), index.visit(key, false), "not marked by a plain visit");
        assertEquals(new DiskIndex.Hit(first, false, true), index.visit(key, true));
        assertEquals(new DiskIndex.Hit(first, true, false), index.visit(key, true));
        assertEquals(first, index.get(key), "the bit is not part of the location");
        assertEquals(RecordFormat.MAX_RECORD_BYTES, index.recordBytes());
        assertTrue(index.remove(text("k"), first) && index.put(key, first) == null, "still comparable by location");
        assertFalse(index.visit(key, false).visited(), "a record put afresh starts unvisited");

        index.visit(key, true);
        Location overwrite = new Location(segments.get(1), 100, RecordFormat.MAX_RECORD_BYTES);
        assertEquals(first, index.put(key, overwrite));
        assertEquals(new DiskIndex.Hit(overwrite, false, true), index.visit(key, true), "an overwrite resets it");
        Location copy = new Location(segments.get(2), 16, RecordFormat.MAX_RECORD_BYTES);
        assertTrue(index.replace(key, overwrite, copy, true));
        assertEquals(new DiskIndex.Hit(copy, true, false), index.visit(key, false), "a compaction's copy keeps it");
        Location secondChance = new Location(segments.get(0), 48, RecordFormat.MAX_RECORD_BYTES);
        assertTrue(index.replace(key, copy, secondChance, false));
        assertEquals(new DiskIndex.Hit(secondChance, false, false), index.visit(key, false),
                "an eviction's second-chance copy spends it");
        copy = secondChance;
        assertEquals(copy, index.remove(key));
        assertNull(index.visit(key, true));
        assertThrows(IllegalArgumentException.class, () -> index.put(key, new Location(segments.get(0), 16, -1)),
                "a length using the visited bit");
    }

    /** A lookup by hash alone takes the first entry with the hash, whatever its key; the exact one compares keys. */
    @Test
    void aVisitByHashTakesTheFirstEntryWithTheHash() {
        IndexTable table = new IndexTable();
        int hash = 7;
        Location a1 = new Location(segments.get(0), 100, 50);
        Location b1 = new Location(segments.get(1), 200, 60);
        assertNull(table.visitByHash(hash, true), "empty");
        table.put(text("a"), hash, a1);
        table.put(text("b"), hash, b1);
        assertEquals(new DiskIndex.Hit(a1, false, true), table.visitByHash(hash, true), "a's, and a's bit marked");
        assertEquals(new DiskIndex.Hit(b1, false, false), table.visit(text("b"), hash, false), "b's own, unmarked");
        assertNull(table.visitByHash(hash + 1, false), "no entry with that hash");
        table.remove(text("a"), hash);
        assertEquals(new DiskIndex.Hit(b1, false, false), table.visitByHash(hash, false));
    }

    /**
     * A writer acting between a lock-free visit's validated lookup and its mark (the test hook runs it there): an
     * overwrite, a removal that shifts another key into the visited slot, a rehash. The mark may be lost; no key's
     * location ever changes.
     */
    @Test
    void aMarkRacingWithAWriterAfterItsLookupNeverChangesALocation() {
        AtomicReference<Runnable> writer = new AtomicReference<>();
        IndexTable table = new IndexTable(() -> {
            Runnable once = writer.getAndSet(null);
            if (once != null) {
                once.run();
            }
        });
        int hash = 7;                                                 // a and b share a home slot, b one after a
        MemorySegment a = text("a");
        MemorySegment b = text("b");
        Location a1 = new Location(segments.get(0), 100, 50);
        Location b1 = new Location(segments.get(1), 200, 60);
        table.put(a, hash, a1);
        table.put(b, hash, b1);

        Location a2 = new Location(segments.get(2), 300, 50);
        writer.set(() -> table.put(a, hash, a2));
        assertEquals(new DiskIndex.Hit(a1, false, false), table.visit(a, hash, true), "reports what it read; lost");
        assertEquals(a2, table.get(a, hash));
        assertFalse(table.visit(a, hash, false).visited(), "the overwrite stays unvisited");

        writer.set(() -> table.remove(a, hash));                     // b moves back into a's slot
        assertFalse(table.visit(a, hash, true).marked());
        assertNull(table.get(a, hash));
        assertEquals(new DiskIndex.Hit(b1, false, false), table.visit(b, hash, false), "b's own, unmarked");

        table.put(a, hash, a1);                                       // now after b
        writer.set(() -> {                                            // grows the table: a rehash
            for (int i = 0; i < 40; i++) {
                table.put(numbered(i), i, locationOf(i, 0));
            }
        });
        table.visit(a, hash, true);
        assertEquals(a1, table.get(a, hash));
        assertEquals(b1, table.get(b, hash));
        for (int i = 0; i < 40; i++) {
            assertEquals(locationOf(i, 0), table.get(numbered(i), i));
        }
        assertEquals(new DiskIndex.Hit(a1, false, true), table.visit(a, hash, true), "marks with no writer about");
        assertTrue(table.visit(a, hash, false).visited());
    }

    @Test
    void visitedBitsStayWithTheirRecordsThroughGrowingShrinkingAndPacking() {
        DiskIndex index = new DiskIndex();
        Map<ByteBuffer, Location> model = new HashMap<>();
        Set<ByteBuffer> visited = new HashSet<>();
        Random random = new Random(43);
        for (int round = 0; round < 6; round++) {
            int keys = round % 2 == 0 ? 20_000 : 300;
            for (int op = 0; op < 80_000; op++) {
                applyRandomChangeOrVisit(index, model, visited, random, keys);
            }
            assertMatches(model, index);
            assertVisitedMatches(model, visited, index);
            for (int op = 0; op < 60_000 && !model.isEmpty(); op++) {  // remove most: shrink, shift back, pack
                MemorySegment key = randomKey(random, keys);
                ByteBuffer modelKey = ByteBuffer.wrap(key.toArray(ValueLayout.JAVA_BYTE));
                visited.remove(modelKey);
                assertEquals(model.remove(modelKey), index.remove(key));
            }
            assertMatches(model, index);
            assertVisitedMatches(model, visited, index);
        }
    }

    @ParameterizedTest(name = "readers marking visited: {0}")
    @ValueSource(booleans = {false, true})
    void lockFreeReadersNeverSeeAnotherKeysLocationWhileWritersChurn(boolean marking) throws Exception {
        DiskIndex index = new DiskIndex();
        int stable = 2_000;
        int churning = 20_000;
        for (int i = 0; i < stable; i++) {
            index.put(numbered(i), locationOf(i, 0));
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        threads.add(Thread.ofPlatform().start(() -> {         // fills and empties: tables grow, shrink, pack keys
            Latches.await(start, "start");
            try {
                for (int cycle = 0; cycle < 8; cycle++) {
                    for (int i = stable; i < stable + churning; i++) {
                        index.put(numbered(i), locationOf(i, cycle));
                    }
                    for (int i = stable; i < stable + churning; i++) {
                        index.remove(numbered(i));
                    }
                }
            } catch (RuntimeException | Error e) {
                failures.add("writer failed: " + e);
                throw e;
            } finally {
                writing.set(false);
            }
        }));
        threads.add(Thread.ofPlatform().start(() -> {         // overwrites stable keys, replaces churning ones
            Latches.await(start, "start");
            Random random = new Random(7);
            for (int version = 1; writing.get(); version++) {
                int i = random.nextInt(stable);
                index.put(numbered(i), locationOf(i, version));
                int j = stable + random.nextInt(churning);
                Location seen = index.get(numbered(j));
                if (seen != null) {
                    index.replace(numbered(j), seen, locationOf(j, version), true);
                }
            }
        }));
        AtomicLong marks = new AtomicLong();
        for (int r = 0; r < 2; r++) {
            int seed = 100 + r;
            threads.add(Thread.ofPlatform().start(() -> {
                Latches.await(start, "start");
                Random random = new Random(seed);
                while (writing.get()) {
                    int i = random.nextInt(stable + churning);
                    Location found;
                    if (marking && random.nextBoolean()) {      // mostly stable keys, whose bits meet every writer
                        i = i % 4 == 0 ? i : i % stable;
                        DiskIndex.Hit hit = index.visit(numbered(i), true);
                        found = hit == null ? null : hit.location();
                        marks.addAndGet(hit != null && hit.marked() ? 1 : 0);
                    } else {
                        found = index.get(numbered(i));
                    }
                    if (found == null ? i < stable : keyOf(found) != i || found.recordBytes() != 21) {
                        failures.add("key " + i + " read as " + found);
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " bad reads, first: " + failures.peek());
        assertEquals(stable, index.size());
        for (int i = 0; i < stable; i++) {
            Location found = index.get(numbered(i));
            assertTrue(found != null && keyOf(found) == i && found.recordBytes() == 21, "key " + i + ": " + found);
        }
        assertEquals(21L * stable, index.recordBytes());
        assertEquals(marking, marks.get() > 0, "marks set: " + marks.get());
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private void applyRandomChange(DiskIndex index, Map<ByteBuffer, Location> model, Random random, int keys) {
        MemorySegment key = randomKey(random, keys);
        ByteBuffer modelKey = ByteBuffer.wrap(key.toArray(ValueLayout.JAVA_BYTE));
        Location current = model.get(modelKey);
        Location next = new Location(segments.get(random.nextInt(3)), random.nextInt(1 << 30),
                21 + random.nextInt(500));
        switch (random.nextInt(6)) {
            case 0, 1, 2 -> assertEquals(model.put(modelKey, next), index.put(key, next));
            case 3 -> assertEquals(model.remove(modelKey), index.remove(key));
            case 4 -> {
                Location expected = current != null && random.nextBoolean() ? current : next;
                boolean replaced = current != null && current.equals(expected);
                assertEquals(replaced, index.replace(key, expected, next, true));
                if (replaced) {
                    model.put(modelKey, next);
                }
            }
            default -> {
                Location expected = current != null && random.nextBoolean() ? current : next;
                boolean removed = current != null && current.equals(expected);
                assertEquals(removed, index.remove(key, expected));
                if (removed) {
                    model.remove(modelKey);
                }
            }
        }
    }

    /** Like {@link #applyRandomChange}, or a visit (marking or not), keeping {@code visited} in step. */
    private void applyRandomChangeOrVisit(DiskIndex index, Map<ByteBuffer, Location> model, Set<ByteBuffer> visited,
                                          Random random, int keys) {
        MemorySegment key = randomKey(random, keys);
        ByteBuffer modelKey = ByteBuffer.wrap(key.toArray(ValueLayout.JAVA_BYTE));
        Location current = model.get(modelKey);
        Location next = new Location(segments.get(random.nextInt(3)), random.nextInt(1 << 30),
                21 + random.nextInt(RecordFormat.MAX_RECORD_BYTES - 21));       // lengths up to the bit's neighbour
        switch (random.nextInt(8)) {
            case 0, 1 -> {
                assertEquals(model.put(modelKey, next), index.put(key, next));
                visited.remove(modelKey);
            }
            case 2 -> {
                assertEquals(model.remove(modelKey), index.remove(key));
                visited.remove(modelKey);
            }
            case 3 -> {
                Location expected = current != null && random.nextBoolean() ? current : next;
                boolean replaced = current != null && current.equals(expected);
                assertEquals(replaced, index.replace(key, expected, next, true));
                if (replaced) {
                    model.put(modelKey, next);                          // a copy: the bit stays
                }
            }
            case 4 -> {
                Location expected = current != null && random.nextBoolean() ? current : next;
                boolean removed = current != null && current.equals(expected);
                assertEquals(removed, index.remove(key, expected));
                if (removed) {
                    model.remove(modelKey);
                    visited.remove(modelKey);
                }
            }
            default -> {
                boolean mark = random.nextBoolean();
                DiskIndex.Hit hit = index.visit(key, mark);
                boolean wasVisited = visited.contains(modelKey);
                assertEquals(current == null ? null : new DiskIndex.Hit(current, wasVisited, mark && !wasVisited),
                        hit);
                if (current != null && mark) {
                    visited.add(modelKey);
                }
            }
        }
    }

    private static void assertVisitedMatches(Map<ByteBuffer, Location> model, Set<ByteBuffer> visited,
                                             DiskIndex index) {
        assertTrue(model.keySet().containsAll(visited));
        for (Map.Entry<ByteBuffer, Location> entry : model.entrySet()) {
            DiskIndex.Hit hit = index.visit(MemorySegment.ofArray(entry.getKey().array()), false);
            assertEquals(new DiskIndex.Hit(entry.getValue(), visited.contains(entry.getKey()), false), hit);
        }
    }

    /** Keys of 0 to 35 bytes: many short ones, some sharing prefixes, so probe chains and packing see every size. */
    private static MemorySegment randomKey(Random random, int keys) {
        int n = random.nextInt(keys);
        return n == 0 ? MemorySegment.ofArray(new byte[0]) : text("k" + n + "-".repeat(n % 29));
    }

    private static void assertMatches(Map<ByteBuffer, Location> model, DiskIndex index) {
        assertEquals(model.size(), index.size());
        for (Map.Entry<ByteBuffer, Location> entry : model.entrySet()) {
            assertEquals(entry.getValue(), index.get(MemorySegment.ofArray(entry.getKey().array())));
        }
        Set<ByteBuffer> seen = new HashSet<>();
        index.forEachKey(1, key -> assertTrue(seen.add(ByteBuffer.wrap(key.toArray(ValueLayout.JAVA_BYTE)))));
        assertEquals(model.keySet(), seen);
        assertEquals(model.values().stream().mapToLong(Location::recordBytes).sum(), index.recordBytes());
    }

    private static MemorySegment text(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MemorySegment numbered(int i) {
        return text("n" + i);
    }

    /** A location that names its key: offset = key * 100,000 + version. */
    private Location locationOf(int key, int version) {
        return new Location(segments.get(key % 3), (long) key * 100_000 + version % 100_000, 21);
    }

    private static int keyOf(Location location) {
        return (int) (location.offset() / 100_000);
    }
}
