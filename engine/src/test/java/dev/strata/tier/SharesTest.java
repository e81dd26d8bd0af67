package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.codec.Codecs;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Shares}, the arithmetic of max-min fairness between caches, on real caches with given holdings: the share is
 * the total over the caches holding any (the requester counted even if it holds none), a requester at or above it takes
 * nothing even while another cache is above it, and one below it is offered the caches above it, the most above first,
 * each once and only for its excess. An idle cache has no share: it is offered first, for all it holds, even to a
 * requester at or above the share, which the caches in use divide among themselves; an idle requester is offered
 * only the other idle caches above an equal share of what they hold.
 */
class SharesTest {

    private static final long REGION = 1L << 20;

    private static List<TieredCache<?, ?>> caches(TestEngine engine, int count) {
        List<TieredCache<?, ?>> caches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            caches.add((TieredCache<?, ?>) engine.caches.newCache("c" + i, Codecs.int32(), Codecs.bytes()).build());
        }
        return caches;
    }

    private static Shares shares(List<TieredCache<?, ?>> caches, int requester, long... held) {
        return shares(caches, Set.of(), requester, held);
    }

    /** Shares where the caches at the positions {@code idle} holds are idle. */
    private static Shares shares(List<TieredCache<?, ?>> caches, Set<Integer> idle, int requester, long... held) {
        Map<Tiers<?, ?>, Long> holds = new IdentityHashMap<>();
        for (int i = 0; i < caches.size(); i++) {
            holds.put(caches.get(i).tiersImpl(), held[i]);
        }
        return new Shares(caches, caches.get(requester).tiersImpl(), holds::get,
                cache -> idle.contains(caches.indexOf(cache)));
    }

    @Test
    void aRequesterBelowTheShareIsOfferedTheCachesAboveIt_mostAboveFirst_eachOnceForItsExcess() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            List<TieredCache<?, ?>> caches = caches(engine, 4);
            Shares shares = shares(caches, 3, 500, 300, 100, 0);  // share: 900 over 4 holders = 225
            assertTrue(shares.requesterBelowShare());
            Shares.Above first = shares.nextAboveShare();
            assertSame(caches.get(0), first.cache());
            assertEquals(275, first.excessBytes());
            Shares.Above second = shares.nextAboveShare();
            assertSame(caches.get(1), second.cache());
            assertEquals(75, second.excessBytes());
            assertNull(shares.nextAboveShare(), "the cache below the share is never offered");
            caches.forEach(TieredCache::close);
        }
    }

    @Test
    void aRequesterAtOrAboveTheShareTakesNothingEvenWhileAnotherIsAboveIt() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            List<TieredCache<?, ?>> caches = caches(engine, 3);
            assertFalse(shares(caches, 1, 450, 400, 150).requesterBelowShare(), "400 against a share of 333");
            assertFalse(shares(caches, 1, 300, 300, 300).requesterBelowShare(), "exactly the share");
            assertTrue(shares(caches, 2, 450, 400, 150).requesterBelowShare(), "150 against 333");
            caches.forEach(TieredCache::close);
        }
    }

    @Test
    void idleCachesHaveNoShare_aRequesterAboveTheShareIsStillOfferedAllTheyHold_mostFirst() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            List<TieredCache<?, ?>> caches = caches(engine, 4);
            // in use: 0 and 3 (the requester) hold 500 + 400; idle: 1 and 2 hold 100 + 300. Share: 1,300 / 2 = 650
            Shares shares = shares(caches, Set.of(1, 2), 3, 500, 100, 300, 400);
            assertTrue(shares.requesterBelowShare(), "idle caches do not count among the holders: 400 < 650");
            assertOffered(shares, caches.get(2), 300);
            assertOffered(shares, caches.get(1), 100);
            assertNull(shares.nextAboveShare(), "cache 0 holds 500, below the share of 650");

            Shares above = shares(caches, Set.of(1, 2), 0, 900, 100, 300, 200);    // share 700: 0 holds more
            assertFalse(above.requesterBelowShare());
            assertOffered(above, caches.get(2), 300);
            assertOffered(above, caches.get(1), 100);
            assertNull(above.nextAboveShare(), "at or above its share, it takes nothing from the caches in use");
            caches.forEach(TieredCache::close);
        }
    }

    @Test
    void anIdleRequesterTakesOnlyFromIdleCachesAboveAnEqualShareOfWhatTheyHold() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            List<TieredCache<?, ?>> caches = caches(engine, 4);
            // idle: 0 (the requester), 1 and 2 hold 100 + 500 + 300 = 900, a share of 300; in use: 3 holds 5,000
            Shares shares = shares(caches, Set.of(0, 1, 2), 0, 100, 500, 300, 5_000);
            assertTrue(shares.requesterBelowShare());
            assertOffered(shares, caches.get(1), 200);
            assertNull(shares.nextAboveShare(), "cache 2 is at the share; the cache in use is never offered");
            Shares alone = shares(caches, Set.of(0), 0, 0, 0, 0, 5_000);
            assertFalse(alone.requesterBelowShare(), "its group holds nothing");
            assertNull(alone.nextAboveShare(), "no idle cache holds any: nothing to take");
            caches.forEach(TieredCache::close);
        }
    }

    @Test
    void anIdleCacheHoldingNothingIsNotOffered() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            List<TieredCache<?, ?>> caches = caches(engine, 3);
            Shares shares = shares(caches, Set.of(1), 0, 200, 0, 600);           // share: 800 over 2 holders
            assertTrue(shares.requesterBelowShare());
            assertOffered(shares, caches.get(2), 200);
            assertNull(shares.nextAboveShare(), "the idle cache 1 holds nothing");
            caches.forEach(TieredCache::close);
        }
    }

    private static void assertOffered(Shares shares, TieredCache<?, ?> cache, long bytes) {
        Shares.Above above = shares.nextAboveShare();
        assertSame(cache, above.cache());
        assertEquals(bytes, above.excessBytes());
    }

    @Test
    void aRequesterHoldingNothingCountsAmongTheHolders_cachesHoldingNothingElseDoNot() {
        try (TestEngine engine = new TestEngine(REGION, 0, 4096, null, 0)) {
            List<TieredCache<?, ?>> caches = caches(engine, 4);
            Shares shares = shares(caches, 0, 0, 600, 0, 0);      // share: 600 over 2 holders = 300, not 150
            assertTrue(shares.requesterBelowShare());
            Shares.Above above = shares.nextAboveShare();
            assertEquals(300, above.excessBytes());
            assertNull(shares.nextAboveShare());
            assertFalse(shares(caches, 0, 0, 0, 0, 0).requesterBelowShare(), "nobody holds anything");
            caches.forEach(TieredCache::close);
        }
    }
}
