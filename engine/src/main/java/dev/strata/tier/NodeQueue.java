package dev.strata.tier;

import dev.strata.tier.disk.GhostHashes;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The heap tier's eviction order: S3-FIFO (Yang et al., SOSP'23) over two intrusive doubly linked queues of nodes,
 * guarded by one short lock (a leaf lock: no other lock is taken while holding it).
 *
 * <pre>
 *   new entry ──► small (about 10% of the entries) ──tail: hit since it came?──yes──► main's head, count cleared
 *                                                                   └─no──► victim; its hash goes to the ghosts
 *   new entry whose hash is a ghost ──► main ──tail: count &gt; 0?──yes──► main's head, count - 1
 *   entry moved in from a tier below ──►┘             └─no──► victim
 * </pre>
 *
 * <p><b>Hits</b> only raise the node's 2-bit count ({@link Node#recordHit}): no lock, no list move, and no write once
 * it reaches {@value Node#MAX_FREQUENCY}. <b>Small</b> is a probation queue: an entry read nowhere in its stay there
 * leaves first (a scan passes through it without touching main), one read there goes to main. <b>Main</b> is a FIFO
 * that gives an entry one more round per hit counted (up to three), so entries that stop being read leave after at most
 * three rounds. An entry <b>moved in</b> from a tier below (promoted on a hit there, or put over a value there) starts
 * in main too: it proved itself below, as the off-heap tier treats the heap's evictions (in a heap over disk cache,
 * starting such entries in small cost 0.3 to 1.5 points of hit ratio). <b>Ghosts</b> are the hashes of recent
 * small-queue victims ({@link GhostHashes}, the off-heap tier's kind, grown to the queue's size): an entry that comes
 * back soon after leaving was evicted too early, and goes straight to main.
 *
 * <p><b>Why not SIEVE</b> (which this queue used before): one queue whose hand skips visited nodes matched S3-FIFO on
 * steady Zipf traces and scans, but when the hot set moved at once it fell below LRU and even FIFO (4-7 points of hit
 * ratio in {@code HitRatio}): every old favourite keeps its visited bit through one more pass of the hand, and
 * newcomers not yet read again are evicted ahead of them meanwhile. Here the old favourites sit in main while
 * newcomers prove themselves in small, so the two do not compete.
 *
 * <p><b>Victims</b> are returned still linked, moved to the head of the queue they came from: the caller demotes the
 * victim (which unlinks it), asking first whether it leaves from small ({@link #inProbation}); one whose demotion
 * loses a race to a writer stays, and is not returned again before its queue turns over.
 *
 * <p>Thread-safe.
 */
final class NodeQueue {

    /** The small queue's share of the entries, in percent. */
    static final int SMALL_PERCENT = 10;

    private final ReentrantLock lock = new SpinningLock();
    private final Fifo small = new Fifo();
    private final Fifo main = new Fifo();
    /** Hashes of small-queue victims; grown to one to two buckets per queued entry. Guarded by the lock here. */
    private final GhostHashes ghosts = new GhostHashes();

    /** One FIFO of nodes: head newest, tail oldest. Guarded by the queue's lock. */
    private static final class Fifo {
        Node<?, ?> head;
        Node<?, ?> tail;
        long size;

        @SuppressWarnings({"unchecked", "rawtypes"})
        void addHead(Node<?, ?> node) {
            Node n = node;
            n.prev = null;
            n.next = head;
            if (head != null) {
                ((Node) head).prev = n;
            } else {
                tail = n;
            }
            head = n;
            size++;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        void unlink(Node<?, ?> node) {
            Node n = node;
            if (n.prev != null) {
                n.prev.next = n.next;
            } else {
                head = n.next;
            }
            if (n.next != null) {
                n.next.prev = n.prev;
            } else {
                tail = n.prev;
            }
            n.prev = null;
            n.next = null;
            size--;
        }
    }

    /**
     * Links {@code node} at the head of the small queue, or of main if its hash is a ghost (a recent small-queue
     * victim); no-op if already linked.
     */
    void addNewest(Node<?, ?> node) {
        addNewest(node, false);
    }

    /**
     * Links {@code node}, new to the heap: in main if {@code movedIn} (its key had a place in a tier below, so it was
     * put or read before: promoted on a hit, or put over a value the tier below held) or if its hash is a ghost,
     * else in small. No-op if already linked.
     */
    void addNewest(Node<?, ?> node, boolean movedIn) {
        lock.lock();
        try {
            if (node.queued) {
                return;
            }
            node.queued = true;
            boolean ghost = ghosts.remove(node.hash);
            node.inMain = movedIn || ghost;
            (node.inMain ? main : small).addHead(node);
            ghosts.fit(small.size + main.size);
        } finally {
            lock.unlock();
        }
    }

    /** Unlinks {@code node}; no-op if not linked. */
    void remove(Node<?, ?> node) {
        lock.lock();
        try {
            if (node.queued) {
                (node.inMain ? main : small).unlink(node);
                node.queued = false;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Picks the next victim: from the small queue's tail while small holds at least {@value #SMALL_PERCENT}% of the
     * entries (or main is empty), else from main's, passing over entries with hits as the class comment says.
     * {@return the victim, still linked (at the head of the queue it came from), or null if the queue is empty}
     */
    Node<?, ?> nextVictim() {
        lock.lock();
        try {
            long total = small.size + main.size;
            for (long turns = 0; turns <= 4 * total; turns++) {
                boolean fromSmall = small.size > 0 && (small.size * 100 >= total * SMALL_PERCENT || main.size == 0);
                Node<?, ?> tail = fromSmall ? small.tail : main.tail;
                if (tail == null) {
                    return null;
                }
                if (tail.frequency == 0 || turns == 4 * total) {
                    return evict(tail, fromSmall);
                }
                if (fromSmall) {
                    tail.frequency = 0;                // a hit on probation earns main, not extra rounds there
                } else {
                    tail.frequency--;
                }
                toMainHead(tail, fromSmall);
            }
            return null;                               // not reached: the last turn evicts
        } finally {
            lock.unlock();
        }
    }

    private Node<?, ?> evict(Node<?, ?> victim, boolean fromSmall) {
        Fifo queue = fromSmall ? small : main;
        if (fromSmall) {
            ghosts.add(victim.hash);
        }
        queue.unlink(victim);
        queue.addHead(victim);                         // in its queue still: inProbation tells where it leaves from
        return victim;
    }

    /**
     * {@return whether {@code node}, a victim just returned, leaves from the small queue: never read since it came}
     * The heap tier sends such an entry down on trial, to a tier below's own probation.
     */
    boolean inProbation(Node<?, ?> node) {
        lock.lock();
        try {
            return node.queued && !node.inMain;
        } finally {
            lock.unlock();
        }
    }

    private void toMainHead(Node<?, ?> node, boolean fromSmall) {
        (fromSmall ? small : main).unlink(node);
        node.inMain = true;
        main.addHead(node);
    }

    /** {@return the entries in the small queue} */
    long smallSize() {
        lock.lock();
        try {
            return small.size;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the entries in both queues} */
    long size() {
        lock.lock();
        try {
            return small.size + main.size;
        } finally {
            lock.unlock();
        }
    }
}
