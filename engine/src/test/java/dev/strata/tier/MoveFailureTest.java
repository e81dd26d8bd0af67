package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A user codec that throws while an entry moves down (an encode of a heap value) costs that entry, never the operation
 * of the other key whose put made room, and never wedges the tier or leaks its memory: the entry is dropped, logged and
 * counted in {@link CacheStats#errors()}. An off-heap record moves to disk without being decoded. A codec that throws
 * on the caller's own value fails that call alone and leaves the key's previous value in place.
 */
class MoveFailureTest {

    private static final int SIZE = 1000;
    private static final int KEYS = 600;
    private static final int POISONED = 0;
    /** The write number the encoding codec refuses. */
    private static final int UNENCODABLE = 0;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "heap, then {0}")
    @EnumSource(value = Tier.class, names = {"OFF_HEAP", "DISK"})
    void aHeapValueItsCodecCannotEncodeIsDroppedWhenItMovesDown(Tier below) {
        try (TestEngine engine = new TestEngine(64 * 1024, 1 << 20, 64 * 1024, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("unencodable", Codecs.int32(), refusingToEncode())
                    .tiers(Tier.HEAP, below).build();
            cache.put(POISONED, value(POISONED, UNENCODABLE, SIZE));   // on the heap: not encoded yet
            for (int key = 1; key < KEYS; key++) {             // key 0 moves down first, and cannot
                cache.put(key, value(key, 1, SIZE));
            }
            assertOnlyThePoisonedKeyDropped(cache, Tier.HEAP);
            assertEquals(KEYS - 1, cache.size());
            engine.checkPools();
            cache.close();
        }
    }

    /**
     * A record moving from off-heap to disk goes as its bytes are: its key is not decoded (the disk store is keyed by
     * the encoded bytes), so a key codec that cannot decode a key costs nothing there.
     */
    @Test
    void aKeyOnItsWayToDiskIsNotDecoded() {
        AtomicBoolean refusing = new AtomicBoolean(true);
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, 64 * 1024, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("undecodable", refusingToDecode(refusing),
                    Codecs.bytes()).tiers(Tier.OFF_HEAP, Tier.DISK).persistent(true).build();
            for (int key = 0; key < KEYS; key++) {             // key 0, in the oldest page, moves down first
                cache.put(key, value(key, 1, SIZE));
            }
            CacheStats stats = cache.stats();
            assertTrue(stats.tier(Tier.OFF_HEAP).demotions() > 0, stats::toString);
            assertTrue(cache.size(Tier.DISK) > 0, stats::toString);
            assertEquals(0, stats.errors(), stats::toString);
            assertArrayEquals(value(POISONED, 1, SIZE), cache.get(POISONED), "key 0 moved down and stays readable");
            cache.close();
        }
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, 64 * 1024, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("undecodable", refusingToDecode(refusing),
                    Codecs.bytes()).tiers(Tier.OFF_HEAP, Tier.DISK).persistent(true).build();
            assertEquals(KEYS, cache.size(), "reopened with every key, none decoded");
            for (int key = 0; key < KEYS; key++) {
                assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key);
            }
            cache.close();
        }
    }

    /**
     * Asserts that moving entries down from {@code from} lost key {@link #POISONED} alone, as one counted error, and
     * that keys 1 to {@link #KEYS} - 1 keep their first write.
     */
    private static void assertOnlyThePoisonedKeyDropped(Cache<Integer, byte[]> cache, Tier from) {
        CacheStats stats = cache.stats();
        assertTrue(stats.tier(from).demotions() > 0, stats::toString);
        assertNull(cache.get(POISONED), "the entry that could not move down is dropped");
        assertEquals(1, stats.errors(), stats::toString);
        for (int key = 1; key < KEYS; key++) {
            assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key);
        }
    }

    @ParameterizedTest(name = "{0} on top")
    @EnumSource(value = Tier.class, names = {"OFF_HEAP", "DISK"})
    void aPutWhoseValueCannotBeEncodedFailsAloneAndKeepsThePreviousValue(Tier top) {
        try (TestEngine engine = new TestEngine(1 << 20, 1 << 20, 64 * 1024, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("own-value", Codecs.int32(), refusingToEncode())
                    .tiers(top).build();
            cache.put(1, value(1, 1, SIZE));
            cache.put(2, value(2, 1, SIZE));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> cache.put(1, value(1, UNENCODABLE, SIZE)));
            assertTrue(refused.getMessage().contains("cannot encode"), refused::getMessage);
            assertArrayEquals(value(1, 1, SIZE), cache.get(1), "the previous value stays");
            assertArrayEquals(value(2, 1, SIZE), cache.get(2));
            cache.put(1, value(1, 2, SIZE));                   // the key takes the next good value
            assertArrayEquals(value(1, 2, SIZE), cache.get(1));
            assertEquals(2, cache.size());
            assertEquals(0, cache.stats().errors(), "the caller got the failure; nothing was dropped");
            cache.close();
        }
    }

    /** {@return {@code Codecs.bytes()}, except that it throws when asked to encode write {@link #UNENCODABLE}} */
    private static Codec<byte[]> refusingToEncode() {
        return new DelegatingCodec<>(Codecs.bytes()) {
            @Override
            public void encode(byte[] value, MemorySegment target, long offset) {
                if (ByteBuffer.wrap(value).getInt(Integer.BYTES) == UNENCODABLE) {
                    throw new IllegalArgumentException("a codec bug: cannot encode write " + UNENCODABLE);
                }
                super.encode(value, target, offset);
            }
        };
    }

    /** {@return {@code Codecs.int32()}, except that it throws when asked to decode key 0 while {@code refusing}} */
    private static Codec<Integer> refusingToDecode(AtomicBoolean refusing) {
        return new DelegatingCodec<>(Codecs.int32()) {
            @Override
            public Integer decode(MemorySegment source, long offset, int length) {
                Integer key = super.decode(source, offset, length);
                if (key == POISONED && refusing.get()) {
                    throw new IllegalArgumentException("a codec bug: cannot decode key 0");
                }
                return key;
            }
        };
    }
}
