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
import org.junit.jupiter.api.Test;

/**
 * {@link Shares}, the arithmetic of max-min fairness between caches, on real caches with given holdings: the share is
 * the total over the caches holding any (the requester counted even if it holds none), a requester at or above it takes
 * nothing even while another cache is above it, and one below it is offered the caches above it, the most above first,
 * each once and only for its excess.
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
        Map<Tiers<?, ?>, Long> holds = new IdentityHashMap<>();
        for (int i = 0; i < caches.size(); i++) {
            holds.put(caches.get(i).tiersImpl(), held[i]);
        }
        return new Shares(caches, caches.get(requester).tiersImpl(), holds::get);
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
