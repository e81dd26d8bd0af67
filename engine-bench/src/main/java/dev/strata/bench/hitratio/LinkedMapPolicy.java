package dev.strata.bench.hitratio;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The textbook policies over a fixed number of entries, on a {@link LinkedHashMap} that drops its eldest entry past the
 * capacity: exact LRU (access order), the yardstick the issue names ("at least LRU-quality"), and FIFO (insertion
 * order), what a policy that ignores hits would reach.
 */
final class LinkedMapPolicy implements Policy {

    private final Map<Integer, byte[]> entries;
    private final byte[] value;

    private LinkedMapPolicy(int capacity, boolean accessOrder, byte[] value) {
        this.value = value;
        this.entries = new LinkedHashMap<>(16, 0.75f, accessOrder) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * {@return exact LRU}
     *
     * @param capacity the most entries held
     * @param value the value every miss puts
     */
    static LinkedMapPolicy lru(int capacity, byte[] value) {
        return new LinkedMapPolicy(capacity, true, value);
    }

    /**
     * {@return FIFO}
     *
     * @param capacity the most entries held
     * @param value the value every miss puts
     */
    static LinkedMapPolicy fifo(int capacity, byte[] value) {
        return new LinkedMapPolicy(capacity, false, value);
    }

    @Override
    public boolean holds(int key) {
        return entries.get(key) != null;
    }

    @Override
    public void put(int key) {
        entries.put(key, value);
    }

    @Override
    public long entries() {
        return entries.size();
    }

    @Override
    public void close() {
        entries.clear();
    }
}
