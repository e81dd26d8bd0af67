package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The index key: byte equality across heap and native memory, and a hash that spreads look-alike keys. */
class IndexKeyTest {

    @Test
    void probeOverNativeMemoryEqualsStoredHeapCopy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = MemorySegment.ofArray("some key bytes".getBytes(StandardCharsets.UTF_8));
            MemorySegment offHeap = arena.allocate(text.byteSize());
            offHeap.copyFrom(text);
            IndexKey stored = IndexKey.copyOf(text);
            assertEquals(stored, IndexKey.probe(offHeap));
            assertEquals(stored.hashCode(), IndexKey.probe(offHeap).hashCode());
            assertNotEquals(stored, IndexKey.probe(offHeap.asSlice(1)));
        }
    }

    @Test
    void storedKeysOwnTheirBytes() {
        byte[] source = "stored key".getBytes(StandardCharsets.UTF_8);
        IndexKey stored = IndexKey.copyOf(MemorySegment.ofArray(source));
        source[0] = 'X';                                   // the caller's bytes change after the copy
        IndexKey again = IndexKey.copyOf(MemorySegment.ofArray("stored key".getBytes(StandardCharsets.UTF_8)));
        assertEquals(again, stored);
        assertEquals(stored, again);
        assertNotEquals(stored, IndexKey.copyOf(MemorySegment.ofArray("stored kez".getBytes(StandardCharsets.UTF_8))));
        byte[] copy = stored.toArray();
        copy[0] = 'Y';
        assertEquals(again, stored, "toArray hands out a copy");
        assertTrue(stored.bytes().isReadOnly());
        assertTrue(stored.matches(again.bytes()));
    }

    @Test
    void sequentialDigitKeysGetDistinctHashes() {
        int keys = 100_000;
        Set<Integer> hashes = new HashSet<>();
        Set<Integer> buckets = new HashSet<>();
        for (int i = 0; i < keys; i++) {
            byte[] key = String.format("key-%012d", i).getBytes(StandardCharsets.UTF_8);
            int hash = IndexKey.probe(MemorySegment.ofArray(key)).hashCode();
            hashes.add(hash);
            buckets.add(hash & ((1 << 17) - 1));
        }
        assertTrue(hashes.size() > keys * 0.999, "distinct hashes: " + hashes.size());
        assertTrue(buckets.size() > keys * 0.6, "distinct low-17-bit buckets: " + buckets.size());
    }
}
