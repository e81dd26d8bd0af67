package dev.strata.codec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * The main class {@link ChronicleAbsentTest} runs in a child JVM whose class path holds only the engine's classes
 * and this class: no chronicle-bytes, no JUnit, no JVM flags. Prints one line per check and exits 0 when all pass.
 */
public final class ChronicleAbsentProbe {

    private ChronicleAbsentProbe() {
    }

    /**
     * Runs the checks.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(64);
            String text = "caf\u00E9 \uD83D\uDE00";
            Codecs.utf8().encode(text, segment, 3);
            check("utf8", text.equals(Codecs.utf8().decode(segment, 3, Codecs.utf8().encodedSize(text))));
            Codecs.int64().encode(-7L, segment, 1);
            check("int64", Codecs.int64().decode(segment, 1, 8) == -7L);
            Codecs.bytes().encode(new byte[] {1, 2}, segment, 0);
            check("bytes", Codecs.bytes().decode(segment, 0, 2)[1] == 2);
            Codec<String> serialized = Codecs.javaSerialization(String.class);
            serialized.encode("x", segment, 0);
            check("javaSerialization", "x".equals(serialized.decode(segment, 0, serialized.encodedSize("x"))));
        }
        try {
            Supplier<net.openhft.chronicle.bytes.BytesMarshallable> factory = () -> null;
            Codecs.marshallable(factory);
            check("marshallable throws NoClassDefFoundError without chronicle", false);
        } catch (NoClassDefFoundError expected) {
            check("marshallable throws NoClassDefFoundError without chronicle",
                    expected.getMessage().contains("chronicle"));
        }
        System.out.println("ALL OK");
    }

    private static void check(String what, boolean passed) {
        System.out.println(what + ": " + (passed ? "ok" : "FAILED"));
        if (!passed) {
            System.exit(1);
        }
    }
}
