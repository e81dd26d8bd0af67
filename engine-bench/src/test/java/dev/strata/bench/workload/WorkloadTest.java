package dev.strata.bench.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keys, the Zipf generator and key streams: shapes the benchmarks rely on. */
class WorkloadTest {

    @Test
    void keysAreSixteenDistinctBytesThatGiveTheirIndexBack() {
        Set<ByteKey> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            byte[] key = Keys.key(i);
            assertEquals(Keys.KEY_BYTES, key.length);
            assertEquals(i, Keys.indexOf(key));
            assertTrue(seen.add(new ByteKey(key)), "duplicate key " + i);
        }
        assertArrayEquals(Keys.value(7, 100), Keys.value(7, 100));
        assertEquals(16384, Keys.value(3, 16384).length);
    }

    @Test
    void zipfProbabilitiesSumToOneAndFallWithRank() {
        ZipfianIndices zipf = new ZipfianIndices(1000, ZipfianIndices.DEFAULT_EXPONENT, 1);
        double sum = 0;
        for (int rank = 0; rank < 1000; rank++) {
            sum += zipf.probabilityOfRank(rank);
            if (rank > 0) {
                assertTrue(zipf.probabilityOfRank(rank) < zipf.probabilityOfRank(rank - 1));
            }
        }
        assertEquals(1.0, sum, 1e-9);
    }

    @Test
    void zipfDrawsFollowTheLawAndScatterTheHotKeys() {
        int n = 1000;
        ZipfianIndices zipf = new ZipfianIndices(n, ZipfianIndices.DEFAULT_EXPONENT, 7);
        int[] counts = new int[n];
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            counts[zipf.next()]++;
        }
        int hottest = zipf.rankToIndex(0);
        double expected = zipf.probabilityOfRank(0) * draws;
        assertEquals(expected, counts[hottest], expected * 0.05, "rank 0 drawn about as often as its probability");
        Set<Integer> indices = new HashSet<>();
        for (int rank = 0; rank < n; rank++) {
            indices.add(zipf.rankToIndex(rank));
        }
        assertEquals(n, indices.size(), "ranks map to a permutation of the indices");
        assertTrue(zipf.rankToIndex(0) != 0 || zipf.rankToIndex(1) != 1, "hot keys are not simply the first indices");
    }

    @Test
    void streamsAreReproducibleAndInRange() {
        for (KeyDistribution distribution : KeyDistribution.values()) {
            KeyStream a = KeyStream.draw(distribution, 5000, 1 << 12, 42);
            KeyStream b = KeyStream.draw(distribution, 5000, 1 << 12, 42);
            for (int i = 0; i < a.length(); i++) {
                assertEquals(a.at(i), b.at(i));
                assertTrue(a.at(i) >= 0 && a.at(i) < 5000);
            }
            assertEquals(a.at(3), a.at(3 + a.length()), "positions wrap around");
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheValue() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> KeyStream.draw(KeyDistribution.UNIFORM, 10, 1000, 1));
        assertTrue(error.getMessage().contains("1000"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ZipfianIndices(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ZipfianIndices(10, 0, 1));
    }

    @Test
    void workingSetFitsTheTargetAndTheKeyBound() {
        assertEquals(WorkingSet.MAX_KEYS, WorkingSet.keyCount(100));
        assertEquals(65536, WorkingSet.keyCount(1024));
        assertEquals(4096, WorkingSet.keyCount(16384));
    }
}
