package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cache.Cache;
import dev.strata.codec.Codecs;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link IdleCaches} on real caches and a clock moved by hand: a cache is idle once its counts stayed the same since a
 * look at least the idle time ago, never sooner; every get (hit or miss) and put makes it active from the next look;
 * looks come at most every sixteenth of the idle time; closed caches are forgotten.
 */
class IdleCachesTest {

    private static final long IDLE = 16_000;
    private static final long LOOK_EVERY = IDLE / IdleCaches.LOOKS_PER_IDLE;

    private final AtomicLong nanos = new AtomicLong(1_000_000);
    private final IdleCaches idle = new IdleCaches(Duration.ofNanos(IDLE), nanos::get);

    private static TieredCache<Integer, String> cache(TestEngine engine, String name) {
        return (TieredCache<Integer, String>) engine.caches.newCache(name, Codecs.int32(), Codecs.utf8()).build();
    }

    private void lookAfter(long elapsed, List<TieredCache<?, ?>> caches) {
        nanos.addAndGet(elapsed);
        idle.look(caches);
    }

    @Test
    void aCacheIsIdleOnceItsCountsStayedTheIdleTimeSinceALook_neverSooner() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            TieredCache<Integer, String> cache = cache(engine, "c");
            cache.put(1, "one");
            List<TieredCache<?, ?>> caches = List.of(cache);
            assertFalse(idle.isIdle(cache), "no look yet");
            lookAfter(0, caches);
            assertFalse(idle.isIdle(cache), "the first look sees it as active now");
            for (long step = LOOK_EVERY; step < IDLE; step += LOOK_EVERY) {
                lookAfter(LOOK_EVERY, caches);
                assertFalse(idle.isIdle(cache), "after " + step + " ns of " + IDLE);
            }
            lookAfter(LOOK_EVERY, caches);
            assertTrue(idle.isIdle(cache), "the idle time passed since the look that last saw its counts change");
            cache.close();
        }
    }

    @Test
    void everyHitMakesItInUseAgainFromTheNextLook() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            TieredCache<Integer, String> cache = cache(engine, "c");
            cache.put(1, "one");
            List<TieredCache<?, ?>> caches = List.of(cache);
            List<Consumer<Cache<Integer, String>>> hits = List.of(c -> c.get(1), c -> c.computeIfAbsent(1, k -> "no"),
                    c -> c.read(1, view -> view.byteSize()));
            lookAfter(0, caches);
            for (Consumer<Cache<Integer, String>> hit : hits) {
                lookAfter(IDLE, caches);
                assertTrue(idle.isIdle(cache));
                hit.accept(cache);
                assertTrue(idle.isIdle(cache), "until the next look");
                lookAfter(LOOK_EVERY, caches);
                assertFalse(idle.isIdle(cache), "in use from the look that saw its hits change");
                lookAfter(IDLE - 1, caches);
                assertFalse(idle.isIdle(cache), "one nanosecond short of the idle time since that look");
            }
            cache.close();
        }
    }

    /** Entries written and never read serve nobody: misses and puts leave a cache idle. */
    @Test
    void missesAndPutsLeaveItIdle() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            TieredCache<Integer, String> cache = cache(engine, "c");
            List<TieredCache<?, ?>> caches = List.of(cache);
            lookAfter(0, caches);
            for (int key = 0; key < 1000; key++) {
                cache.put(key, "value " + key);
                cache.get(-key - 1);
                cache.computeIfAbsent(-key - 1, k -> null);
            }
            lookAfter(IDLE, caches);
            assertTrue(idle.isIdle(cache), "1,000 puts and 2,000 misses, no hit");
            cache.close();
        }
    }

    @Test
    void looksComeAtMostEverySixteenthOfTheIdleTime() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            TieredCache<Integer, String> cache = cache(engine, "c");
            List<TieredCache<?, ?>> caches = List.of(cache);
            lookAfter(0, caches);
            lookAfter(IDLE, caches);
            assertTrue(idle.isIdle(cache));
            cache.put(1, "one");
            cache.get(1);
            lookAfter(LOOK_EVERY - 1, caches);
            assertTrue(idle.isIdle(cache), "no look is due yet: the last one stands");
            lookAfter(1, caches);
            assertFalse(idle.isIdle(cache), "a look was due");
            cache.close();
        }
    }

    @Test
    void aCacheNewToTheLooksIsActive_andAClosedOneIsForgotten() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            TieredCache<Integer, String> old = cache(engine, "old");
            lookAfter(0, List.of(old));
            TieredCache<Integer, String> fresh = cache(engine, "fresh");
            lookAfter(IDLE, List.of(old, fresh));
            assertTrue(idle.isIdle(old));
            assertFalse(idle.isIdle(fresh), "first seen now, however old it is");
            old.close();
            lookAfter(IDLE, List.of(fresh));
            assertFalse(idle.isIdle(old), "closed: no longer looked at");
            assertTrue(idle.isIdle(fresh));
            fresh.close();
        }
    }

    /** A cache's own idle time replaces the engine's for it, shorter or longer; closed, it is forgotten. */
    @Test
    void aCacheMayHaveAnIdleTimeOfItsOwn() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            TieredCache<Integer, String> shorter = cache(engine, "shorter");
            TieredCache<Integer, String> longer = cache(engine, "longer");
            TieredCache<Integer, String> engines = cache(engine, "engines");
            idle.setIdleTime(shorter, Duration.ofNanos(IDLE / 2));
            idle.setIdleTime(longer, Duration.ofNanos(4 * IDLE));
            List<TieredCache<?, ?>> caches = List.of(shorter, longer, engines);
            lookAfter(0, caches);
            lookAfter(IDLE / 2, caches);
            assertTrue(idle.isIdle(shorter));
            assertFalse(idle.isIdle(engines));
            lookAfter(IDLE / 2, caches);
            assertTrue(idle.isIdle(engines));
            assertFalse(idle.isIdle(longer));
            lookAfter(3 * IDLE - 1, caches);
            assertFalse(idle.isIdle(longer), "one nanosecond short of its own idle time");
            lookAfter(LOOK_EVERY, caches);
            assertTrue(idle.isIdle(longer));
            longer.close();
            lookAfter(LOOK_EVERY, List.of(shorter, engines));
            assertEquals(IDLE, idle.idleNanosOf(longer), "closed: its own idle time is forgotten");
            assertEquals(IDLE / 2, idle.idleNanosOf(shorter));
            shorter.close();
            engines.close();
        }
    }

    @Test
    void anIdleTimeOfCenturiesNeverComes_andOneNotPositiveIsRefused() {
        try (TestEngine engine = new TestEngine(1 << 20, 0, 4096, null, 0)) {
            IdleCaches never = new IdleCaches(ChronoUnit.FOREVER.getDuration(), nanos::get);
            assertEquals(Long.MAX_VALUE, never.idleNanos());
            TieredCache<Integer, String> cache = cache(engine, "c");
            never.look(List.of(cache));
            nanos.addAndGet(Long.MAX_VALUE / 2);
            never.look(List.of(cache));
            assertFalse(never.isIdle(cache));
            cache.close();
        }
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new IdleCaches(Duration.ZERO, nanos::get));
        assertEquals("idleCacheAfter: PT0S (expected: > 0)", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new IdleCaches(Duration.ofSeconds(-1), nanos::get));
    }
}
