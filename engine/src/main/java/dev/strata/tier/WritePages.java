package dev.strata.tier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The off-heap tier's write pages, one per stripe: a writer appends to the page of its thread's stripe, so writers on
 * different stripes share no lock and no cache line on the put path (the page's write offset, pending writes and live
 * bytes all belong to one stripe's page).
 *
 * <pre>
 *   pages:  [ page of stripe 0 | 15 empty slots ][ page of stripe 1 | 15 empty slots ] ...
 *             ^ 16 slots apart (64 bytes or more), so two stripes never share a cache line
 * </pre>
 *
 * <p><b>Concurrency.</b> A stripe's slot changes only under the monitor of the page it holds (or, while it is empty,
 * by compare-and-set), and a reservation checks under that same monitor that the page is still its stripe's. So once
 * a page has left its slot ({@link #offer} or {@link #takeAny}), no record can start in it, and every record that
 * started is whole: records are written under the monitor. The evictor that later takes the page seals it, so none of
 * the records not yet published ever is. The monitors are leaves: nothing but codecs runs while one is held.
 * Thread-safe.
 */
final class WritePages {

    /** Slots between two stripes' pages: 16 references are at least 64 bytes. */
    private static final int SPREAD = 16;
    /** Stripes per processor: two writer threads then share a stripe with a probability of 1/8 on two processors. */
    private static final int STRIPES_PER_PROCESSOR = 4;
    private static final int MAX_STRIPES = 64;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Extent[].class);

    private final Extent[] slots;
    private final int stripeMask;

    /** Creates write pages with a stripe count for this machine's processors. */
    WritePages() {
        this(stripesFor(Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Creates write pages with {@code stripes} stripes.
     *
     * @throws IllegalArgumentException if {@code stripes} is not a power of two from 1 to {@value #MAX_STRIPES}
     */
    WritePages(int stripes) {
        if (stripes < 1 || stripes > MAX_STRIPES || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes: " + stripes + " (expected: a power of two from 1 to "
                    + MAX_STRIPES + ")");
        }
        this.slots = new Extent[stripes * SPREAD];
        this.stripeMask = stripes - 1;
    }

    static int stripesFor(int processors) {
        int wanted = Math.max(1, processors) * STRIPES_PER_PROCESSOR;
        return Math.min(MAX_STRIPES, Integer.highestOneBit(wanted - 1) << 1);
    }

    /** {@return the stripe of the calling thread} A mix of its id, so consecutive ids spread over the stripes. */
    int stripe() {
        long mixed = Thread.currentThread().threadId() * 0x9E37_79B9_7F4A_7C15L;
        return (int) (mixed >>> 40) & stripeMask;
    }

    /** {@return the page of {@code stripe}, or null if it has none} */
    Extent page(int stripe) {
        return (Extent) SLOT.getAcquire(slots, stripe * SPREAD);
    }

    /**
     * Appends a record of {@code recordBytes} to {@code target}, if it is still the page of {@code stripe} and has
     * room: writes its header, then has {@code encoder} write key and value, all under the page's monitor, so that a
     * page that leaves its slot holds only whole records. Encoding is the stripe's own work (its writers are few), and
     * a failed encoding leaves a dead record whose header is whole.
     *
     * @return the reservation (offset and generation, see {@link OffHeapTier#append}), or
     *     {@link OffHeapTier#NO_RESERVATION} if {@code target} is no longer the stripe's page or is full
     */
    long append(int stripe, Extent target, int recordBytes, long pageSize, int hash, int keyLength, int valueLength,
                OffHeapTier.Encoder encoder, Object key, Object value) {
        synchronized (target) {
            if (page(stripe) != target || pageSize - target.writeOffset < recordBytes) {
                return OffHeapTier.NO_RESERVATION;
            }
            int offset = target.writeOffset;
            target.writeOffset += recordBytes;
            RecordLayout.writeHeader(target.segment, offset, hash, keyLength, valueLength);
            try {
                encoder.encode(key, value, target, RecordLayout.keyOffset(offset), keyLength);
            } catch (RuntimeException | Error e) {
                target.deadBytes.addAndGet(recordBytes);
                throw e;
            }
            return (long) target.generation << 32 | offset;  // not yet taken, so no evictor has sealed it
        }
    }

    /**
     * Makes {@code fresh} the page of {@code stripe} if it has more room than the page there now.
     *
     * @return the extent that is no page's now and must be queued: the displaced page, {@code fresh} itself if it
     *     has less room, or null if the stripe had no page
     */
    Extent offer(int stripe, Extent fresh, long pageSize) {
        while (true) {
            Extent old = page(stripe);
            if (old == null) {
                if (SLOT.compareAndSet(slots, stripe * SPREAD, (Extent) null, fresh)) {
                    return null;
                }
                continue;
            }
            synchronized (old) {
                if (page(stripe) != old) {
                    continue;
                }
                if (pageSize - old.writeOffset >= pageSize - fresh.writeOffset) {
                    return fresh;
                }
                SLOT.setRelease(slots, stripe * SPREAD, fresh);
                return old;
            }
        }
    }

    /**
     * Takes some stripe's page out of its slot, the calling thread's first, for eviction when no full page is queued.
     * {@return the page, or null if no stripe has one}
     */
    Extent takeAny() {
        int own = stripe();
        for (int i = 0; i <= stripeMask; i++) {
            Extent taken = take((own + i) & stripeMask);
            if (taken != null) {
                return taken;
            }
        }
        return null;
    }

    private Extent take(int stripe) {
        while (true) {
            Extent page = page(stripe);
            if (page == null) {
                return null;
            }
            synchronized (page) {
                if (page(stripe) == page) {
                    SLOT.setRelease(slots, stripe * SPREAD, (Extent) null);
                    return page;
                }
            }
        }
    }

    /** {@return whether no stripe has a page} */
    boolean isEmpty() {
        for (int i = 0; i <= stripeMask; i++) {
            if (page(i) != null) {
                return false;
            }
        }
        return true;
    }

    /** Takes every stripe's page out of its slot (close). {@return the pages} */
    List<Extent> takeAll() {
        List<Extent> pages = new ArrayList<>();
        for (Extent page; (page = takeAny()) != null; ) {
            pages.add(page);
        }
        return pages;
    }
}
