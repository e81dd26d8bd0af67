package dev.strata.tier;

import dev.strata.codec.Codec;
import java.lang.foreign.MemorySegment;

/**
 * A thread's scratch for finding a key among off-heap records: the key's encoding (records are compared by their key
 * bytes) and what a probe found ({@link OffHeapReads#find}). One per thread, reused, so a lookup allocates nothing.
 *
 * <p>Use it at once: encode, probe, read the result, with no call in between that could encode another key on this
 * thread (placing a value may evict other keys, which probe too). Keys longer than {@value #RETAINED_BYTES} bytes get
 * a buffer of their own each time, so a thread never keeps a huge one. Not thread-safe: confined to its thread.
 */
final class ReadContext {

    static final int RETAINED_BYTES = 1 << 16;
    private static final ThreadLocal<ReadContext> CONTEXT = ThreadLocal.withInitial(ReadContext::new);

    private MemorySegment buffer = MemorySegment.ofArray(new byte[64]);
    private MemorySegment key = buffer;
    private int keyLength;
    /** The slot word a hit found. */
    long slot;
    /** The index of that slot in the table probed. */
    int index;

    private ReadContext() {
    }

    /** {@return this thread's context, holding {@code key}'s encoding} */
    static <K> ReadContext encoding(Codec<K> codec, K key) {
        ReadContext context = CONTEXT.get();
        context.encode(codec, key, codec.encodedSize(key));
        return context;
    }

    /** {@return this thread's context, holding {@code key}'s encoding of the given length} */
    static <K> ReadContext encoding(Codec<K> codec, K key, int keyLength) {
        ReadContext context = CONTEXT.get();
        context.encode(codec, key, keyLength);
        return context;
    }

    private <K> void encode(Codec<K> codec, K value, int length) {
        if (length > buffer.byteSize()) {
            MemorySegment grown = MemorySegment.ofArray(new byte[length]);
            if (length <= RETAINED_BYTES) {
                buffer = grown;
            }
            key = grown;
        } else {
            key = buffer;
        }
        codec.encode(value, key, 0);
        keyLength = length;
    }

    /** {@return the segment whose first {@link #keyLength()} bytes are the key's encoding} */
    MemorySegment key() {
        return key;
    }

    int keyLength() {
        return keyLength;
    }
}
