package dev.strata.bench.peer;

/**
 * The one shape every cache under test is driven through: {@code byte[]} keys (16 bytes in every benchmark) and
 * {@code byte[]} values. A {@code get} returns the value as the implementation naturally returns it: the stored array
 * for on-heap caches that store by reference, a fresh copy for off-heap and disk stores.
 *
 * <p>Thread-safety: implementations are as thread-safe as the cache they wrap (all peers here are); {@link #close()}
 * must not race with other calls.
 */
public interface CacheAdapter extends AutoCloseable {

    /**
     * Looks a key up.
     *
     * @param key the key, not modified
     * @return the value, or {@code null} if absent
     */
    byte[] get(byte[] key);

    /**
     * Stores a value (may evict others if the cache is full).
     *
     * @param key the key; the adapter may keep a reference to it
     * @param value the value; the adapter may keep a reference to it
     */
    void put(byte[] key, byte[] value);

    /** Releases the cache's memory and files. */
    @Override
    void close();
}
