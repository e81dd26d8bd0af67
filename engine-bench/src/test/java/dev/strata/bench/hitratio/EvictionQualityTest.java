package dev.strata.bench.hitratio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The issue asks for eviction "at least LRU-quality": each Strata layout, replayed on a trace, hits at least as often
 * as exact LRU holding as many entries (within a point for the off-heap and disk tiers, which evict whole pages and
 * segments), and clearly more often than FIFO, which is what a policy that loses its hit information would fall to.
 * Deterministic: one thread, fixed seeds. The full table, with Caffeine and a trace whose hot set moves, is {@link HitRatio}'s.
 */
class EvictionQualityTest {

    private static final int KEYS = 50_000;
    private static final int REQUESTS = 400_000;
    private static final long REGION = 1L << 20;
    private static final byte[] VALUE = new byte[100];

    /** Also when the hot set moves at once, where the heap's former SIEVE fell 7 points below LRU here. */
    @Test
    void theHeapTierBeatsLru() {
        for (Trace trace : Trace.values()) {
            Comparison c = compare(HitRatio.Layout.HEAP, trace);
            assertTrue(c.strata() >= c.lru(), c.toString());
        }
    }

    /**
     * The off-heap tier's S3-FIFO in pages beats LRU, and by a margin when scans pass through: one-off keys leave from
     * its probation log without touching the main one. (Before the probation log it matched LRU, 0.1-1.6 points
     * above it, and a scan flushed it as it flushes LRU.) Its main pages keep up to three quarters of a page of the
     * records read in them: 2.5 points above LRU on Zipf, 4.3 with scans, 0.2 when the hot set moves; keeping half a
     * page, as it did before, 1.6, 3.3 and 0.0, which this test's bar of two and four points fails.
     */
    @Test
    void theOffHeapTierBeatsLruAndResistsScans() {
        assertBeatsLru(HitRatio.Layout.OFF_HEAP, 0.02, 0.04, 0.01);
    }

    /**
     * The disk tier's S3-FIFO in segments beats LRU, and by a margin when scans pass through: one-off keys leave from
     * its probation segments without touching the main ones. (With one log and a second chance for what was read in the
     * oldest segment it measured 0.1 points below LRU on Zipf and the moving trace, and a scan flushed it.) When the
     * hot set moves at once, this short trace shows S3-FIFO's cost: the new hot keys must prove themselves in probation
     * while the old ones, read often, keep second chances in the main log; it measured 1.0 points below LRU (the full
     * {@link HitRatio} traces, four million requests, put it 0.4 below to 3.5 above). Its main segments keep up to
     * three quarters of a segment of the records read in them: 2.9 points above LRU on Zipf, 4.7 with scans, 0.8 below
     * when the hot set moves (two runs); keeping half a segment, as it did before, 1.6, 3.6 and 1.0 below, which this
     * test's bar of two and four points fails.
     */
    @Test
    void theDiskTierBeatsLruAndResistsScans() {
        assertBeatsLru(HitRatio.Layout.DISK, 0.02, 0.04, 0.015);
    }

    /**
     * A persistent cache's disk tier evicts the same way (its writes follow the log their key's record is in, and its
     * moves out of probation take new sequences, so its restarts stay exact): the same bars. It measures 3.7 points
     * above LRU on Zipf, 4.8 with scans and 0.6 below when the hot set moves; with one log, as it had until its
     * probation segments were made to survive restarts, 0.8 above on Zipf, which fails.
     */
    @Test
    void aPersistentDiskTierBeatsLruAndResistsScansToo() {
        assertBeatsLru(HitRatio.Layout.PERSISTENT_DISK, 0.02, 0.04, 0.015);
    }

    /**
     * A heap or off-heap tier over disk, and all three tiers: what an upper tier evicts from its probation unread goes
     * on trial to the tier below, what it evicts from its main queue to the main log below, and an entry promoted into
     * the heap starts in its main queue; the disk evicts ahead, on the compactor's thread. At this scale heap over disk
     * and off-heap over disk measure 2.7-3.5 and 2.8-3.5 points above LRU on Zipf and 4.2-4.5 and 3.7-4.2 with scans
     * (four runs; the compactor's timing moves them; 2.5, 2.6-2.8, 3.8-4.1 and 3.4 while the off-heap and disk tiers'
     * second chances kept half a page or segment), the three tiers 3.9 and 4.2 (two runs). Evicting only when a demotion found the quota full (which
     * first compacted every segment holding dead bytes) they measured 0.3 and 0.1 on Zipf and 2.4 and 1.0 with scans;
     * sending every eviction to the disk's main log as well, 2.5 and 1.7 below LRU on Zipf and 0.5 and 0.4 below with
     * scans. Held to a point above LRU on Zipf and 2.5 with scans.
     */
    @Test
    void tieredCachesOverDiskBeatLruAndResistScans() {
        for (HitRatio.Layout layout : new HitRatio.Layout[] {HitRatio.Layout.HEAP_OVER_DISK,
                HitRatio.Layout.OFF_HEAP_OVER_DISK, HitRatio.Layout.HEAP_OVER_OFF_HEAP_OVER_DISK}) {
            Comparison zipf = compare(layout, Trace.ZIPF);
            assertTrue(zipf.strata() >= zipf.lru() + 0.01, zipf.toString());
            Comparison scans = compare(layout, Trace.ZIPF_WITH_SCANS);
            assertTrue(scans.strata() >= scans.lru() + 0.025, scans.toString());
        }
    }

    /**
     * A heap over an off-heap tier: what the heap evicts from its small queue, never read, starts in the off-heap
     * probation log, what it evicts from its main queue goes to the off-heap main log. 3.6 points above LRU on Zipf,
     * 4.3 with scans, 0.8 when the hot set moves. Until every heap eviction went to the off-heap main log it measured
     * 1.1 above LRU on Zipf, which this test's bar of 2.5 points fails.
     */
    @Test
    void heapOverOffHeapBeatsLruAndResistsScans() {
        assertBeatsLru(HitRatio.Layout.HEAP_OVER_OFF_HEAP, 0.025, 0.03, 0.01);
    }

    /**
     * An S3-FIFO layout's bar: {@code layout} hits at least {@code onZipf} more often than LRU on Zipf and
     * {@code withScans} more with scans, and when the hot set moves no more than {@code belowLruWhenMoving} below LRU
     * and a point above FIFO.
     */
    private static void assertBeatsLru(HitRatio.Layout layout, double onZipf, double withScans,
                                       double belowLruWhenMoving) {
        Comparison zipf = compare(layout, Trace.ZIPF);
        assertTrue(zipf.strata() >= zipf.lru() + onZipf, zipf.toString());
        Comparison scans = compare(layout, Trace.ZIPF_WITH_SCANS);
        assertTrue(scans.strata() >= scans.lru() + withScans, scans.toString());
        Comparison moving = compare(layout, Trace.SHIFTING_ZIPF);
        assertTrue(moving.strata() >= moving.lru() - belowLruWhenMoving, moving.toString());
        assertTrue(moving.strata() >= moving.fifo() + 0.01, moving.toString());
    }

    /** Hit ratios of one trace: Strata's, and LRU's and FIFO's with as many entries as Strata held. */
    private record Comparison(String what, int entries, double strata, double lru, double fifo) {
    }

    private static Comparison compare(HitRatio.Layout layout, Trace trace) {
        int[] requests = trace.requests(KEYS, REQUESTS, 42);
        HitRatio.Run strata = HitRatio.run(requests, () -> layout.open(REGION, VALUE));
        int entries = (int) Math.round(strata.meanEntries());
        assertTrue(entries > KEYS / 50 && entries < KEYS / 2, layout + " held " + entries + " entries");
        return new Comparison(layout + " on " + trace, entries, strata.hitRatio(),
                HitRatio.run(requests, () -> LinkedMapPolicy.lru(entries, VALUE)).hitRatio(),
                HitRatio.run(requests, () -> LinkedMapPolicy.fifo(entries, VALUE)).hitRatio());
    }
}
