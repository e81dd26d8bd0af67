package dev.strata.tier.disk;

import static dev.strata.tier.disk.DiskTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Values that name their key, their writer (0 or 1) and the writer's operation number in a 12-byte header, followed
 * by payload bytes derived from all three: what the store's concurrency tests write, so that every value read back
 * can be checked as whole and as one of that key's own writes.
 */
final class WriterValues {

    private WriterValues() {
    }

    /** {@return the value writer {@code writer} puts under key {@code k} at its operation {@code version}} */
    static byte[] encode(int k, int writer, int version, int payloadBytes) {
        ByteBuffer buffer = ByteBuffer.allocate(12 + payloadBytes);
        buffer.putInt(k).putInt(writer).putInt(version).put(value(payloadBytes, seed(k, writer, version)));
        return buffer.array();
    }

    /** Fails unless {@code found} is a whole value written for key {@code k} by writer 0 or 1, below {@code writes}. */
    static void checkGenuine(int k, byte[] found, int writes) {
        ByteBuffer buffer = ByteBuffer.wrap(found);
        int foundKey = buffer.getInt();
        int writer = buffer.getInt();
        int version = buffer.getInt();
        if (foundKey != k || writer < 0 || writer > 1 || version < 0 || version >= writes) {
            fail("key " + k + " returned a value written for key " + foundKey + " by " + writer + " v" + version);
        }
        byte[] payload = Arrays.copyOfRange(found, 12, found.length);
        assertArrayEquals(value(payload.length, seed(k, writer, version)), payload, "payload of key " + k);
    }

    private static long seed(int k, int writer, int version) {
        return ((long) k << 40) ^ ((long) writer << 32) ^ version;
    }

    /** A thread's work, which may throw. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** {@return {@code body} as a runnable that adds whatever it throws to {@code failures}} */
    static Runnable guarded(ConcurrentLinkedQueue<Throwable> failures, Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failures.add(t);
            }
        };
    }
}
