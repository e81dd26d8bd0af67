package dev.strata.tier;

import static dev.strata.tier.SelfCheckingValues.checkWhole;
import static dev.strata.tier.SelfCheckingValues.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.codec.Codec;
import dev.strata.codec.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A spill stopped half way (parked on a latch, as a slow encode or a slow disk would stop it) must not
 * stop readers or writers of other keys, not even keys of the spilling entry's own stripe. The spill is parked at the
 * two points where a move down does its slow work: heap to off-heap while it encodes the value, and off-heap to disk
 * just before it writes the record to the segment file (the key marked as spilling, no monitor held: a writer of that
 * key alone waits, whichever way it writes, and wins once the spill is done; the other writers' puts may spill records
 * of the same stripe beside it). The readers and writers run in their own thread; the test fails if they have not
 * finished while the spill is still parked (the wait only detects a hang: a minute).
 */
class SpillIsolationTest {

    private static final int SIZE = 1000;
    private static final long HANG = TimeUnit.MINUTES.toMillis(1);

    @TempDir
    Path dir;

    @Test
    void readersAndWritersOfOtherKeysPassAHeapSpillParkedInItsEncode() throws Exception {
        Parking<byte[]> values = Parking.values(0);            // key 0's value parks when it is encoded
        try (TestEngine engine = new TestEngine(64 * 1024, 1 << 20, 64 * 1024, null, 0)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("heap-spill", Codecs.int32(), values.codec)
                    .tiers(Tier.HEAP, Tier.OFF_HEAP).build();
            List<Integer> neighbours = sameStripeAs(cache, 0, 3);
            List<Integer> keys = prefill(neighbours, 8);
            Thread spiller = values.spill(cache, Tier.HEAP, keys);
            runBesideTheParkedSpill(spiller, values, () -> {
                checkReadable(cache, keys);                    // key 0 included: its value is still on the heap
                for (int key : neighbours) {                    // same-weight overwrites take the stripe monitor
                    cache.put(key, value(key, 2, SIZE));
                    assertArrayEquals(value(key, 2, SIZE), cache.get(key));
                }
                assertNull(cache.get(absentKeyIn(cache, 0)), "a miss in the spilling key's stripe");
            });
            assertEquals(1, checkWhole(0, cache.get(0)), "the parked entry, moved down");
            assertTrue(cache.stats().tier(Tier.HEAP).demotions() > 0);
            cache.close();
        }
    }

    /**
     * What the test's second writer does to the spilling key itself; each way must wait for the spill, then win. Only
     * the first runs with the built-in bytes codec, which lets a same-size put overwrite in place; the others run with
     * a user codec, so that their puts take the path they name rather than first trying to overwrite in place.
     */
    enum OwnWrite {
        /** A value of the same size: written over the record being copied, if it did not wait. */
        OVERWRITE_IN_PLACE(SIZE),
        /** A larger value: a new record, published over the spilling one. */
        NEW_RECORD(2 * SIZE),
        /** A value too large for the off-heap tier: written to disk at once, beside the spill's own write. */
        STRAIGHT_TO_DISK(48 * 1024),
        /** A remove. */
        REMOVE(0);

        final int size;

        OwnWrite(int size) {
            this.size = size;
        }

        /** {@return the value codec of the cache: see the enum's comment} */
        Codec<byte[]> valueCodec() {
            return this == OVERWRITE_IN_PLACE ? Codecs.bytes() : new DelegatingCodec<>(Codecs.bytes());
        }

        /** Applies this write to key 0. {@return the value key 0 must then have, or null} */
        byte[] apply(Cache<Integer, byte[]> cache) {
            if (this == REMOVE) {
                cache.remove(0);
                return null;
            }
            cache.put(0, value(0, 3, size));
            return value(0, 3, size);
        }
    }

    @ParameterizedTest(name = "the spilling key's own writer: {0}")
    @EnumSource(OwnWrite.class)
    void readersAndWritersOfOtherKeysPassADiskSpillParkedBeforeItsWrite(OwnWrite own) throws Exception {
        Parking<Integer> keysCodec = Parking.diskWrites();     // key 0's spill parks just before its disk write
        try (TestEngine engine = new TestEngine(1 << 20, 256 * 1024, 64 * 1024, dir, 64L << 20)) {
            Cache<Integer, byte[]> cache = engine.caches.newCache("disk-spill", keysCodec.codec, own.valueCodec())
                    .tiers(Tier.OFF_HEAP, Tier.DISK).build();
            ((TieredCache<Integer, byte[]>) cache).tiersImpl().offHeapPlacement.beforeSpillWrite =
                    keysCodec.parkingOnKey(0);
            List<Integer> neighbours = sameStripeAs(cache, 0, 3);
            List<Integer> keys = prefill(neighbours, 40);
            Thread spiller = keysCodec.spill(cache, Tier.OFF_HEAP, keys);
            AtomicReference<Throwable> ownWriterFailure = new AtomicReference<>();
            AtomicReference<byte[]> ownValue = new AtomicReference<>();
            Thread[] ownWriter = new Thread[1];
            runBesideTheParkedSpill(spiller, keysCodec, () -> {
                checkReadable(cache, keys);                    // key 0 included: its record is still in the page
                assertNull(cache.get(absentKeyIn(cache, 0)), "a miss in the spilling key's stripe");
                for (int key : keys) {                          // writers of every other key, its stripe's included
                    if (key != 0) {
                        cache.put(key, value(key, 2, SIZE));
                        assertArrayEquals(value(key, 2, SIZE), cache.get(key));
                    }
                }
                int removed = neighbours.getFirst();
                assertTrue(cache.remove(removed), "a remove in the spilling key's stripe");
                assertNull(cache.get(removed));
                // a writer of the spilling key itself waits for the spill; it must win once the spill is done
                ownWriter[0] = Thread.ofPlatform().name("own-writer").start(() -> TieredCacheModelTest.guarded(
                        ownWriterFailure, () -> ownValue.set(own.apply(cache))));
                assertTrue(waitsOnAStripe(ownWriter[0]), own + " of the spilling key did not wait for the spill");
                assertEquals(1, checkWhole(0, cache.get(0)), "still the spilling value while the spill is parked");
            });
            ownWriter[0].join(HANG);
            assertFalse(ownWriter[0].isAlive(), "the writer of the spilled key never finished");
            if (ownWriterFailure.get() != null) {
                throw new AssertionError(ownWriterFailure.get());
            }
            assertArrayEquals(ownValue.get(), cache.get(0), "the write that came during the spill wins");
            assertNull(cache.get(neighbours.getFirst()), "the remove during the spill holds");
            assertTrue(cache.stats().tier(Tier.OFF_HEAP).demotions() > 0);
            cache.close();
        }
    }

    /**
     * {@return key 0 first (the oldest entry: the first to move down), then {@code neighbours}, then keys 1, 2, ... up
     * to {@code count} keys in all}
     */
    private static List<Integer> prefill(List<Integer> neighbours, int count) {
        List<Integer> keys = new ArrayList<>(List.of(0));
        keys.addAll(neighbours);
        for (int key = 1; keys.size() < count; key++) {
            if (!keys.contains(key)) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static void runBesideTheParkedSpill(Thread spiller, Parking<?> parking, Body besides) throws Exception {
        if (!parking.parked.await(HANG, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the spill never reached the parked codec", parking.spillFailure.get());
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().name("beside-the-spill").start(
                () -> TieredCacheModelTest.guarded(failure, besides::run));
        reader.join(HANG);
        boolean readerDone = !reader.isAlive();
        boolean spillStillParked = spiller.isAlive();
        parking.release.countDown();
        spiller.join(HANG);
        reader.join(HANG);
        assertTrue(readerDone, "reads beside the parked spill hung");
        assertTrue(spillStillParked, "the spill finished before the reads did: the test proved nothing");
        assertFalse(spiller.isAlive(), "the spill never finished");
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        if (parking.spillFailure.get() != null) {
            throw new AssertionError(parking.spillFailure.get());
        }
    }

    /**
     * {@return true once {@code thread} waits on a stripe's monitor, false if it ends first} Polls the thread's state
     * and the object it waits on, so a wait on anything else (a queue lock, say) does not count. No time limit takes
     * part in the answer: the poll gives up only after {@link #HANG}, as a hang.
     */
    private static boolean waitsOnAStripe(Thread thread) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String stripeMonitor = Stripe.class.getName() + "@";
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANG);
        while (System.nanoTime() < deadline) {
            ThreadInfo info = threads.getThreadInfo(thread.threadId());
            if (info == null || info.getThreadState() == Thread.State.TERMINATED) {
                return false;
            }
            if (info.getThreadState() == Thread.State.WAITING && info.getLockName() != null
                    && info.getLockName().startsWith(stripeMonitor)) {
                return true;
            }
            Thread.yield();
        }
        throw new AssertionError(thread.getName() + " neither waited on a stripe nor ended: a hang");
    }

    private static void checkReadable(Cache<Integer, byte[]> cache, List<Integer> keys) {
        for (int key : keys) {
            assertArrayEquals(value(key, 1, SIZE), cache.get(key), "key " + key);
        }
    }

    /** {@return the first {@code count} positive keys, above the prefill's range, in the stripe of {@code key}} */
    private static List<Integer> sameStripeAs(Cache<Integer, byte[]> cache, int key, int count) {
        List<Integer> found = new ArrayList<>();
        for (int other = 1_000; found.size() < count; other++) {
            if (sameStripe(cache, key, other)) {
                found.add(other);
            }
        }
        return found;
    }

    private static int absentKeyIn(Cache<Integer, byte[]> cache, int key) {
        for (int absent = -1; ; absent--) {
            if (sameStripe(cache, key, absent)) {
                return absent;
            }
        }
    }

    private static boolean sameStripe(Cache<Integer, byte[]> cache, int key, int other) {
        KeyIndex index = ((TieredCache<Integer, byte[]>) cache).tiersImpl().index;
        return index.stripe(KeyIndex.hash(key)) == index.stripe(KeyIndex.hash(other));
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /**
     * A codec that behaves as its built-in counterpart but parks the first time it encodes the watched key's value, or a
     * spill hook that parks the first time the watched key's record is about to be written to disk, until released.
     */
    private static final class Parking<T> {

        final CountDownLatch parked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Throwable> spillFailure = new AtomicReference<>();
        final Codec<T> codec;

        private Parking(Function<Parking<T>, Codec<T>> codec) {
            this.codec = codec.apply(this);
        }

        static Parking<byte[]> values(int watchedKey) {
            return new Parking<>(parking -> new DelegatingCodec<>(Codecs.bytes()) {
                @Override
                public void encode(byte[] value, MemorySegment target, long offset) {
                    if (ByteBuffer.wrap(value).getInt() == watchedKey) {
                        parking.park();
                    }
                    super.encode(value, target, offset);
                }
            });
        }

        /** {@return a parking for a spill's disk write ({@link #parkingOnKey}), over the built-in int32 codec} */
        static Parking<Integer> diskWrites() {
            return new Parking<>(parking -> Codecs.int32());
        }

        /** {@return a spill hook ({@code OffHeapPlacement.beforeSpillWrite}) that parks on {@code watchedKey}} */
        Consumer<MemorySegment> parkingOnKey(int watchedKey) {
            return key -> {
                if (Codecs.int32().decode(key, 0, (int) key.byteSize()) == watchedKey) {
                    park();
                }
            };
        }

        /**
         * Starts a thread that puts {@code keys} (all must fit in {@code top}), then new keys until one of them moves
         * key 0 down and parks in this codec. The same thread writes both, so both land in its write pages.
         */
        Thread spill(Cache<Integer, byte[]> cache, Tier top, List<Integer> keys) {
            return Thread.ofPlatform().name("spiller").start(() -> TieredCacheModelTest.guarded(spillFailure, () -> {
                for (int key : keys) {
                    cache.put(key, value(key, 1, SIZE));
                }
                assertEquals(keys.size(), cache.stats().tier(top).entries(), "the prefill fits the top tier");
                assertEquals(0, cache.stats().tier(top).demotions(), "the prefill fits the top tier");
                for (int key = 1_000_000; parked.getCount() > 0; key++) {
                    cache.put(key, value(key, 1, SIZE));
                }
            }));
        }

        private void park() {
            if (parked.getCount() == 0) {
                return;                                         // parks once
            }
            parked.countDown();
            try {
                if (!release.await(2 * HANG, TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
