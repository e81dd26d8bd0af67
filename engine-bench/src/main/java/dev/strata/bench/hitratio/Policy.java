package dev.strata.bench.hitratio;

/**
 * A cache under the hit-ratio comparison, used cache-aside: a request that misses puts the key's value. Not
 * thread-safe; the comparison runs on one thread.
 */
interface Policy extends AutoCloseable {

    /**
     * Requests {@code key}: a get, and on a miss a put of its value.
     *
     * @param key the key
     * @return whether the get hit
     */
    boolean request(int key);

    /** {@return the entries the cache holds now} */
    long entries();

    @Override
    void close();
}
