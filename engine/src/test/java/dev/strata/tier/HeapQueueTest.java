package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The heap's segmented queue: segment counts, victims from the segments in turn, and removal from the right one. */
class HeapQueueTest {

    @Test
    void segmentsAreTwiceTheProcessorsAsAPowerOfTwoUpToSixteen() {
        assertEquals(2, HeapQueue.segmentsFor(1));
        assertEquals(4, HeapQueue.segmentsFor(2));
        assertEquals(8, HeapQueue.segmentsFor(3));
        assertEquals(16, HeapQueue.segmentsFor(64));
        assertEquals(2, HeapQueue.segmentsFor(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HeapQueue(3));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void victimsComeFromEverySegmentInTurnAndEachNodeOnce() {
        HeapQueue queue = new HeapQueue(4);
        Set<Integer> segmentsHit = new HashSet<>();
        for (int hash = 1; hash <= 400; hash++) {
            queue.addNewest(new Node<>(hash, hash), false);
        }
        Set<Object> victims = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            Node<?, ?> victim = queue.nextVictim();
            assertNotNull(victim, "victim " + i);
            assertTrue(victims.add(victim.key), "a node was returned twice: " + victim);
            if (i < 4) {
                segmentsHit.add((victim.hash >>> 16 ^ victim.hash) & 3);
            }
            queue.remove(victim);
        }
        assertEquals(4, segmentsHit.size(), "the first four victims came from four segments");
        assertNull(queue.nextVictim());
    }

    @Test
    void oneNonEmptySegmentStillGivesVictimsAndRemoveFindsTheNodesSegment() {
        HeapQueue queue = new HeapQueue(4);
        Node<Integer, String> only = new Node<>(7, 7);
        queue.addNewest(only, false);
        for (int i = 0; i < 4; i++) {
            assertEquals(only, queue.nextVictim(), "asked first of segment " + i);
        }
        queue.remove(only);
        assertFalse(only.queued);
        assertNull(queue.nextVictim());
    }
}
