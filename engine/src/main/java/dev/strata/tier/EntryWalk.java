package dev.strata.tier;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An iteration over a cache's entries ({@link TieredCache#iterator}), stripe by stripe. A key lives in exactly one
 * tier, and every change of where it lives happens under its stripe's monitor, so the keys of one stripe read under
 * its monitor (its heap nodes, its off-heap records, and its keys on disk) are each found once. The disk store's
 * index is not kept by stripe, so its keys are copied first, all at once, and sorted into their stripes; a stripe's
 * candidates still in the store when the stripe is visited are its disk keys then, unless one of the stripe's keys
 * crossed between memory and disk since the copy began ({@link Stripe#diskCrossings}: a key that went to disk after
 * the copy passed it would be in neither). Such stripes are visited again after a new copy of the disk's keys, for
 * {@value #UNLOCKED_ROUNDS} rounds; after that, a stripe whose keys still crossed is visited with its monitor held
 * while the disk's keys are copied again (so none of its keys can cross), and that copy serves the stripes still
 * pending too. So every key that has a value from the iteration's start to its end is returned, once; a key put or
 * removed meanwhile may or may not be.
 *
 * <p>The values are read when {@link #next} reaches their key, under the key's monitor (no promotion, no statistics);
 * a key whose value is gone or expired by then is skipped. {@link #remove} removes the entry if the key still holds
 * the value returned, in the same place ({@link Condition#unchanged}).
 *
 * <p>Not thread-safe: one thread iterates; the cache may be used by any number of others meanwhile.
 *
 * @param <K> the key type
 * @param <V> the value type the tiers hold
 */
final class EntryWalk<K, V> implements Iterator<Map.Entry<K, V>> {

    /** Rounds of a fresh copy of the disk's keys for the stripes whose keys crossed, before the locked copies. */
    static final int UNLOCKED_ROUNDS = 2;

    private final TieredCache<K, V> cache;
    private final Tiers<K, V> tiers;
    private final Stripe[] stripes;
    /** The stripes still to visit, in order; then those to visit again. */
    private ArrayDeque<Integer> pending = new ArrayDeque<>();
    private ArrayDeque<Integer> again = new ArrayDeque<>();
    private int round;
    /** Each stripe's crossing count when its disk keys were last copied (disk tiers only). */
    private final int[] crossings;
    /** The copied disk keys of each stripe, decoded, with their bytes; null without a disk tier. */
    private List<List<DiskKey<K>>> diskKeys;
    /** The keys of the stripe being returned, and where in them the walk is. */
    private final List<K> batch = new ArrayList<>();
    private int position;
    private Tiers.Snapshot<V> nextEntry;
    private K nextKey;
    private Tiers.Snapshot<V> lastEntry;
    private K lastKey;

    /** A key of the disk store, decoded, and its bytes. */
    private record DiskKey<K>(K key, MemorySegment bytes) {
    }

    EntryWalk(TieredCache<K, V> cache, Tiers<K, V> tiers) {
        this.cache = cache;
        this.tiers = tiers;
        this.stripes = tiers.index.stripes();
        this.crossings = new int[stripes.length];
        for (int i = 0; i < stripes.length; i++) {
            pending.add(i);
        }
        copyDiskKeys();
    }

    @Override
    public boolean hasNext() {
        cache.ensureOpen();
        while (nextEntry == null) {
            if (position == batch.size() && !nextBatch()) {
                return false;
            }
            K key = batch.get(position++);
            Tiers.Snapshot<V> entry = cache.snapshotOf(key);
            if (entry.value() != null) {
                nextKey = key;
                nextEntry = entry;
            }
        }
        return true;
    }

    @Override
    public Map.Entry<K, V> next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no entry left in cache '" + tiers.cacheName + "'");
        }
        lastKey = nextKey;
        lastEntry = nextEntry;
        nextKey = null;
        nextEntry = null;
        return Map.entry(lastKey, lastEntry.value());
    }

    /**
     * Removes the entry {@link #next} returned, if the key still holds that value in the same place.
     *
     * @throws IllegalStateException if {@code next} was not called, or {@code remove} was called after it already
     */
    @Override
    public void remove() {
        if (lastEntry == null) {
            throw new IllegalStateException("remove: no entry to remove (expected: once after each next)");
        }
        Tiers.Snapshot<V> entry = lastEntry;
        lastEntry = null;
        cache.removeWhen(lastKey, Condition.unchanged(entry.place(), entry.value()));
    }

    /** Fills {@link #batch} with the next stripe's keys. {@return false when no stripe is left} */
    private boolean nextBatch() {
        batch.clear();
        position = 0;
        while (batch.isEmpty()) {
            if (pending.isEmpty()) {
                if (again.isEmpty()) {
                    return false;
                }
                pending = again;
                again = new ArrayDeque<>();
                round++;
                copyDiskKeys();
            }
            int stripe = pending.removeFirst();
            if (!visit(stripe)) {
                if (round < UNLOCKED_ROUNDS) {
                    again.add(stripe);
                } else {
                    visitLocked(stripe);
                }
            }
        }
        return true;
    }

    /**
     * Reads the keys of stripe {@code i} into {@link #batch}, under its monitor. {@return false, reading nothing, if
     * a key of the stripe crossed between memory and disk since the disk's keys were copied}
     */
    private boolean visit(int i) {
        Stripe stripe = stripes[i];
        synchronized (stripe) {
            if (tiers.disk() != null && stripe.diskCrossings != crossings[i]) {
                return false;
            }
            collect(i);
        }
        return true;
    }

    /**
     * Reads the keys of stripe {@code i} into {@link #batch} with its monitor held while the disk's keys are copied
     * again, for it and for every stripe still pending: none of its keys can cross meanwhile.
     */
    private void visitLocked(int i) {
        synchronized (stripes[i]) {
            pending.addFirst(i);
            copyDiskKeys();
            pending.removeFirst();
            collect(i);
        }
    }

    /** Adds stripe {@code i}'s memory keys, and its copied disk keys still in the store, to the batch. Stripe held. */
    private void collect(int i) {
        Set<K> keys = new LinkedHashSet<>();
        tiers.memoryKeys(stripes[i], keys);
        if (tiers.disk() != null) {
            for (DiskKey<K> candidate : diskKeys.get(i)) {
                if (tiers.disk().containsKey(candidate.bytes())) {
                    keys.add(candidate.key());
                }
            }
        }
        batch.addAll(keys);
    }

    /**
     * Copies the disk store's keys of the pending stripes, noting each stripe's crossings first (a volatile read: a
     * crossing counted after it, by a move the copy may have seen half of, makes the stripe's visit look again).
     */
    private void copyDiskKeys() {
        if (tiers.disk() == null) {
            return;
        }
        boolean[] wanted = new boolean[stripes.length];
        List<List<DiskKey<K>>> byStripe = new ArrayList<>(stripes.length);
        for (int i = 0; i < stripes.length; i++) {
            byStripe.add(new ArrayList<>());
        }
        for (int i : pending) {
            wanted[i] = true;
            crossings[i] = stripes[i].diskCrossings;
        }
        tiers.disk().forEachKey(1, bytes -> {
            K key = tiers.decodeKey(bytes);
            int stripe = stripeOf(key);
            if (wanted[stripe]) {
                byStripe.get(stripe).add(new DiskKey<>(key,
                        MemorySegment.ofArray(bytes.toArray(ValueLayout.JAVA_BYTE))));
            }
        });
        diskKeys = byStripe;
    }

    private int stripeOf(K key) {
        return tiers.index.stripeIndex(KeyIndex.hash(key));
    }
}
