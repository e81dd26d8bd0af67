package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * A stripe's node table: one node per key, equal keys find it, removal leaves tombstones that probes pass, and
 * lock-free readers never miss a present key while writers (holding the table's lock, as a stripe's monitor) grow and
 * clean the table under them.
 */
class NodeTableTest {

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

    private static <K> Node<K, byte[]> insert(NodeTable table, K key) {
        Node<K, byte[]> node = new Node<>(key, KeyIndex.hash(key));
        synchronized (table) {
            table.insert(node);
        }
        return node;
    }

    private static boolean remove(NodeTable table, Node<?, ?> node) {
        synchronized (table) {
            return table.remove(node);
        }
    }

    private static <K> List<Node<K, byte[]>> nodes(NodeTable table) {
        List<Node<K, byte[]>> nodes = new ArrayList<>();
        synchronized (table) {
            table.copyTo(nodes);
        }
        return nodes;
    }

    @Test
    void reservingRoomKeepsTheNodesAndTheirTombstonesWorkAsBefore() {
        NodeTable table = new NodeTable();
        List<Node<Key, byte[]>> early = new ArrayList<>();
        for (int id = 0; id < 5; id++) {
            early.add(insert(table, new Key(id, 7)));          // one probe chain
        }
        assertTrue(remove(table, early.get(1)));
        synchronized (table) {
            table.reserve(1000);
            table.reserve(10);                                 // smaller than what is there: nothing changes
        }
        for (int id = 5; id < 1000; id++) {
            insert(table, new Key(id, id * 31));
        }
        assertNull(table.find(new Key(1, 7), KeyIndex.hash(new Key(1, 7))));
        for (int id = 0; id < 5; id++) {
            if (id != 1) {
                assertSame(early.get(id), table.find(new Key(id, 7), KeyIndex.hash(new Key(id, 7))));
            }
        }
        assertEquals(999, nodes(table).size());
    }

    @Test
    void equalKeysFindTheNodeAndRemoveTakesOnlyThatNode() {
        NodeTable table = new NodeTable();
        assertNull(table.find("a", KeyIndex.hash("a")));
        Node<String, byte[]> a = insert(table, "a");
        assertSame(a, table.find(new String("a"), KeyIndex.hash("a")));   // equal, not identical, keys find it
        assertTrue(remove(table, a));
        assertFalse(remove(table, a));
        assertNull(table.find("a", KeyIndex.hash("a")));
        assertTrue(table.isEmpty());
        Node<String, byte[]> again = insert(table, "a");
        assertFalse(remove(table, a), "a stale node must not remove its key's new node");
        assertSame(again, table.find("a", KeyIndex.hash("a")));
    }

    @Test
    void collidingKeysProbePastEachOtherAndPastTombstones() {
        NodeTable table = new NodeTable();
        List<Node<Key, byte[]>> nodes = new ArrayList<>();
        for (int id = 0; id < 6; id++) {
            nodes.add(insert(table, new Key(id, 7)));          // one probe chain: same spread hash for all
        }
        assertTrue(remove(table, nodes.get(1)));
        assertTrue(remove(table, nodes.get(3)));
        for (int id = 0; id < 6; id++) {
            Node<Key, byte[]> expected = id == 1 || id == 3 ? null : nodes.get(id);
            assertSame(expected, table.find(new Key(id, 7), KeyIndex.hash(new Key(id, 7))), "key " + id);
        }
        Node<Key, byte[]> again = insert(table, new Key(3, 7));   // reuses a tombstone, still found
        assertSame(again, table.find(new Key(3, 7), KeyIndex.hash(new Key(3, 7))));
        assertSame(nodes.get(5), table.find(new Key(5, 7), KeyIndex.hash(new Key(5, 7))));
        assertEquals(5, nodes(table).size());
    }

    /** Random operations against a HashMap, with few distinct hashes so chains, tombstones and rebuilds all happen. */
    @Test
    void behavesLikeAMapUnderRandomOperations() {
        for (int seed = 0; seed < 10; seed++) {
            Random random = new Random(seed);
            NodeTable table = new NodeTable();
            Map<Key, Node<Key, byte[]>> model = new HashMap<>();
            int hashes = 1 + random.nextInt(200);
            for (int step = 0; step < 20_000; step++) {
                Key key = new Key(random.nextInt(3_000), random.nextInt(hashes));
                int op = random.nextInt(10);
                if (op < 4) {
                    if (!model.containsKey(key)) {
                        model.put(key, insert(table, key));
                    }
                } else if (op < 7) {
                    Node<Key, byte[]> node = model.remove(key);
                    if (node != null) {
                        assertTrue(remove(table, node), "seed " + seed + " step " + step);
                    }
                } else {
                    assertSame(model.get(key), table.find(key, KeyIndex.hash(key)), "seed " + seed + " step " + step);
                }
            }
            assertEquals(new HashSet<>(model.values()), new HashSet<>(nodes(table)), "seed " + seed);
        }
    }

    /**
     * Readers look up keys that are always present while writers insert and remove other keys, growing, cleaning and
     * shrinking the table under them: a present key must never be missed.
     */
    @Test
    void lockFreeReadersNeverMissAPresentKeyWhileTheTableIsRebuilt() throws Exception {
        NodeTable table = new NodeTable();
        int stable = 2_000;
        List<Node<Key, byte[]>> stableNodes = new ArrayList<>();
        for (int id = 0; id < stable; id++) {
            stableNodes.add(insert(table, new Key(id, id % 97)));
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
                            churn(table, random, 1_000_000 * (seed + 1));
                        } else {
                            for (int i = 0; i < 20_000; i++) {
                                int id = random.nextInt(stable);
                                Key key = new Key(id, id % 97);
                                if (table.<Key, byte[]>find(key, KeyIndex.hash(key)) != stableNodes.get(id)) {
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
        Set<Node<Key, byte[]>> left = new HashSet<>(nodes(table));
        assertEquals(new HashSet<>(stableNodes), left, "every churned key was removed again");
    }

    /** Inserts 3,000 keys of this writer's own range (sharing hashes with the stable keys), then removes them all. */
    private static void churn(NodeTable table, Random random, int base) {
        List<Node<Key, byte[]>> mine = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            mine.add(insert(table, new Key(base + i, random.nextInt(97))));
        }
        for (Node<Key, byte[]> node : mine) {
            if (!remove(table, node)) {
                throw new AssertionError("lost " + node.key);
            }
        }
    }
}
