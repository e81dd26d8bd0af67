package dev.strata.bench.workload;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One benchmark thread's position in the shared key stream (JMH thread state): threads start evenly spread over the
 * stream so that two threads do not walk the same keys in step. Not thread-safe: JMH gives each thread its own.
 */
@State(Scope.Thread)
public class ThreadCursor {

    private KeyStream.Cursor cursor;

    /**
     * Places this thread's start.
     *
     * @param thread JMH's thread parameters
     */
    @Setup(Level.Trial)
    public void start(ThreadParams thread) {
        cursor = new KeyStream.Cursor(thread.getThreadIndex() * (KeyStream.DEFAULT_LENGTH / thread.getThreadCount()));
    }

    /** {@return the next position in the key stream} */
    public int next() {
        return cursor.next();
    }
}
