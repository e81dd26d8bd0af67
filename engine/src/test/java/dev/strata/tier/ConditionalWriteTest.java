package dev.strata.tier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.DataSize;
import dev.strata.MemoryMode;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.cache.Promotion;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conditional writes ({@code replace}, {@code remove(key, value)}, {@code compute}, {@code computeIfPresent},
 * {@code merge}), case by case: against a value on each tier (a heap object, an off-heap record decoded, a disk record
 * read), how values compare (arrays by contents, a type without {@code equals} by its encoding), what a failing
 * comparison, an expired value, a value expired at once and a put no tier has room for do, and what a removal listener
 * is told. The model tests run them at random against a map; {@link ConditionalRaceTest} runs them in threads.
 */
class ConditionalWriteTest extends ExpiryFixture {

    private static final Duration TTL = Duration.ofSeconds(10);

    /** A value that does not override {@code equals}: two copies are the same only by their encoding. */
    static final class Box implements Serializable {
        final int n;

        Box(int n) {
            this.n = n;
        }
    }

    /** The cache's layout, and the tier the key's value is pushed down to before each conditional write. */
    static Stream<Arguments> placements() {
        return Stream.of(Arguments.of(List.of(Tier.HEAP), Tier.HEAP),
                Arguments.of(List.of(Tier.OFF_HEAP), Tier.OFF_HEAP),
                Arguments.of(List.of(Tier.DISK), Tier.DISK),
                Arguments.of(List.of(Tier.HEAP, Tier.OFF_HEAP), Tier.OFF_HEAP),
                Arguments.of(List.of(Tier.HEAP, Tier.DISK), Tier.DISK),
                Arguments.of(List.of(Tier.OFF_HEAP, Tier.DISK), Tier.DISK),
                Arguments.of(List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK), Tier.OFF_HEAP),
                Arguments.of(List.of(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK), Tier.DISK));
    }

    static Stream<List<Tier>> encodedTiers() {
        return Stream.of(List.of(Tier.OFF_HEAP), List.of(Tier.DISK));
    }

    static Stream<List<Tier>> singleTiers() {
        return Stream.of(List.of(Tier.HEAP), List.of(Tier.OFF_HEAP), List.of(Tier.DISK));
    }

    /** {@return a builder of {@code tiers} whose upper tiers hold 8 KiB each and promote nothing} */
    private static <V> Cache.Builder<Integer, V> builder(TestEngine engine, List<Tier> tiers, Codec<V> values) {
        Cache.Builder<Integer, V> builder = engine.caches.newCache("conditional", Codecs.int32(), values)
                .tiers(tiers.toArray(Tier[]::new)).promotion(Promotion.NEVER);
        for (Tier tier : tiers.subList(0, tiers.size() - 1)) {
            builder.maximumSize(tier, DataSize.ofKibibytes(8));
        }
        return builder;
    }

    /** {@return the tier holding {@code key}'s value, or null} One thread: the answer stays true while it runs. */
    static <V> Tier tierHolding(TieredCache<Integer, V> cache, int key) {
        Tiers<Integer, V> tiers = cache.tiersImpl();
        int hash = KeyIndex.hash(key);
        Stripe stripe = tiers.index.stripe(hash);
        synchronized (stripe) {
            if (tiers.nodeOf(stripe, key, hash) != null) {
                return Tier.HEAP;
            }
            if (tiers.recordOf(stripe, key, hash, null, null, 0, tiers.keyCodec.encodedSize(key)) >= 0) {
                return Tier.OFF_HEAP;
            }
        }
        return tiers.disk() != null && tiers.disk().containsKey(tiers.encodeKey(key)) ? Tier.DISK : null;
    }

    /**
     * Puts {@code value} under {@code key}, a new key (so the tiers' S3-FIFO queues take it for a one-off and move it
     * down first), then puts other keys until the value has moved down to {@code where}.
     */
    private static <V> void place(Cache<Integer, V> cache, int key, V value, Tier where, V filler, int[] next) {
        TieredCache<Integer, V> impl = (TieredCache<Integer, V>) cache;
        cache.put(key, value);
        for (int i = 0; i < 5000 && tierHolding(impl, key) != where; i++) {
            cache.put(next[0]++, filler);
        }
        assertEquals(where, tierHolding(impl, key), "the value of " + key + " was pushed down");
    }

    /** Each conditional write on a key of its own, whose value was pushed down to {@code where} first. */
    @ParameterizedTest
    @MethodSource("placements")
    void conditionalWritesCompareWithTheValueWhereverItLies(List<Tier> tiers, Tier where) {
        RemovalListenerTest.Heard heard = new RemovalListenerTest.Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = builder(engine, tiers, Codecs.utf8())
                    .removalListener(heard::onRemoval, Runnable::run).build();
            TieredCache<Integer, String> impl = (TieredCache<Integer, String>) cache;
            String filler = TestValues.seededString(7, 300);
            int[] next = {1000};
            Tier top = tiers.getFirst();

            assertNull(cache.replace(1, "one"), "no value to replace");
            assertFalse(cache.containsKey(1), "a replace of an absent key stores nothing");
            place(cache, 1, "one", where, filler, next);
            assertFalse(cache.replace(1, "uno", "x"), "another value expected");
            assertFalse(cache.remove(1, "uno"), "another value expected");
            assertEquals(where, tierHolding(impl, 1), "a failed condition changes nothing");
            assertEquals("one", cache.replace(1, "uno"), "the value replaced, read where it lay");
            assertEquals(top, tierHolding(impl, 1), "the new value lands as a put's does");
            assertEquals("uno", cache.get(1));

            place(cache, 2, "dos", where, filler, next);
            assertTrue(cache.replace(2, new String("dos"), "tres"), "an equal value, not the same object");
            assertEquals("tres", cache.get(2));

            place(cache, 3, "cuatro", where, filler, next);
            assertTrue(cache.remove(3, "cuatro"));
            assertNull(tierHolding(impl, 3), "removed from every tier");
            assertNull(cache.get(3));

            place(cache, 4, "5", where, filler, next);
            assertEquals("5+1", cache.merge(4, "+1", String::concat));
            assertEquals("5+1", cache.get(4));
            place(cache, 5, "6", where, filler, next);
            assertEquals("6!", cache.compute(5, (k, v) -> v + "!"));
            assertEquals("6!", cache.get(5));
            place(cache, 6, "7", where, filler, next);
            assertNull(cache.computeIfPresent(6, (k, v) -> null), "a null result removes the key");
            assertNull(tierHolding(impl, 6));

            List<RemovalListenerTest.Told> toldOfKeys = heard.take().stream().filter(t -> t.key() < 1000).toList();
            assertEquals(List.of(told(1, "one", RemovalCause.REPLACED), told(2, "dos", RemovalCause.REPLACED),
                    told(3, "cuatro", RemovalCause.EXPLICIT), told(4, "5", RemovalCause.REPLACED),
                    told(5, "6", RemovalCause.REPLACED), told(6, "7", RemovalCause.EXPLICIT)), toldOfKeys,
                    "a replace tells the old value replaced, a conditional remove explicit, a failed one nothing");
            assertEquals(0, cache.stats().errors());
            cache.close();
        }
    }

    private static RemovalListenerTest.Told told(int key, String value, RemovalCause cause) {
        return new RemovalListenerTest.Told(key, value, cause);
    }

    @ParameterizedTest
    @MethodSource("singleTiers")
    void arraysCompareByContentsAndOtherTypesByTheirEncoding(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> bytes = builder(engine, tiers, Codecs.bytes()).build();
            bytes.put(1, new byte[] {1, 2, 3});
            assertFalse(bytes.replace(1, new byte[] {1, 2}, new byte[] {9}));
            assertTrue(bytes.replace(1, new byte[] {1, 2, 3}, new byte[] {4}), "a copy of the array");
            assertFalse(bytes.remove(1, new byte[] {5}));
            assertTrue(bytes.remove(1, new byte[] {4}));
            assertNull(bytes.get(1));
            bytes.close();

            Cache<Integer, Box> boxes = engine.caches.newCache("boxes", Codecs.int32(),
                    Codecs.javaSerialization(Box.class)).tiers(tiers.toArray(Tier[]::new)).build();
            boxes.put(1, new Box(1));
            assertFalse(boxes.replace(1, new Box(2), new Box(3)));
            assertTrue(boxes.replace(1, new Box(1), new Box(2)), "a box of the same contents encodes the same");
            Box merged = boxes.merge(1, new Box(5), (a, b) -> new Box(a.n + b.n));
            assertEquals(7, merged.n);
            assertEquals(7, boxes.get(1).n);
            assertTrue(boxes.remove(1, new Box(7)));
            assertNull(boxes.get(1));
            boxes.close();
        }
    }

    /**
     * A codec for {@link Box} that writes a fresh sequence number after the box's number each time it encodes: a box
     * never encodes to the same bytes twice, so, without {@code equals}, no box is ever the same as another, not even
     * as its own decoded copy.
     */
    static final class StampingBoxes implements Codec<Box> {
        private final java.util.concurrent.atomic.AtomicLong encodes = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public int encodedSize(Box value) {
            return 12;
        }

        @Override
        public void encode(Box value, MemorySegment target, long offset) {
            target.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, offset, value.n);
            target.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, offset + 4, encodes.incrementAndGet());
        }

        @Override
        public Box decode(MemorySegment source, long offset, int length) {
            return new Box(source.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, offset));
        }
    }

    /**
     * A compute compares the key's place and version, not its value: it ends, and counts right, for values that are
     * never the same as anything, where {@code replace(key, old, new)}, which compares values, finds no match.
     */
    @ParameterizedTest
    @MethodSource("singleTiers")
    void aComputeNeedsNoEqualValues(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, Box> cache = builder(engine, tiers, new StampingBoxes()).build();
            cache.put(1, new Box(0));
            for (int i = 1; i <= 100; i++) {
                assertEquals(i, cache.merge(1, new Box(1), (a, b) -> new Box(a.n + b.n)).n);
            }
            assertEquals(101, cache.compute(1, (k, v) -> new Box(v.n + 1)).n);
            assertEquals(101, cache.get(1).n);
            Box read = cache.get(1);
            assertEquals(tiers.getFirst() == Tier.HEAP, cache.replace(1, read, new Box(0)),
                    "on the heap the value read is the object itself; elsewhere a copy that matches nothing");
            assertNull(cache.computeIfPresent(1, (k, v) -> null));
            assertNull(cache.get(1));
            cache.close();
        }
    }

    /** A codec whose decodes throw while {@link #failing} is set. */
    static final class FailingDecodes extends DelegatingCodec<String> {
        final AtomicBoolean failing = new AtomicBoolean();

        FailingDecodes() {
            super(Codecs.utf8());
        }

        @Override
        public String decode(MemorySegment source, long offset, int length) {
            if (failing.get()) {
                throw new IllegalStateException("decode refused by the test");
            }
            return super.decode(source, offset, length);
        }
    }

    /**
     * A decode that throws for the comparison (an off-heap record's, a disk record's) fails the operation with its
     * exception, and changes nothing.
     */
    @ParameterizedTest
    @MethodSource("encodedTiers")
    void aComparisonThatThrowsChangesNothing(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            FailingDecodes codec = new FailingDecodes();
            Cache<Integer, String> cache = builder(engine, tiers, codec).build();
            cache.put(1, "one");
            codec.failing.set(true);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> cache.replace(1, "one", "uno"));
            assertEquals("decode refused by the test", e.getMessage());
            assertThrows(IllegalStateException.class, () -> cache.remove(1, "one"));
            assertThrows(IllegalStateException.class, () -> cache.replace(1, "uno"));
            assertThrows(IllegalStateException.class, () -> cache.merge(1, "!", String::concat));
            codec.failing.set(false);
            assertEquals("one", cache.get(1), "nothing changed");
            cache.close();
        }
    }

    /** A heap value whose {@code equals} throws fails the comparison the same way. */
    @Test
    void anEqualsThatThrowsChangesNothing() {
        record Touchy(int n) implements Serializable {
            @Override
            public boolean equals(Object other) {
                throw new UnsupportedOperationException("equals refused by the test");
            }

            @Override
            public int hashCode() {
                return n;
            }
        }
        try (TestEngine engine = engine()) {
            Cache<Integer, Touchy> cache = engine.caches.newCache("touchy", Codecs.int32(),
                    Codecs.javaSerialization(Touchy.class)).tiers(Tier.HEAP).build();
            Touchy one = new Touchy(1);
            cache.put(1, one);
            assertThrows(UnsupportedOperationException.class, () -> cache.replace(1, new Touchy(1), new Touchy(2)));
            assertSame(one, cache.get(1), "nothing changed");
            cache.close();
        }
    }

    /** An expired value counts as none: nothing to replace or remove, and compute sees null. */
    @ParameterizedTest
    @MethodSource("layouts")
    void anExpiredValueIsNoValue(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("ttl", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).expireAfterWrite(TTL).clock(clock).build();
            cache.put(1, "one");
            cache.put(2, "two");
            clock.advance(TTL.toMillis() - 1);
            assertEquals("two", cache.replace(2, "dos"), "a replace is a write: the time to live starts again");
            clock.advance(1);
            assertNull(cache.replace(1, "uno"));
            assertFalse(cache.replace(1, "one", "uno"));
            assertFalse(cache.remove(1, "one"));
            assertNull(cache.computeIfPresent(1, (k, v) -> "never called"));
            List<String> seen = new ArrayList<>();
            assertEquals("new", cache.compute(1, (k, v) -> {
                seen.add(v);
                return "new";
            }));
            assertEquals(java.util.Collections.singletonList(null), seen, "compute saw no value");
            assertEquals("dos", cache.get(2));
            assertTrue(cache.replace(2, "dos", "tres"));
            clock.advance(TTL.toMillis() - 1);
            assertEquals("new", cache.merge(1, "ignored", (a, b) -> a), "computed just under its TTL ago: live");
            assertEquals("tres", cache.get(2));
            cache.close();
        }
    }

    /** A replace by a value whose time to live is zero removes the old value, as a put of it would. */
    @ParameterizedTest
    @MethodSource("layouts")
    void aReplaceByAValueExpiredAtOnceRemovesTheOldOne(List<Tier> tiers) {
        RemovalListenerTest.Heard heard = new RemovalListenerTest.Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("at-once", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).clock(clock)
                    .expireAfterWrite((k, v) -> v.startsWith("gone") ? Duration.ZERO : TTL)
                    .removalListener(heard::onRemoval, Runnable::run).build();
            assertNull(cache.replace(1, "gone"), "nothing to replace");
            cache.put(1, "one");
            assertFalse(cache.replace(1, "other", "gone"));
            assertEquals("one", cache.get(1));
            assertTrue(cache.replace(1, "one", "gone at once"));
            assertNull(cache.get(1));
            assertFalse(cache.containsKey(1));
            assertEquals(List.of(told(1, "one", RemovalCause.REPLACED),
                    told(1, "gone at once", RemovalCause.EXPIRED)),
                    heard.take());
            cache.close();
        }
    }

    /** A replace that no tier has room for stores nothing, as a put does, but only if its condition holds. */
    @Test
    void aReplaceNoTierHasRoomForDropsTheOldValueOnlyIfItMatched() throws InterruptedException {
        RemovalListenerTest.Heard heard = new RemovalListenerTest.Heard();
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("no-room", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP).removalListener(heard::onRemoval, Runnable::run).build();
            cache.put(1, "small");
            long granted = engine.memory.acquireExecutionMemory(REGION, 1, MemoryMode.ON_HEAP);
            assertTrue(granted > REGION / 2, "granted " + granted);
            String large = TestValues.seededString(1, 40_000);
            assertFalse(cache.replace(1, "other", large));
            assertEquals("small", cache.get(1), "the condition failed: the old value stays");
            assertTrue(cache.replace(1, "small", large));
            assertNull(cache.get(1), "nothing stored");
            assertEquals(List.of(told(1, "small", RemovalCause.REPLACED), told(1, large, RemovalCause.SIZE)),
                    heard.take());
            engine.memory.releaseAllExecutionMemory(1);
            cache.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void computeAndMergeFollowTheMapContract(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("remap", Codecs.int32(), Codecs.utf8())
                    .tiers(tiers.toArray(Tier[]::new)).build();
            assertNull(cache.compute(1, (k, v) -> null), "absent and null: nothing to do");
            assertFalse(cache.containsKey(1));
            assertNull(cache.computeIfPresent(1, (k, v) -> {
                throw new AssertionError("not called for an absent key");
            }));
            assertEquals("a", cache.merge(1, "a", (x, y) -> {
                throw new AssertionError("not called for an absent key");
            }));
            assertEquals("ab", cache.merge(1, "b", String::concat));
            assertEquals("ab1", cache.compute(1, (k, v) -> v + k));
            assertEquals("ab1!", cache.computeIfPresent(1, (k, v) -> v + "!"));
            assertNull(cache.merge(1, "x", (x, y) -> null), "a null merge removes the key");
            assertFalse(cache.containsKey(1));
            cache.put(2, "two");
            IllegalStateException thrown = new IllegalStateException("remapping refused by the test");
            assertSame(thrown, assertThrows(IllegalStateException.class, () -> cache.compute(2, (k, v) -> {
                throw thrown;
            })));
            assertEquals("two", cache.get(2), "a remapping that threw changes nothing");
            CacheStats before = cache.stats();
            cache.compute(2, (k, v) -> v);
            cache.computeIfPresent(3, (k, v) -> v);
            cache.merge(2, "x", (x, y) -> x);
            CacheStats after = cache.stats();
            assertEquals(before.hits(), after.hits(), "the remappings' looks are no hits");
            assertEquals(before.misses(), after.misses(), "nor misses");
            cache.close();
        }
    }

    @Test
    void badArgumentsAndAClosedCacheAreRefused() {
        try (TestEngine engine = engine()) {
            Cache<Integer, String> cache = engine.caches.newCache("bad", Codecs.int32(), Codecs.utf8())
                    .tiers(Tier.HEAP).build();
            BiFunction<Integer, String, String> same = (k, v) -> v;
            assertThrows(NullPointerException.class, () -> cache.replace(null, "v"));
            assertThrows(NullPointerException.class, () -> cache.replace(1, null));
            assertThrows(NullPointerException.class, () -> cache.replace(null, "a", "b"));
            assertThrows(NullPointerException.class, () -> cache.replace(1, null, "b"));
            assertThrows(NullPointerException.class, () -> cache.replace(1, "a", null));
            assertThrows(NullPointerException.class, () -> cache.remove(null, "a"));
            assertThrows(NullPointerException.class, () -> cache.remove(1, null));
            assertThrows(NullPointerException.class, () -> cache.compute(null, same));
            assertThrows(NullPointerException.class, () -> cache.compute(1, null));
            assertThrows(NullPointerException.class, () -> cache.computeIfPresent(1, null));
            assertThrows(NullPointerException.class, () -> cache.merge(1, null, String::concat));
            assertThrows(NullPointerException.class, () -> cache.merge(1, "v", null));
            assertThrows(dev.strata.cache.ValueTooLargeException.class,
                    () -> cache.replace(1, TestValues.seededString(1, 1 << 20)));
            cache.close();
            assertThrows(IllegalStateException.class, () -> cache.replace(1, "v"));
            assertThrows(IllegalStateException.class, () -> cache.replace(1, "a", "b"));
            assertThrows(IllegalStateException.class, () -> cache.remove(1, "a"));
            assertThrows(IllegalStateException.class, () -> cache.compute(1, same));
            assertThrows(IllegalStateException.class, () -> cache.computeIfPresent(1, same));
            assertThrows(IllegalStateException.class, () -> cache.merge(1, "v", String::concat));
        }
    }

    @ParameterizedTest
    @MethodSource("singleTiers")
    void aReplacedArrayIsHandedBackWithItsContents(List<Tier> tiers) {
        try (TestEngine engine = engine()) {
            Cache<Integer, byte[]> cache = builder(engine, tiers, Codecs.bytes()).build();
            cache.put(1, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, cache.replace(1, new byte[] {4}));
            assertArrayEquals(new byte[] {4}, cache.get(1));
            cache.close();
        }
    }
}
