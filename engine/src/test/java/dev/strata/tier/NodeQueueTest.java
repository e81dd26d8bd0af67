package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heap tier's S3-FIFO queue, node by node: probation in small, extra rounds in main per hit, ghosts sending
 * returning keys to main, scans passing through small, and victims whose demotion fails not coming back at once.
 */
class NodeQueueTest {

    private static Node<Integer, String> node(int hash) {
        return new Node<>(hash, hash);
    }

    private static List<Node<Integer, String>> add(NodeQueue queue, int from, int count) {
        List<Node<Integer, String>> nodes = new ArrayList<>();
        for (int hash = from; hash < from + count; hash++) {
            Node<Integer, String> node = node(hash);
            queue.addNewest(node);
            nodes.add(node);
        }
        return nodes;
    }

    /** Takes the next victim and demotes it (unlinks it), as the heap tier does. */
    private static Node<?, ?> evict(NodeQueue queue) {
        Node<?, ?> victim = queue.nextVictim();
        queue.remove(victim);
        return victim;
    }

    @Test
    void aNewEntryReadOnProbationMovesToMainAndAnUnreadOneLeavesAsAGhost() {
        NodeQueue queue = new NodeQueue();
        List<Node<Integer, String>> nodes = add(queue, 1, 10);   // all in small, oldest first
        nodes.get(0).recordHit();

        assertSame(nodes.get(1), evict(queue), "the oldest unread entry leaves; the read one before it does not");
        assertTrue(nodes.get(0).inMain);
        assertEquals(0, nodes.get(0).frequency, "its hit bought main, not extra rounds there");
        assertEquals(8, queue.smallSize());

        Node<Integer, String> back = node(2);                    // the victim's key, put again soon after
        queue.addNewest(back);
        assertTrue(back.inMain, "a returning ghost goes straight to main");
        Node<Integer, String> stranger = node(99);
        queue.addNewest(stranger);
        assertFalse(stranger.inMain);
    }

    @Test
    void mainGivesOneMoreRoundPerHitUpToThree() {
        NodeQueue queue = new NodeQueue();
        List<Node<Integer, String>> nodes = add(queue, 1, 3);
        nodes.forEach(Node::recordHit);
        Node<?, ?> first = evict(queue);                         // all three pass to main, then the oldest leaves
        assertSame(nodes.get(0), first);

        Node<Integer, String> b = nodes.get(1);
        Node<Integer, String> c = nodes.get(2);
        for (int hit = 0; hit < 10; hit++) {
            b.recordHit();
        }
        assertEquals(Node.MAX_FREQUENCY, b.frequency, "counted up to three");
        assertSame(c, evict(queue), "b's hits keep it over c");
        assertSame(b, evict(queue), "alone, b spends its rounds and goes");
        assertNull(queue.nextVictim());
        assertEquals(0, queue.size());
    }

    /** An entry moved in from a tier below (promoted, or put over a value there) starts in main, not in small. */
    @Test
    void anEntryMovedInFromATierBelowStartsInMain() {
        NodeQueue queue = new NodeQueue();
        Node<Integer, String> movedIn = node(1);
        queue.addNewest(movedIn, true);
        assertTrue(movedIn.inMain);
        Node<Integer, String> fresh = node(2);
        queue.addNewest(fresh, false);
        assertFalse(fresh.inMain);
    }

    /**
     * A victim tells where it leaves from: the heap tier sends one leaving small (never read since it came) to a tier
     * below on trial. A small victim whose demotion fails stays in small, at its head.
     */
    @Test
    void aVictimLeavingSmallIsInProbationAndOneLeavingMainIsNot() {
        NodeQueue queue = new NodeQueue();
        List<Node<Integer, String>> nodes = add(queue, 1, 3);
        Node<?, ?> unread = queue.nextVictim();
        assertSame(nodes.get(0), unread);
        assertTrue(queue.inProbation(unread));
        assertSame(nodes.get(1), queue.nextVictim(), "the failed victim went to small's head");
        assertTrue(queue.inProbation(nodes.get(0)));

        NodeQueue read = new NodeQueue();
        List<Node<Integer, String>> hit = add(read, 1, 3);
        hit.forEach(Node::recordHit);
        Node<?, ?> fromMain = read.nextVictim();           // each moved to main, then the oldest leaves from there
        assertSame(hit.get(0), fromMain);
        assertFalse(read.inProbation(fromMain));
    }

    @Test
    void aVictimWhoseDemotionFailsStaysAndIsNotReturnedAgainAtOnce() {
        NodeQueue queue = new NodeQueue();
        List<Node<Integer, String>> nodes = add(queue, 1, 3);
        nodes.forEach(Node::recordHit);
        Node<?, ?> victim = queue.nextVictim();                  // not removed: its demotion lost a race
        assertSame(nodes.get(0), victim);
        assertTrue(victim.queued);
        assertSame(nodes.get(1), queue.nextVictim(), "the next call moves on");
        assertEquals(3, queue.size());
    }

    @Test
    void aScanPassesThroughSmallAndLeavesMainAlone() {
        NodeQueue queue = new NodeQueue();
        int capacity = 110;
        List<Node<Integer, String>> hot = add(queue, 1, 90);
        hot.forEach(Node::recordHit);
        List<Node<?, ?>> victims = new ArrayList<>();
        for (int hash = 1_000; hash < 3_000; hash++) {
            queue.addNewest(node(hash));
            while (queue.size() > capacity) {
                victims.add(evict(queue));
            }
        }
        assertEquals(2_000 - 20, victims.size());
        assertTrue(victims.stream().allMatch(victim -> victim.hash >= 1_000), "only scan entries left");
        assertTrue(hot.stream().allMatch(node -> node.queued && node.inMain));
    }

    @Test
    void ghostsSurviveTheTableGrowingAndHashZeroIsOneToo() {
        NodeQueue queue = new NodeQueue();
        add(queue, 1, 10);
        Node<?, ?> ghost = evict(queue);
        add(queue, 100, 5_000);                                  // the ghost table grows past 1,024 buckets, twice over
        Node<Integer, String> back = node(ghost.hash);
        queue.addNewest(back);
        assertTrue(back.inMain, "the ghost was carried into the larger table");

        NodeQueue fresh = new NodeQueue();
        Node<Integer, String> zero = node(0);
        fresh.addNewest(zero);
        assertSame(zero, evict(fresh));
        Node<Integer, String> zeroAgain = node(0);
        fresh.addNewest(zeroAgain);
        assertTrue(zeroAgain.inMain, "a key whose hash is 0 is remembered like any other");
    }

    @Test
    void removeUnlinksFromEitherQueueAndIsIdempotent() {
        NodeQueue queue = new NodeQueue();
        List<Node<Integer, String>> nodes = add(queue, 1, 4);
        nodes.get(0).recordHit();
        evict(queue);                                            // nodes 0 in main, 2 and 3 in small
        queue.remove(nodes.get(0));
        queue.remove(nodes.get(0));
        queue.remove(nodes.get(3));
        assertFalse(nodes.get(0).queued);
        assertEquals(1, queue.size());
        assertSame(nodes.get(2), evict(queue));
        assertNull(queue.nextVictim());
        queue.addNewest(nodes.get(2));
        queue.addNewest(nodes.get(2));
        assertEquals(1, queue.size(), "adding a linked node again is a no-op");
    }
}
