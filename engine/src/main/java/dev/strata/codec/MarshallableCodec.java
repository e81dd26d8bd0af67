package dev.strata.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;

/**
 * {@link Codecs#marshallable(Supplier)}: the bytes a chronicle-bytes {@link BytesMarshallable} writes for itself.
 *
 * <pre>
 * offset                                         offset + encodedSize
 *   | whatever value.writeMarshallable(bytes) wrote, nothing added |
 * </pre>
 *
 * <p>This is the only class of the engine that uses chronicle-bytes, an optional dependency: nothing else refers to
 * it, so the JVM loads chronicle only when {@link Codecs#marshallable(Supplier)} is called. chronicle-bytes itself
 * needs JVM flags (see {@link Codecs#marshallable(Supplier)}).
 *
 * <p>Cost: the value writes itself into a fresh on-heap chronicle {@link Bytes}, which is then copied into the target
 * in one bulk copy; {@link #encodedSize} has no cheaper way to learn the size than to do that write, so storing a
 * value marshals it twice. Decoding copies the encoding into an array, wraps it, and lets a fresh instance from the
 * factory read itself; it must consume exactly the encoded bytes.
 */
final class MarshallableCodec<T extends BytesMarshallable> implements Codec<T> {

    private static final int INITIAL_CAPACITY = 128;

    private final Supplier<T> factory;

    MarshallableCodec(Supplier<T> factory) {
        this.factory = factory;
    }

    @Override
    public int encodedSize(T value) {
        Bytes<byte[]> bytes = marshal(value);
        try {
            return Math.toIntExact(bytes.readRemaining());
        } finally {
            bytes.releaseLast();
        }
    }

    @Override
    public void encode(T value, MemorySegment target, long offset) {
        Objects.requireNonNull(target, "target");
        Bytes<byte[]> bytes = marshal(value);
        try {
            int size = Math.toIntExact(bytes.readRemaining());
            Bounds.checkEncode(target, offset, size);
            MemorySegment.copy(bytes.underlyingObject(), Math.toIntExact(bytes.readPosition()),
                    target, ValueLayout.JAVA_BYTE, offset, size);
        } finally {
            bytes.releaseLast();
        }
    }

    @Override
    public T decode(MemorySegment source, long offset, int length) {
        Bounds.checkDecode(source, offset, length);
        byte[] array = new byte[length];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, array, 0, length);
        T value = Objects.requireNonNull(factory.get(), "factory.get()");
        Bytes<byte[]> bytes = Bytes.wrapForRead(array);
        long unread;
        try {
            value.readMarshallable(bytes);
            unread = bytes.readRemaining();
        } catch (RuntimeException e) {
            throw Bounds.malformed(name(), offset, length, value.getClass().getName()
                    + ".readMarshallable failed: " + e, e);
        } finally {
            bytes.releaseLast();
        }
        if (unread != 0) {
            throw Bounds.malformed(name(), offset, length, unread + " bytes left unread by "
                    + value.getClass().getName() + ".readMarshallable", null);
        }
        return value;
    }

    @Override
    public String name() {
        return "marshallable";
    }

    @Override
    public String toString() {
        return "Codecs.marshallable(" + factory + ")";
    }

    private static Bytes<byte[]> marshal(BytesMarshallable value) {
        Objects.requireNonNull(value, "value");
        Bytes<byte[]> bytes = Bytes.allocateElasticOnHeap(INITIAL_CAPACITY);
        try {
            value.writeMarshallable(bytes);
        } catch (RuntimeException e) {
            bytes.releaseLast();
            throw new IllegalArgumentException("value: " + value.getClass().getName()
                    + ".writeMarshallable failed: " + e, e);
        }
        return bytes;
    }
}
