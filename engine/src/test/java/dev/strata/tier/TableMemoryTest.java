package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's account of the off-heap record tables' heap, under real caches: it equals what their tables take; past
 * half its limit the tiers take no page, so entries move down a tier instead and read back; caches share the limit; a
 * clear shrinks the tables and a close gives their heap back.
 */
class TableMemoryTest {

    private static final long HEAP = 4L << 20;
    private static final long REGION = 16L << 20;
    private static final int PAGE = 4096;
    /** One cache's first, empty record tables: 8 slots per stripe, and a machine's stripes grow with its processors. */
    private static final long EMPTY_TABLES = new KeyIndex(false, null, TableMemory.unlimited()).stripes().length * 64L;
    /** Room for 512 KiB of grown tables beside the empty ones of the caches a test opens (at most two). */
    private static final long LIMIT = (512L << 10) + 4 * EMPTY_TABLES;

    @TempDir
    Path dir;

    private static long tableBytes(Cache<?, ?> cache) {
        return ((TieredCache<?, ?>) cache).tiersImpl().offHeapTableBytes();
    }

    @Test
    void pastHalfTheLimitEntriesMoveToDiskAndEveryValueReadsBack() {
        try (TestEngine engine = new TestEngine(HEAP, REGION, PAGE, dir, 256L << 20, LIMIT)) {
            Cache<Long, Long> cache = engine.caches.newCache("ids", Codecs.int64(), Codecs.int64())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            int keys = 200_000;                            // 6.4 MB of 32-byte records; 3-7 MiB of tables unbounded
            for (long key = 0; key < keys; key++) {
                cache.put(key, -key);
                if (key % 1_000 == 0) {
                    assertTrue(engine.caches.offHeapTableBytes() <= LIMIT, "tables " + engine.caches.offHeapTableBytes()
                            + " bytes after " + key + " puts");
                }
            }
            assertEquals(tableBytes(cache), engine.caches.offHeapTableBytes(), "the account is the tables' heap");
            assertTrue(cache.size(Tier.DISK) > keys / 2, "moved down: " + cache.size(Tier.DISK));
            assertTrue(engine.allocator.stats().pagesUsed() * PAGE < REGION / 2,
                    "the tier stopped taking pages: " + engine.allocator.stats().pagesUsed());
            for (long key = 0; key < keys; key++) {
                assertEquals(-key, cache.get(key), "key " + key);
            }
            assertEquals(keys, cache.size());
            engine.checkPools();
            cache.close();
        }
    }

    @Test
    void cachesShareTheLimitAndAClearShrinksTheTablesAndACloseGivesThemBack() throws Exception {
        try (TestEngine engine = new TestEngine(HEAP, REGION, PAGE, null, 0, LIMIT)) {
            Cache<Long, Long> first = engine.caches.newCache("first", Codecs.int64(), Codecs.int64())
                    .tiers(Tier.OFF_HEAP).build();
            Cache<Long, Long> second = engine.caches.newCache("second", Codecs.int64(), Codecs.int64())
                    .tiers(Tier.OFF_HEAP).build();
            long emptyTables = engine.caches.offHeapTableBytes();
            for (long key = 0; key < 150_000; key++) {
                first.put(key, key);
                second.put(key, key);
            }
            assertEquals(tableBytes(first) + tableBytes(second), engine.caches.offHeapTableBytes());
            assertEquals(tableBytes(first), ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(new ObjectName("dev.strata:type=Cache,name=first"), "OffHeapTableBytes"));
            assertTrue(engine.caches.offHeapTableBytes() <= LIMIT, "tables " + engine.caches.offHeapTableBytes());
            assertTrue(first.size() > 1_000 && second.size() > 1_000, first.size() + " and " + second.size());
            first.invalidateAll();
            assertEquals(EMPTY_TABLES * 2, emptyTables);
            assertEquals(EMPTY_TABLES, tableBytes(first), "a cleared cache's tables are back to their first size");
            assertEquals(EMPTY_TABLES + tableBytes(second), engine.caches.offHeapTableBytes());
            first.close();
            assertEquals(tableBytes(second), engine.caches.offHeapTableBytes(),
                    "a closed cache's tables are given back");
            second.close();
            assertEquals(0, engine.caches.offHeapTableBytes());
        }
    }

    /**
     * A cache opened after another's tables took the limit's half still gets its few floor pages: it keeps entries, not
     * none (it got no page at all before the floor). Its tables, empty ones and those of its floor's records, come on
     * top of the limit; the first cache's stay within it.
     */
    @Test
    void aCacheOpenedAfterTheTablesStopPagesStillKeepsAFewPagesOfEntries() {
        try (TestEngine engine = new TestEngine(HEAP, REGION, PAGE, null, 0, LIMIT)) {
            Cache<Long, Long> first = engine.caches.newCache("first", Codecs.int64(), Codecs.int64())
                    .tiers(Tier.OFF_HEAP).build();
            for (long key = 0; key < 100_000; key++) {
                first.put(key, key);
            }
            Cache<Long, Long> late = engine.caches.newCache("late", Codecs.int64(), Codecs.int64())
                    .tiers(Tier.OFF_HEAP).build();
            for (long key = 0; key < 10_000; key++) {
                late.put(key, -key);
            }
            long kept = 0;
            for (long key = 0; key < 10_000; key++) {
                Long found = late.get(key);
                if (found != null) {
                    assertEquals(-key, found, "key " + key);
                    kept++;
                }
            }
            assertTrue(kept >= PAGE / 32, kept + " entries kept in the late cache");
            assertEquals(tableBytes(first), engine.caches.offHeapTableBytes() - tableBytes(late));
            assertTrue(tableBytes(first) <= LIMIT, "the first cache's tables " + tableBytes(first));
            assertTrue(tableBytes(late) <= EMPTY_TABLES + (64L << 10),
                    "the late cache's tables, past the limit: " + tableBytes(late));
            assertTrue(first.size() > 10_000, "the first cache keeps its entries: " + first.size());
            first.close();
            late.close();
        }
    }

    @Test
    void theAccountRefusesABadLimitAndAReleaseOfMoreThanWasCharged() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new TableMemory(0));
        assertEquals("off-heap table limit: 0 bytes (expected: >= 1)", zero.getMessage());
        TableMemory account = new TableMemory(100);
        account.charge(50);
        assertTrue(!account.stopsPages(), "half the limit still takes pages");
        account.charge(1);
        assertTrue(account.stopsPages(), "past half the limit no page is taken");
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> account.charge(-52));
        assertEquals("off-heap table charge -52 bytes (expected: at least -51, the bytes charged)", twice.getMessage());
        assertEquals(51, account.bytes(), "a refused release changes nothing");
    }
}
