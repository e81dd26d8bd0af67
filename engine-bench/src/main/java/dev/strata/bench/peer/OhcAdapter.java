package dev.strata.bench.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.caffinitas.ohc.CacheSerializer;
import org.caffinitas.ohc.OHCache;
import org.caffinitas.ohc.OHCacheBuilder;

/**
 * OHC 0.7.4, linked implementation (one malloc per entry, per-segment LRU). Memory comes from {@code malloc} through
 * JNA or Unsafe, outside the JVM's direct-memory limit. JVM flag: {@code --enable-native-access=ALL-UNNAMED}.
 * Thread-safe.
 */
public final class OhcAdapter implements CacheAdapter {
    private static final CacheSerializer<byte[]> BYTES = new BytesSerializer();

    private final OHCache<byte[], byte[]> cache;

    /**
     * Creates the cache.
     *
     * @param capacityBytes the capacity (OHC counts entry headers, keys and values against it)
     * @param expectedEntries used to size the hash tables so they do not rehash while populating
     */
    public OhcAdapter(long capacityBytes, int expectedEntries) {
        int segments = Integer.highestOneBit(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()));
        int perSegment = Integer.highestOneBit(Math.max(1024, expectedEntries / segments) * 2);
        this.cache = OHCacheBuilder.<byte[], byte[]>newBuilder()
                .keySerializer(BYTES)
                .valueSerializer(BYTES)
                .capacity(capacityBytes)
                .segmentCount(segments)
                .hashTableSize(perSegment)
                .build();
    }

    @Override
    public byte[] get(byte[] key) {
        return cache.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        cache.put(key, value);
    }

    /** {@return the native bytes OHC says it holds} */
    public long memUsed() {
        return cache.memUsed();
    }

    @Override
    public void close() {
        try {
            cache.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies arrays in and out as they are. Stateless and thread-safe. */
    private static final class BytesSerializer implements CacheSerializer<byte[]> {
        @Override
        public void serialize(byte[] value, ByteBuffer target) {
            target.put(value);
        }

        @Override
        public byte[] deserialize(ByteBuffer source) {
            byte[] value = new byte[source.remaining()];
            source.get(value);
            return value;
        }

        @Override
        public int serializedSize(byte[] value) {
            return value.length;
        }
    }
}
