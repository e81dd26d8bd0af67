package dev.strata.tier;

/**
 * The heap tier's eviction order in segments: a few {@link NodeQueue}s, each with its own lock, a node in the one its
 * hash picks, victims taken from the segments in turn. Each segment runs S3-FIFO over a random share of the keys, so
 * together they pick about the victims one queue would (see {@code HitRatio}).
 *
 * <p><b>Why segments.</b> With one queue, every miss of every thread took its lock three times (insert, pick a victim,
 * unlink it) and wrote its ends: two threads churning a full heap spent 44% of their CPU on that lock's cache line and
 * ran at half the rate of one. Segments spread those writes over {@link #segmentsFor} lines.
 *
 * <p>Thread-safe.
 */
final class HeapQueue {

    private static final int MAX_SEGMENTS = 16;

    private final NodeQueue[] segments;
    private final int mask;
    /** The segment the next victim is asked of first. Racy: a lost update only asks one segment twice. */
    private int cursor;

    /** @param segments the number of segments, a power of two */
    HeapQueue(int segments) {
        if (Integer.bitCount(segments) != 1) {
            throw new IllegalArgumentException("segments: " + segments + " (expected: a power of two)");
        }
        this.segments = new NodeQueue[segments];
        for (int i = 0; i < segments; i++) {
            this.segments[i] = new NodeQueue();
        }
        this.mask = segments - 1;
    }

    /** {@return twice the processors, rounded up to a power of two, at most {@value #MAX_SEGMENTS}} */
    static int segmentsFor(int processors) {
        return Math.min(MAX_SEGMENTS, Integer.highestOneBit(Math.max(1, 2 * processors - 1)) << 1);
    }

    private NodeQueue segment(Node<?, ?> node) {
        return segments[(node.hash >>> 16 ^ node.hash) & mask];
    }

    /** Links {@code node} in its segment, in main if {@code movedIn} ({@link NodeQueue#addNewest(Node, boolean)}). */
    void addNewest(Node<?, ?> node, boolean movedIn) {
        segment(node).addNewest(node, movedIn);
    }

    /** Unlinks {@code node} from its segment; no-op if not linked. */
    void remove(Node<?, ?> node) {
        segment(node).remove(node);
    }

    /** {@return whether {@code node}, a victim just returned, leaves from its segment's small queue} */
    boolean inProbation(Node<?, ?> node) {
        return segment(node).inProbation(node);
    }

    /**
     * {@return the next victim ({@link NodeQueue#nextVictim}) of the next segment in turn that has one, or null if all
     * are empty}
     */
    Node<?, ?> nextVictim() {
        int first = cursor++;
        for (int i = 0; i < segments.length; i++) {
            Node<?, ?> victim = segments[(first + i) & mask].nextVictim();
            if (victim != null) {
                return victim;
            }
        }
        return null;
    }
}
