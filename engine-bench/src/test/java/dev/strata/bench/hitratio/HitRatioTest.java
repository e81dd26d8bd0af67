package dev.strata.bench.hitratio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The traces and the replay of the hit-ratio comparison: what its table rests on. */
class HitRatioTest {

    private static final byte[] VALUE = new byte[8];

    @Test
    void tracesAreReproducibleAndStayInTheirKeys() {
        for (Trace trace : Trace.values()) {
            int[] requests = trace.requests(1_000, 300_000, 7);
            assertArrayEquals(requests, trace.requests(1_000, 300_000, 7), trace + " is not reproducible");
            int limit = trace == Trace.ZIPF_WITH_SCANS ? Integer.MAX_VALUE : 1_000;
            assertTrue(Arrays.stream(requests).allMatch(key -> key >= 0 && key < limit), trace.name());
        }
    }

    @Test
    void scansAreOneOffKeysBetweenZipfRuns() {
        int[] requests = Trace.ZIPF_WITH_SCANS.requests(1_000, 2 * (Trace.SCAN_EVERY + Trace.SCAN_LENGTH), 7);
        int[] scan = Arrays.copyOfRange(requests, Trace.SCAN_EVERY, Trace.SCAN_EVERY + Trace.SCAN_LENGTH);
        assertEquals(Trace.SCAN_LENGTH, Arrays.stream(scan).filter(key -> key >= 1_000).distinct().count());
        assertTrue(Arrays.stream(requests, 0, Trace.SCAN_EVERY).allMatch(key -> key < 1_000));
    }

    @Test
    void theHotSetMovesBetweenPhases() {
        int length = Trace.PHASES * 50_000;
        int[] requests = Trace.SHIFTING_ZIPF.requests(10_000, length, 7);
        assertTrue(mostFrequent(requests, 0, 50_000) != mostFrequent(requests, length - 50_000, length));
    }

    @Test
    void aReplayCountsHitsAfterTheWarmUpQuarterOnly() {
        int[] requests = new int[400];                 // keys 0..99 four times over
        for (int i = 0; i < requests.length; i++) {
            requests[i] = i % 100;
        }
        HitRatio.Run everything = HitRatio.run(requests, () -> LinkedMapPolicy.lru(100, VALUE));
        assertEquals(1.0, everything.hitRatio(), "the first pass is the warm-up");
        assertEquals(100, everything.meanEntries());
        HitRatio.Run loop = HitRatio.run(requests, () -> LinkedMapPolicy.lru(99, VALUE));
        assertEquals(0.0, loop.hitRatio(), "LRU one entry short of a loop never hits");
        HitRatio.Run fifo = HitRatio.run(requests, () -> LinkedMapPolicy.fifo(99, VALUE));
        assertEquals(0.0, fifo.hitRatio());
    }

    @Test
    void lruAndFifoDifferOnlyInWhatAHitKeeps() {
        int[] requests = {1, 2, 1, 3, 1, 2, 1, 3};   // capacity 2: LRU keeps the re-read 1, FIFO drops it
        int[] warmedUp = new int[requests.length * 4];
        for (int i = 0; i < warmedUp.length; i++) {
            warmedUp[i] = requests[i % requests.length];
        }
        double lru = HitRatio.run(warmedUp, () -> LinkedMapPolicy.lru(2, VALUE)).hitRatio();
        double fifo = HitRatio.run(warmedUp, () -> LinkedMapPolicy.fifo(2, VALUE)).hitRatio();
        assertTrue(lru > fifo, "LRU " + lru + ", FIFO " + fifo);
    }

    private static int mostFrequent(int[] requests, int from, int to) {
        int[] counts = new int[10_000];
        int best = 0;
        for (int i = from; i < to; i++) {
            if (++counts[requests[i]] > counts[best]) {
                best = requests[i];
            }
        }
        return best;
    }
}
