package dev.strata.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.Set;

/**
 * {@link Codecs#javaSerialization(Class)}: the Java Object Serialization stream of the value, the slow fallback for
 * types without a better codec.
 *
 * <pre>
 * | 0xACED | 0x0005 | TC_OBJECT ... (one object graph, as ObjectOutputStream writes it) |
 * </pre>
 *
 * <p>Cost: serialization has no cheap size, so {@link #encodedSize} serializes the value into a fresh array and
 * {@link #encode} serializes it again (two serializations per stored value), then copies the bytes into the target.
 *
 * <p>As a key codec it is only as deterministic as the key type's serialized form (see {@link Codec}): equal records,
 * strings, numbers and lists of them serialize alike, but equal hash-based collections may not (their iteration order
 * can differ), and such keys would be missed in the off-heap and disk tiers.
 *
 * <p>Decoding runs under an {@link ObjectInputFilter} (see {@link #classPolicy}), merged with the JVM-wide filter
 * when one is configured: an allow list of classes, a graph depth limit, and array lengths bounded by the number of
 * bytes decoded, so a crafted stream can neither name a gadget class nor make the decoder allocate far more than it
 * reads.
 */
final class JavaSerializationCodec<T extends Serializable> implements Codec<T> {

    /** Packages whose serializable classes any value may contain: values, collections, times, numbers. */
    private static final Set<String> ALLOWED_JDK_PACKAGES = Set.of("java.lang", "java.util", "java.time", "java.math");
    private static final long MAX_DEPTH = 64;

    private final Class<T> type;
    private final ObjectInputFilter extraPolicy;

    JavaSerializationCodec(Class<T> type, ObjectInputFilter extraPolicy) {
        this.type = type;
        this.extraPolicy = extraPolicy;
    }

    @Override
    public int encodedSize(T value) {
        return serialize(value).size();
    }

    @Override
    public void encode(T value, MemorySegment target, long offset) {
        Objects.requireNonNull(target, "target");
        ExposedByteArrayOutputStream bytes = serialize(value);
        Bounds.checkEncode(target, offset, bytes.size());
        MemorySegment.copy(bytes.array(), 0, target, ValueLayout.JAVA_BYTE, offset, bytes.size());
    }

    @Override
    public T decode(MemorySegment source, long offset, int length) {
        Bounds.checkDecode(source, offset, length);
        byte[] bytes = new byte[length];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
        ByteArrayInputStream input = new ByteArrayInputStream(bytes);
        Object decoded;
        try (ObjectInputStream objects = new ObjectInputStream(input)) {
            objects.setObjectInputFilter(filter(length));
            decoded = objects.readObject();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw Bounds.malformed(name(), offset, length, "not a readable serialization stream of "
                    + type.getName() + ": " + e, e);
        }
        if (input.available() != 0) {
            throw Bounds.malformed(name(), offset, length, input.available() + " bytes after the object", null);
        }
        if (!type.isInstance(decoded)) {
            throw Bounds.malformed(name(), offset, length, "decoded a "
                    + (decoded == null ? "null" : decoded.getClass().getName()) + ", expected: " + type.getName(),
                    null);
        }
        return type.cast(decoded);
    }

    @Override
    public String name() {
        return "java-serialization(" + type.getName() + ")";
    }

    @Override
    public String toString() {
        return "Codecs.javaSerialization(" + type.getName() + ")";
    }

    private ExposedByteArrayOutputStream serialize(T value) {
        type.cast(Objects.requireNonNull(value, "value"));
        ExposedByteArrayOutputStream bytes = new ExposedByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
            objects.writeObject(value);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("value: a " + value.getClass().getName()
                    + " holds an object that is not serializable: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("value: cannot serialize a " + value.getClass().getName() + ": " + e, e);
        }
        return bytes;
    }

    /**
     * The filter for one decode of {@code length} bytes: the caller's extra policy, if any, and the class policy;
     * a class neither allows is rejected; then the JVM-wide filter, if one is set, may reject further.
     */
    private ObjectInputFilter filter(int length) {
        ObjectInputFilter local = info -> classPolicy(info, length);
        if (extraPolicy != null) {
            local = ObjectInputFilter.merge(extraPolicy, local);
        }
        local = ObjectInputFilter.rejectUndecidedClass(local);
        ObjectInputFilter global = ObjectInputFilter.Config.getSerialFilter();
        return global == null ? local : ObjectInputFilter.merge(global, local);
    }

    /**
     * The built-in policy. Rejects: a graph deeper than {@value #MAX_DEPTH}, an array longer than the stream (each
     * element takes at least one byte), and more references than bytes. Allows: primitives; classes that are
     * {@code type}, a subtype or a supertype of it; serializable classes of the packages {@code java.lang},
     * {@code java.util}, {@code java.time}, {@code java.math} (not their subpackages); arrays of any of these.
     * Leaves any other class undecided (the caller's policy may allow it; else it is rejected).
     */
    private ObjectInputFilter.Status classPolicy(ObjectInputFilter.FilterInfo info, int length) {
        if (info.depth() > MAX_DEPTH || info.arrayLength() > length || info.references() > length) {
            return ObjectInputFilter.Status.REJECTED;
        }
        Class<?> serialClass = info.serialClass();
        if (serialClass == null) {
            return ObjectInputFilter.Status.UNDECIDED;
        }
        while (serialClass.isArray()) {
            serialClass = serialClass.getComponentType();
        }
        if (serialClass.isPrimitive()
                || type.isAssignableFrom(serialClass)
                || serialClass.isAssignableFrom(type)
                || ALLOWED_JDK_PACKAGES.contains(serialClass.getPackageName())) {
            return ObjectInputFilter.Status.ALLOWED;
        }
        return ObjectInputFilter.Status.UNDECIDED;
    }

    /** A {@link ByteArrayOutputStream} whose array can be copied from without another copy. */
    private static final class ExposedByteArrayOutputStream extends ByteArrayOutputStream {
        ExposedByteArrayOutputStream() {
            super(256);
        }

        byte[] array() {
            return buf;
        }
    }
}
