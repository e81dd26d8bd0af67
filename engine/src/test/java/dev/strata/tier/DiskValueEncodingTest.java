package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a cache hands values to its disk tier: a built-in codec's value is encoded straight into the disk store's record
 * (no array of its own), a user codec's into an array first; either way every value reads back, put to disk or moved
 * there from the heap, with and without a deadline ahead of it.
 */
class DiskValueEncodingTest {

    private static final long REGION = 128 * 1024;

    @TempDir
    Path dir;

    /** A codec that is not a built-in one: its values go to disk through an array. */
    private static final Codec<String> USER_CODEC = new Codec<>() {
        @Override
        public int encodedSize(String value) {
            return Codecs.utf8().encodedSize(value);
        }

        @Override
        public void encode(String value, MemorySegment target, long offset) {
            Codecs.utf8().encode(value, target, offset);
        }

        @Override
        public String decode(MemorySegment source, long offset, int length) {
            return Codecs.utf8().decode(source, offset, length);
        }

        @Override
        public String name() {
            return "user-utf8";
        }
    };

    private <V> void roundTrip(String name, Codec<V> codec, IntFunction<V> valueOf, List<Tier> tiers,
                               boolean expiring) {
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir.resolve(name), 64L << 20)) {
            Cache.Builder<Integer, V> builder = engine.caches.newCache(name, Codecs.int32(), codec)
                    .tiers(tiers.toArray(Tier[]::new));
            Cache<Integer, V> cache = (expiring ? builder.expireAfterWrite(Duration.ofHours(1)) : builder).build();
            int keys = 4000;                                   // over 3 times what the heap region holds
            for (int k = 0; k < keys; k++) {
                cache.put(k, valueOf.apply(k));
            }
            assertTrue(cache.size(Tier.DISK) > keys / 2, () -> name + ": " + cache.stats());
            for (int k = 0; k < keys; k++) {
                V expected = valueOf.apply(k);
                V actual = cache.get(k);
                assertTrue(Objects.deepEquals(expected, actual), name + " key " + k + ": " + actual);
            }
            cache.close();
        }
    }

    @Test
    void everyBuiltInCodecsValue_readsBackFromDisk() {
        for (boolean expiring : new boolean[] {false, true}) {
            for (List<Tier> tiers : List.of(List.of(Tier.DISK), List.of(Tier.HEAP, Tier.DISK))) {
                String suffix = (expiring ? "-ttl-" : "-") + tiers.size();
                roundTrip("utf8" + suffix, Codecs.utf8(), k -> "é-" + k + "-".repeat(k % 300), tiers, expiring);
                roundTrip("int64" + suffix, Codecs.int64(), k -> k * 1_000_000_007L, tiers, expiring);
                roundTrip("int32" + suffix, Codecs.int32(), k -> -k, tiers, expiring);
                roundTrip("float64" + suffix, Codecs.float64(), k -> k / 3.0, tiers, expiring);
                roundTrip("bytes" + suffix, Codecs.bytes(), k -> new byte[k % 50], tiers, expiring);
                roundTrip("user" + suffix, USER_CODEC, k -> "u" + k, tiers, expiring);
            }
        }
    }

    /**
     * A disk put of a 32 KiB string allocates the codec's own copy of it ({@code String.getBytes}) and little more:
     * before values were encoded into the store's record, it also allocated an array of the value's size.
     */
    @Test
    void aDiskPutOfAString_allocatesNoArrayOfItsSizeBesidesTheCodecsOwn() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        String value = "x".repeat(32 * 1024);
        try (TestEngine engine = new TestEngine(REGION, REGION, 4096, dir, 64L << 20)) {
            Cache<Integer, String> cache = engine.caches.newCache("alloc", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).build();
            for (int i = 0; i < 200; i++) {
                cache.put(i % 50, value);                      // warm up: segments, buffers, compiled code
            }
            int puts = 200;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < puts; i++) {
                cache.put(i % 50, value);
            }
            long perPut = (threads.getCurrentThreadAllocatedBytes() - before) / puts;
            assertTrue(perPut < value.length() * 3L / 2, perPut + " bytes allocated per put of " + value.length());
            assertEquals(value, cache.get(7));
            cache.close();
        }
    }
}
