package dev.strata.it.scenario;

import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts the engine's log records whose message contains a word, by attaching a {@code java.util.logging} handler to
 * the root logger ({@link System.Logger} goes to {@code java.util.logging} by default). The log is the operator's view
 * of faults such as corrupt records skipped at recovery, so scenarios count it alongside the public statistics.
 * Thread-safe.
 */
final class LogCounter extends Handler {

    private final String word;
    private final LongAdder count = new LongAdder();

    private LogCounter(String word) {
        this.word = word;
    }

    /** {@return a counter of log messages containing {@code word}, attached to the root logger} */
    static LogCounter attach(String word) {
        LogCounter counter = new LogCounter(word);
        Logger.getLogger("").addHandler(counter);
        return counter;
    }

    long count() {
        return count.sum();
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getMessage() != null && record.getMessage().contains(word)) {
            count.increment();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
