package dev.strata.bench.hitratio;

/**
 * A cache under the hit-ratio comparison, used cache-aside: a request that misses puts the key's value. As
 * thread-safe as the cache it wraps; the comparison runs on one thread, {@link ChurnBenchmark} on several.
 */
interface Policy extends AutoCloseable {

    /**
     * Requests {@code key}: a get, and on a miss a put of its value.
     *
     * @param key the key
     * @return whether the get hit
     */
    default boolean request(int key) {
        if (holds(key)) {
            return true;
        }
        put(key);
        return false;
    }

    /**
     * {@return whether a get of {@code key} hits} Counts as a use of the entry, as any get does.
     *
     * @param key the key
     */
    boolean holds(int key);

    /**
     * Puts the value of {@code key}.
     *
     * @param key the key
     */
    void put(int key);

    /** {@return the entries the cache holds now} */
    long entries();

    @Override
    void close();
}
