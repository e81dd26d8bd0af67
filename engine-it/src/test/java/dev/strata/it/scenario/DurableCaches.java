package dev.strata.it.scenario;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;

/**
 * The engine and persistent cache shared by the fault scenarios' writing and recovering children, so both open
 * exactly the same configuration: a 16 MiB {@code ARENA} off-heap region, a disk directory with the given quota, and
 * a persistent cache named {@value #CACHE} with long keys and byte-array values. Also the key-to-write arithmetic of
 * the writers: write {@code i} puts key {@code i % keys} with sequence {@code i} and a size that varies with
 * {@code i} (from {@value #MIN_VALUE} bytes to about 12 KiB). Stateless and thread-safe.
 */
public final class DurableCaches {

    /** The persistent cache's name. */
    public static final String CACHE = "durable";
    static final int MIN_VALUE = 100;
    /** The time to live of the expiring runs: longer than the key space is written in, at 1 ms per write. */
    static final long TTL_MILLIS = 10_000;
    /** The clock of the expiring runs reads this plus the write number. */
    static final long CLOCK_START = 1_700_000_000_000L;

    private DurableCaches() {
    }

    static Engine engine(Path disk, DataSize quota) {
        return Engine.builder().heap(DataSize.ofMebibytes(8)).offHeap(DataSize.ofMebibytes(16), OffHeapBackend.ARENA)
                .disk(disk, quota).build();
    }

    static Cache<Long, byte[]> cache(Engine engine, Tier... tiers) {
        return engine.newCache(CACHE, Codecs.int64(), Codecs.bytes()).tiers(tiers).persistent(true).build();
    }

    /** {@return the persistent cache with a time to live of {@value #TTL_MILLIS} ms on {@code clock}} */
    static Cache<Long, byte[]> expiringCache(Engine engine, InstantSource clock, Tier... tiers) {
        return engine.newCache(CACHE, Codecs.int64(), Codecs.bytes()).tiers(tiers).persistent(true)
                .expireAfterWrite(Duration.ofMillis(TTL_MILLIS)).clock(clock).build();
    }

    /** {@return the persistent cache with a time to idle of {@value #TTL_MILLIS} ms on {@code clock}} */
    static Cache<Long, byte[]> idleCache(Engine engine, InstantSource clock, Tier... tiers) {
        return engine.newCache(CACHE, Codecs.int64(), Codecs.bytes()).tiers(tiers).persistent(true)
                .expireAfterAccess(Duration.ofMillis(TTL_MILLIS)).clock(clock).build();
    }

    /** {@return tiers from a comma-separated list such as {@code OFF_HEAP,DISK}} */
    static Tier[] tiers(String list) {
        return Arrays.stream(list.split(",")).map(Tier::valueOf).toArray(Tier[]::new);
    }

    /** {@return the size of write number {@code write}} */
    static int valueSize(long write) {
        return MIN_VALUE + (int) ((write * 7919) % 12_000);
    }

    /** {@return the value of write number {@code write} for a key space of {@code keys}} */
    static byte[] value(long write, long keys) {
        return CheckedValue.of(write % keys, write, valueSize(write));
    }

    /**
     * {@return the last write to {@code key} among writes {@code 0..writes-1}, or -1 if there was none}
     *
     * @param key the key
     * @param keys the key space
     * @param writes how many writes completed
     */
    public static long lastWrite(long key, long keys, long writes) {
        return key >= writes ? -1 : key + keys * ((writes - 1 - key) / keys);
    }
}
