package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The removal listener, case by case: each cause on each tier (a heap object, an off-heap record decoded, a disk
 * record read), who hands removals over and when (the caller's operation, another cache's, execution's reclaim, a
 * maximum set at run time), what a close, a throwing listener, a refusing executor and a failing decode do.
 */
class RemovalListenerTest extends ExpiryFixture {

    /** One removal as the listener heard it. */
    record Told(Integer key, String value, RemovalCause cause) {
    }

    /** Collects removals; thread-safe. */
    static final class Heard {
        final List<Told> told = Collections.synchronizedList(new ArrayList<>());

        void onRemoval(Integer key, String value, RemovalCause cause) {
            told.add(new Told(key, value, cause));
        }

        /** {@return what was heard since the last call} */
        List<Told> take() {
            synchronized (told) {
                List<Told> taken = List.copyOf(told);
                told.clear();
                return taken;
            }
        }
    }

    static Stream<List<Tier>> layouts() {
        return ExpiryFixture.layouts();
    }

    private Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers, Heard heard) {
        return engine.caches.newCache("told", Codecs.int32(), Codecs.utf8()).tiers(tiers.toArray(Tier[]::new))
                .removalListener(heard::onRemoval, Runnable::run).build();
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void replacedRemovedAndClearedValuesAreToldWithTheirCause(List<Tier> tiers) {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, tiers, heard);
            cache.put(1, "one");
            assertEquals(List.of(), heard.take(), "a first put replaces nothing");
            cache.put(1, "uno");                                       // same size: in place where the tier can
            assertEquals(List.of(new Told(1, "one", RemovalCause.REPLACED)), heard.take());
            cache.put(1, "a longer value of key one");                 // another size: a new place
            assertEquals(List.of(new Told(1, "uno", RemovalCause.REPLACED)), heard.take());
            assertEquals("a longer value of key one", cache.putIfAbsent(1, "ignored"));
            assertEquals(List.of(), heard.take(), "a put-if-absent that finds a value replaces nothing");
            assertEquals("a longer value of key one", cache.computeIfAbsent(1, k -> "ignored"));
            assertTrue(cache.remove(1));
            assertEquals(List.of(new Told(1, "a longer value of key one", RemovalCause.EXPLICIT)), heard.take());
            assertTrue(!cache.remove(1));
            assertEquals(List.of(), heard.take(), "a remove of an absent key");
            cache.put(2, "two");
            cache.put(3, "three");
            cache.invalidateAll();
            List<Told> cleared = new ArrayList<>(heard.take());
            cleared.sort(java.util.Comparator.comparing(Told::key));
            assertEquals(List.of(new Told(2, "two", RemovalCause.EXPLICIT),
                    new Told(3, "three", RemovalCause.EXPLICIT)), cleared);
            cache.put(4, "four");
            cache.close();
            assertEquals(List.of(), heard.take(), "a close reports nothing");
        }
    }

    /**
     * A put or remove of a key whose value lies on disk below a memory tier reads that value for the listener: the
     * put installs in the top tier and removes the disk record, and is told the record's value.
     */
    @ParameterizedTest
    @MethodSource("memoryOverDisk")
    void aValueOnDiskBelowAMemoryTierIsReadForTheListener(List<Tier> tiers) {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Tier top = tiers.getFirst();
            Cache<Integer, String> cache = engine.caches.newCache("below", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).maximumSize(top, DataSize.ofKibibytes(8))
                    .promotion(dev.strata.cache.Promotion.NEVER)
                    .removalListener(heard::onRemoval, Runnable::run).build();
            Tiers<Integer, String> impl = ((TieredCache<Integer, String>) cache).tiersImpl();
            cache.put(0, "zero");
            cache.put(1, "one");
            for (int k = 10; k < 200; k++) {
                cache.put(k, TestValues.seededString(k, 200));
            }
            assertTrue(impl.disk().containsKey(impl.encodeKey(0)), "key 0 moved down to disk");
            assertTrue(impl.disk().containsKey(impl.encodeKey(1)), "key 1 moved down to disk");
            assertEquals(List.of(), heard.take(), "moves down are not removals");
            cache.put(0, "zero again");
            assertEquals(List.of(new Told(0, "zero", RemovalCause.REPLACED)), heard.take());
            assertTrue(cache.remove(1));
            assertEquals(List.of(new Told(1, "one", RemovalCause.EXPLICIT)), heard.take());
            cache.close();
        }
    }

    /**
     * The disk store's own eviction, which takes no stripe monitor, may drop a key's record between a put's or a
     * remove's read of it and their removal of it; the eviction then tells it (SIZE), and the put or remove must not
     * tell it again. A hook evicts every disk segment right after the read.
     */
    @ParameterizedTest
    @MethodSource("overDisk")
    void aDiskValueEvictedAfterItWasReadIsToldOnce(List<Tier> tiers) {
        for (boolean remove : new boolean[] {false, true}) {
            Heard heard = new Heard();
            try (TestEngine engine = engine()) {
                Cache.Builder<Integer, String> builder = engine.caches.newCache("raced", Codecs.int32(),
                        Codecs.utf8()).tiers(tiers.toArray(Tier[]::new)).promotion(dev.strata.cache.Promotion.NEVER)
                        .removalListener(heard::onRemoval, Runnable::run);
                if (tiers.size() > 1) {
                    builder.maximumSize(tiers.getFirst(), DataSize.ofKibibytes(8));
                }
                Cache<Integer, String> cache = builder.build();
                Tiers<Integer, String> impl = ((TieredCache<Integer, String>) cache).tiersImpl();
                cache.put(0, "zero");
                for (int k = 10; k < 200 && tiers.size() > 1; k++) {
                    cache.put(k, TestValues.seededString(k, 200));
                }
                assertTrue(impl.disk().containsKey(impl.encodeKey(0)), "key 0 on disk");
                heard.take();
                AtomicBoolean once = new AtomicBoolean();
                impl.removals.afterDiskValueRead = () -> {
                    if (once.compareAndSet(false, true)) {
                        while (impl.disk().evictOldest() >= 0) {
                            // every segment, key 0's among them
                        }
                    }
                };
                if (remove) {
                    assertTrue(!cache.remove(0), "the eviction removed it first");
                } else {
                    cache.put(0, "zero again");
                }
                impl.removals.afterDiskValueRead = null;
                List<Told> told = heard.take().stream().filter(t -> t.key() == 0).toList();
                assertEquals(List.of(new Told(0, "zero", RemovalCause.SIZE)), told, (remove ? "remove" : "put"));
                cache.close();
            }
        }
    }

    static Stream<List<Tier>> overDisk() {
        return Stream.of(List.of(Tier.DISK), List.of(Tier.HEAP, Tier.DISK), List.of(Tier.OFF_HEAP, Tier.DISK));
    }

    static Stream<List<Tier>> memoryOverDisk() {
        return Stream.of(List.of(Tier.HEAP, Tier.DISK), List.of(Tier.OFF_HEAP, Tier.DISK));
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void expiredValuesAreToldAsExpiredWhateverRemovesThem(List<Tier> tiers) {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("expiring", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterWrite(Duration.ofSeconds(10)).clock(clock)
                    .removalListener(heard::onRemoval, Runnable::run).build();
            cache.put(1, "read after it expired");
            cache.put(2, "removed after it expired");
            cache.put(3, "replaced after it expired");
            clock.advance(Duration.ofSeconds(11).toMillis());
            assertNull(cache.get(1));
            assertEquals(List.of(new Told(1, "read after it expired", RemovalCause.EXPIRED)), heard.take());
            cache.remove(2);
            assertEquals(List.of(new Told(2, "removed after it expired", RemovalCause.EXPIRED)), heard.take());
            cache.put(3, "new");
            assertEquals(List.of(new Told(3, "replaced after it expired", RemovalCause.EXPIRED)), heard.take());
            cache.close();
        }
    }

    /** A value whose time to live is zero is accepted and gone at once: told as expired, the older one as replaced. */
    @Test
    void aValueExpiredAtOnceIsToldAsExpired() {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("at-once", Codecs.int32(), Codecs.utf8())
                    .expireAfterWrite((k, v) -> v.startsWith("gone") ? Duration.ZERO : Duration.ofMinutes(1))
                    .clock(clock).removalListener(heard::onRemoval, Runnable::run).build();
            cache.put(1, "kept");
            cache.put(1, "gone at once");
            assertEquals(List.of(new Told(1, "kept", RemovalCause.REPLACED),
                    new Told(1, "gone at once", RemovalCause.EXPIRED)), heard.take());
            assertNull(cache.get(1));
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void theLowestTierToldWhatItEvictedWithTheRightValues(List<Tier> tiers) throws InterruptedException {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("full", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).removalListener(heard::onRemoval, Runnable::run);
            if (tiers.contains(Tier.DISK)) {
                builder.maximumSize(Tier.DISK, DataSize.ofMebibytes(1));
            }
            Cache<Integer, String> cache = builder.build();
            int puts = tiers.contains(Tier.DISK) ? 3000 : 600;
            for (int k = 0; k < puts; k++) {
                cache.put(k, TestValues.seededString(k, 700));
            }
            if (tiers.contains(Tier.DISK)) {
                engine.awaitCompactorIdle();
            }
            List<Told> told = heard.take();
            assertTrue(!told.isEmpty(), "evictions told");
            for (Told t : told) {
                assertEquals(RemovalCause.SIZE, t.cause(), t.key() + " " + t.cause());
                assertEquals(TestValues.seededString(t.key(), 700), t.value(), "value of " + t.key());
                assertNull(cache.get(t.key()), "an evicted key " + t.key() + " is gone");
            }
            assertEquals(puts, told.size() + cache.size(), "every put either told evicted or still held");
            cache.close();
        }
    }

    /**
     * Entries of a cache with a listener that another cache's puts take the memory of (its share) are told before
     * that other cache's put returns, though the cache with the listener sees no operation.
     */
    @Test
    void anotherCachesPutHandsOverTheRemovalsItMade() {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> listened = cache(engine, List.of(Tier.HEAP), heard);
            Cache<Integer, String> other = engine.caches.newCache("other", Codecs.int32(), Codecs.utf8()).build();
            int k = 0;
            while (heard.told.isEmpty() && k < 1000) {
                listened.put(k, TestValues.seededString(k, 500));
                k++;
            }
            heard.take();                                  // it filled the heap and evicted its own
            long held = listened.size();
            for (int j = 0; j < 2000 && heard.told.isEmpty(); j++) {
                other.put(j, TestValues.seededString(j, 500));
            }
            List<Told> told = heard.take();
            assertTrue(!told.isEmpty(), "the other cache's puts evicted the listened cache's entries");
            assertTrue(listened.size() < held);
            for (Told t : told) {
                assertEquals(new Told(t.key(), TestValues.seededString(t.key(), 500), RemovalCause.SIZE), t);
            }
            listened.close();
            other.close();
        }
    }

    @Test
    void executionReclaimAndASmallerMaximumHandOverTheirRemovals() throws InterruptedException {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.HEAP), heard);
            for (int k = 0; k < 180; k++) {                 // more than half the region: storage borrows
                cache.put(k, TestValues.seededString(k, 500));
            }
            assertTrue(engine.memory.state(MemoryMode.ON_HEAP).storageBorrowedBytes() > 0);
            heard.take();
            long granted = engine.memory.acquireExecutionMemory(REGION, 1, MemoryMode.ON_HEAP);
            assertTrue(granted > 0);
            List<Told> reclaimed = heard.take();
            assertTrue(!reclaimed.isEmpty(), "execution's reclaim evicted entries and handed them over");
            engine.memory.releaseAllExecutionMemory(1);
            long before = cache.size();
            cache.setMaximumSize(Tier.HEAP, DataSize.ofKibibytes(8));
            List<Told> shrunk = heard.take();
            assertEquals(before - cache.size(), shrunk.size(), "every entry the smaller maximum evicted, told");
            for (Told t : Stream.concat(reclaimed.stream(), shrunk.stream()).toList()) {
                assertEquals(new Told(t.key(), TestValues.seededString(t.key(), 500), RemovalCause.SIZE), t);
            }
            cache.close();
        }
    }

    /**
     * A put no tier has room for (execution holds the heap) stores nothing: the key's old value is told as replaced,
     * the new one as evicted at once.
     */
    @Test
    void aPutNoTierHasRoomForIsToldEvictedAtOnce() throws InterruptedException {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = cache(engine, List.of(Tier.HEAP), heard);
            cache.put(1, "small");
            long granted = engine.memory.acquireExecutionMemory(REGION, 1, MemoryMode.ON_HEAP);
            assertTrue(granted > REGION / 2, "granted " + granted);
            String large = TestValues.seededString(1, 40_000);
            cache.put(1, large);
            assertNull(cache.get(1), "nothing stored");
            assertEquals(List.of(new Told(1, "small", RemovalCause.REPLACED), new Told(1, large, RemovalCause.SIZE)),
                    heard.take());
            engine.memory.releaseAllExecutionMemory(1);
            cache.close();
        }
    }

    /** With a direct executor the listener runs outside the cache's locks: it may write to this cache and another. */
    @Test
    void aListenerMayCallTheCache() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> second = engine.caches.newCache("second", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.OFF_HEAP).build();
            @SuppressWarnings("unchecked")
            Cache<Integer, String>[] first = new Cache[1];
            first[0] = engine.caches.newCache("first", Codecs.int32(), Codecs.utf8()).tiers(Tier.HEAP)
                    .maximumSize(Tier.HEAP, DataSize.ofKibibytes(16))
                    .removalListener((Integer key, String value, RemovalCause cause) -> {
                        if (cause == RemovalCause.SIZE) {
                            second.put(key, value);            // a second level for what the first evicts
                        } else if (cause == RemovalCause.EXPLICIT && key < 1000) {
                            first[0].put(key + 1000, value);   // a tombstone of sorts, in the same cache
                        }
                    }, Runnable::run).build();
            for (int k = 0; k < 200; k++) {
                first[0].put(k, TestValues.seededString(k, 300));
            }
            long inSecond = second.size();
            assertTrue(inSecond > 0, "evicted entries reached the second cache");
            assertEquals(200, first[0].size() + inSecond);
            assertTrue(first[0].remove(199));
            assertEquals(TestValues.seededString(199, 300), first[0].get(1199));
            first[0].close();
            second.close();
        }
    }

    @Test
    void aThrowingListenerDoesNotFailTheOperationOrStopLaterRemovals() {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("throws", Codecs.int32(), Codecs.utf8())
                    .removalListener((Integer key, String value, RemovalCause cause) -> {
                        heard.onRemoval(key, value, cause);
                        throw new IllegalStateException("listener bug");
                    }, Runnable::run).build();
            cache.put(1, "a");
            cache.put(1, "b");
            assertTrue(cache.remove(1));
            assertEquals(List.of(new Told(1, "a", RemovalCause.REPLACED), new Told(1, "b", RemovalCause.EXPLICIT)),
                    heard.take());
            cache.close();
        }
    }

    @Test
    void anExecutorThatRefusesLosesOnlyTheReport() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("refused", Codecs.int32(), Codecs.utf8())
                    .removalListener((Integer key, String value, RemovalCause cause) -> { }, task -> {
                        throw new RejectedExecutionException("shut down");
                    }).build();
            cache.put(1, "a");
            cache.put(1, "b");
            assertEquals("b", cache.get(1));
            assertTrue(cache.remove(1));
            cache.close();
        }
    }

    /** The default executor is the common pool: the listener runs there, not in the caller's thread. */
    @Test
    void theDefaultExecutorIsTheCommonPool() throws InterruptedException {
        CountDownLatch told = new CountDownLatch(1);
        Thread caller = Thread.currentThread();
        AtomicBoolean inCaller = new AtomicBoolean();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("pooled", Codecs.int32(), Codecs.utf8())
                    .removalListener((Integer key, String value, RemovalCause cause) -> {
                        inCaller.set(Thread.currentThread() == caller);
                        told.countDown();
                    }).build();
            cache.put(1, "a");
            cache.remove(1);
            assertTrue(told.await(60, TimeUnit.SECONDS), "told on the common pool");
            assertTrue(!inCaller.get(), "not in the caller's thread");
            cache.close();
        }
    }

    /** A value that cannot be decoded for the listener is counted as an error; the removal itself goes on. */
    @Test
    void aDecodeThatThrowsIsCountedAndNotTold() {
        Heard heard = new Heard();
        AtomicBoolean broken = new AtomicBoolean();
        Codec<String> codec = new DelegatingCodec<>(Codecs.utf8()) {
            @Override
            public String decode(MemorySegment source, long offset, int length) {
                if (broken.get()) {
                    throw new IllegalArgumentException("cannot decode");
                }
                return super.decode(source, offset, length);
            }
        };
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("undecodable", Codecs.int32(), codec)
                    .tiers(Tier.OFF_HEAP).removalListener(heard::onRemoval, Runnable::run).build();
            cache.put(1, "a");
            cache.put(2, "b");
            broken.set(true);
            assertTrue(cache.remove(1));
            assertEquals(List.of(), heard.take());
            assertEquals(1, cache.stats().errors());
            broken.set(false);
            assertNull(cache.get(1));
            assertTrue(cache.remove(2));
            assertEquals(List.of(new Told(2, "b", RemovalCause.EXPLICIT)), heard.take());
            cache.close();
        }
    }

    /** A persistent cache reopened with a listener is told of the entries its files held when it clears them. */
    @Test
    void aReopenedPersistentCacheTellsWhatItsClearRemoves() {
        Heard heard = new Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("kept", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(true).build();
            for (int k = 0; k < 50; k++) {
                cache.put(k, "value " + k);
            }
            cache.close();
        }
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("kept", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.DISK).persistent(true).removalListener(heard::onRemoval, Runnable::run).build();
            assertEquals(50, cache.size());
            cache.invalidateAll();
            List<Told> told = new ArrayList<>(heard.take());
            told.sort(java.util.Comparator.comparing(Told::key));
            assertEquals(50, told.size());
            for (int k = 0; k < 50; k++) {
                assertEquals(new Told(k, "value " + k, RemovalCause.EXPLICIT), told.get(k));
            }
            assertEquals(0, cache.size());
            cache.close();
        }
    }

    @Test
    void theBuilderRefusesNulls() {
        try (TestEngine engine = engine()) {
            Cache.Builder<Integer, String> builder = engine.caches.newCache("nulls", Codecs.int32(), Codecs.utf8());
            assertEquals("listener", assertThrows(NullPointerException.class,
                    () -> builder.removalListener(null)).getMessage());
            assertEquals("executor", assertThrows(NullPointerException.class,
                    () -> builder.removalListener((k, v, c) -> { }, null)).getMessage());
        }
    }
}
