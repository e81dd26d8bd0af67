package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class NodeIndexTest {

    /** A key whose hash code is chosen by the test, so probe chains, collisions and tombstones can be forced. */
    record Key(int id, int hash) {
        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key that && id == that.id;
        }
    }

    @Test
    void getOrCreateReturnsOneNodePerKeyAndGetFindsIt() {
        NodeIndex<String, byte[]> index = new NodeIndex<>();
        assertNull(index.get("a"));
        Node<String, byte[]> a = index.getOrCreate("a");
        assertSame(a, index.getOrCreate("a"));
        assertSame(a, index.get(new String("a")));     // equal, not identical, keys find it
        assertEquals(NodeIndex.hash("a"), a.hash);
        assertEquals(List.of(a), index.nodes());
    }

    @Test
    void removeTakesOnlyThatNodeAndAKeyCanComeBack() {
        NodeIndex<String, byte[]> index = new NodeIndex<>();
        Node<String, byte[]> first = index.getOrCreate("k");
        assertTrue(index.remove(first));
        assertFalse(index.remove(first));
        assertNull(index.get("k"));
        Node<String, byte[]> second = index.getOrCreate("k");
        assertNotSame(first, second);
        assertFalse(index.remove(first), "a stale node must not remove its key's new node");
        assertSame(second, index.get("k"));
    }

    @Test
    void collidingKeysProbePastEachOtherAndPastTombstones() {
        NodeIndex<Key, byte[]> index = new NodeIndex<>();
        List<Node<Key, byte[]>> nodes = new ArrayList<>();
        for (int id = 0; id < 6; id++) {
            nodes.add(index.getOrCreate(new Key(id, 7)));   // one probe chain: same spread hash for all
        }
        assertTrue(index.remove(nodes.get(1)));
        assertTrue(index.remove(nodes.get(3)));
        for (int id = 0; id < 6; id++) {
            Node<Key, byte[]> expected = id == 1 || id == 3 ? null : nodes.get(id);
            assertSame(expected, index.get(new Key(id, 7)), "key " + id);
        }
        Node<Key, byte[]> again = index.getOrCreate(new Key(3, 7));   // reuses a tombstone, still found
        assertSame(again, index.get(new Key(3, 7)));
        assertSame(nodes.get(5), index.get(new Key(5, 7)));
        assertEquals(5, index.nodes().size());
    }

    @Test
    void putIfAbsentKeepsTheIndexedNode() {
        NodeIndex<String, byte[]> index = new NodeIndex<>();
        Node<String, byte[]> loaded = new Node<>("x");
        assertSame(loaded, index.putIfAbsent(loaded));
        assertSame(loaded, index.putIfAbsent(new Node<>("x")));
        assertSame(loaded, index.get("x"));
    }

    /** Random operations against a HashMap, with few distinct hashes so chains, tombstones and rebuilds all happen. */
    @Test
    void behavesLikeAMapUnderRandomOperations() {
        for (int seed = 0; seed < 10; seed++) {
            Random random = new Random(seed);
            NodeIndex<Key, byte[]> index = new NodeIndex<>();
            Map<Key, Node<Key, byte[]>> model = new HashMap<>();
            int hashes = 1 + random.nextInt(200);
            for (int step = 0; step < 20_000; step++) {
                Key key = new Key(random.nextInt(3_000), random.nextInt(hashes));
                int op = random.nextInt(10);
                if (op < 4) {
                    Node<Key, byte[]> node = index.getOrCreate(key);
                    Node<Key, byte[]> expected = model.computeIfAbsent(key, k -> node);
                    assertSame(expected, node, "seed " + seed + " step " + step);
                } else if (op < 7) {
                    Node<Key, byte[]> node = model.remove(key);
                    if (node != null) {
                        assertTrue(index.remove(node), "seed " + seed + " step " + step);
                    }
                } else {
                    assertSame(model.get(key), index.get(key), "seed " + seed + " step " + step);
                }
            }
            assertEquals(new HashSet<>(model.values()), new HashSet<>(index.nodes()), "seed " + seed);
        }
    }

    /**
     * Readers look up keys that are always present while writers insert and remove other keys, growing, cleaning and
     * shrinking the tables under them: a present key must never be missed, and all threads share one node per key.
     */
    @Test
    void lockFreeReadersNeverMissAPresentKeyWhileTablesAreRebuilt() throws Exception {
        NodeIndex<Key, byte[]> index = new NodeIndex<>();
        int stable = 2_000;
        List<Node<Key, byte[]>> stableNodes = new ArrayList<>();
        for (int id = 0; id < stable; id++) {
            stableNodes.add(index.getOrCreate(new Key(id, id % 97)));
        }
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<String> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            boolean writer = t % 2 == 0;
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                Random random = new Random(seed);
                try {
                    start.await();
                    for (int round = 0; round < 40 && failure.get() == null; round++) {
                        if (writer) {
                            churn(index, random, 1_000_000 * (seed + 1));
                        } else {
                            for (int i = 0; i < 20_000; i++) {
                                int id = random.nextInt(stable);
                                if (index.get(new Key(id, id % 97)) != stableNodes.get(id)) {
                                    failure.set("reader missed stable key " + id);
                                    return;
                                }
                            }
                        }
                    }
                } catch (Exception | AssertionError e) {
                    failure.set(e.toString());
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertNull(failure.get());
        Set<Node<Key, byte[]>> left = new HashSet<>(index.nodes());
        assertEquals(new HashSet<>(stableNodes), left, "every churned key was removed again");
    }

    /** Inserts 3,000 keys of this writer's own range (sharing hashes with the stable keys), then removes them all. */
    private static void churn(NodeIndex<Key, byte[]> index, Random random, int base) {
        List<Node<Key, byte[]>> mine = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            mine.add(index.getOrCreate(new Key(base + i, random.nextInt(97))));
        }
        for (Node<Key, byte[]> node : mine) {
            if (!index.remove(node)) {
                throw new AssertionError("lost " + node.key);
            }
        }
    }

    @Test
    void concurrentGetOrCreateOfOneKeyYieldsOneNode() throws Exception {
        for (int trial = 0; trial < 50; trial++) {
            NodeIndex<Integer, byte[]> index = new NodeIndex<>();
            Integer key = trial;
            int threads = 4;
            CyclicBarrier start = new CyclicBarrier(threads);
            List<AtomicReference<Node<Integer, byte[]>>> seen = new ArrayList<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                AtomicReference<Node<Integer, byte[]>> mine = new AtomicReference<>();
                seen.add(mine);
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    mine.set(index.getOrCreate(key));
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
            for (AtomicReference<Node<Integer, byte[]>> node : seen) {
                assertSame(seen.getFirst().get(), node.get());
            }
        }
    }
}
