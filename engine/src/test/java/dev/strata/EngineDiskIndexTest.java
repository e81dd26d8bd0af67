package dev.strata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import dev.strata.management.EngineMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk tiers' index memory through the public entry points: its limit (default and given, with the rules a given
 * one must meet), a cache written far past it that evicts its oldest disk segments instead of growing its index, and
 * the stats, MXBean and plan that show it.
 */
class EngineDiskIndexTest {

    /** What a {@code Long} key (8 bytes) is charged: a slot at 9/16 full (36 B), its bytes and a 4-byte length. */
    private static final long LONG_KEY_CHARGE = 36 + 4 + 8;

    @TempDir
    Path dir;

    @Test
    void byDefaultTheDiskIndexesMayTakeHalfOfUserMemory() {
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4))
                .disk(dir.resolve("disk"), DataSize.ofMebibytes(64)).build()) {
            MemoryPlan plan = engine.plan();
            long expected = Math.max(plan.userMemoryBytes() / 2, 1L << 20);
            assertEquals(expected, engine.stats().diskIndexLimitBytes());
            assertEquals(expected, plan.diskIndexBytes());
            assertEquals(0, engine.stats().diskIndexBytes());
            assertTrue(plan.toString().contains("disk indexes"), plan.toString());
        }
        try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(4)).build()) {
            assertEquals(0, engine.stats().diskIndexLimitBytes());
            assertFalse(engine.plan().toString().contains("disk indexes"), "no disk, no row");
        }
    }

    @Test
    void aGivenLimitNeedsADiskAndMustFitInUserMemory() {
        IllegalArgumentException noDisk = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).diskIndexMemory(DataSize.ofMebibytes(1)).build());
        assertTrue(noDisk.getMessage().startsWith("diskIndexMemory: 1 MiB without a disk"), noDisk.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).disk(dir, DataSize.ofMebibytes(1)).diskIndexMemory(DataSize.ZERO)
                .build());
        assertTrue(zero.getMessage().startsWith("diskIndexMemory: 0 B (expected: from 1 byte to the user memory"),
                zero.getMessage());
        long maxHeap = Runtime.getRuntime().maxMemory();
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class, () -> Engine.builder()
                .heap(DataSize.ofMebibytes(4)).disk(dir, DataSize.ofMebibytes(1))
                .diskIndexMemory(DataSize.ofBytes(maxHeap)).build());
        assertTrue(tooLarge.getMessage().contains("the heap outside the engine's region"), tooLarge.getMessage());
        assertThrows(NullPointerException.class, () -> Engine.builder().diskIndexMemory(null));
    }

    @Test
    void aCacheWrittenFarPastItsIndexLimitEvictsOldSegmentsAndKeepsEveryValueItReturnsRight() throws Exception {
        long limit = 64 << 10;                                         // about 1,365 keys of 8 bytes
        try (Engine engine = Engine.builder().name("disk-index-test").heap(DataSize.ofMebibytes(4))
                .disk(dir.resolve("disk"), DataSize.ofMebibytes(2))   // 128 KiB segments: about 120 values each
                .diskIndexMemory(DataSize.ofBytes(limit)).build()) {
            Cache<Long, byte[]> cache = engine.newCache("c", Codecs.int64(), Codecs.bytes())
                    .tiers(Tier.HEAP, Tier.DISK).build();
            int keys = 20_000;
            for (int i = 0; i < keys; i++) {
                cache.put((long) i, value(i));
                if (i % 500 == 0) {
                    long charged = engine.stats().diskIndexBytes();
                    assertTrue(charged <= limit, "after " + i + " puts the disk index is charged " + charged);
                }
            }
            EngineStats stats = engine.stats();
            long onDisk = cache.size(Tier.DISK);
            assertTrue(onDisk > 0, "the disk tier still holds keys");
            assertEquals(onDisk * LONG_KEY_CHARGE, stats.diskIndexBytes(), "each key on disk, charged once");
            assertTrue(cache.stats().tier(Tier.DISK).evictions() > 0, cache.stats().toString());
            assertTrue(stats.diskUsedBytes() <= 2 << 20, "the file quota held too: " + stats.diskUsedBytes());
            int present = 0;
            for (int i = 0; i < keys; i++) {
                byte[] found = cache.get((long) i);
                if (found != null) {
                    assertArrayEquals(value(i), found, "key " + i);
                    present++;
                }
            }
            assertTrue(present > onDisk, present + " keys present, " + onDisk + " of them on disk");
            for (int i = keys - 100; i < keys; i++) {
                assertArrayEquals(value(i), cache.get((long) i), "recent key " + i);
            }

            EngineMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    new ObjectName("dev.strata:type=Engine,name=disk-index-test"), EngineMXBean.class);
            assertEquals(limit, bean.getDiskIndexLimitBytes());
            assertEquals(engine.stats().diskIndexBytes(), bean.getDiskIndexBytes());
            cache.close();
            assertEquals(0, engine.stats().diskIndexBytes(), "a closed cache gives its charges back");
        }
    }

    private static byte[] value(int i) {
        byte[] bytes = new byte[1000];
        Arrays.fill(bytes, (byte) i);
        bytes[0] = (byte) (i >>> 8);
        bytes[1] = (byte) (i >>> 16);
        return bytes;
    }
}
