package dev.strata.tier;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder events of a cache's memory tiers and loads: a put that found no heap storage memory and had
 * entries moved down a tier (its own cache's or another's) before it could take some; a loader call. Recorded only
 * while a recording has them enabled; otherwise an event is an object made and dropped, once per such put (about one
 * in a heap chunk's worth of puts, 1/256 of the region, once the heap is full) or load.
 *
 * <p>Thread-safe as JFR events are: each is filled and committed by the thread that made it.
 */
final class TierEvents {

    private TierEvents() {
    }

    /** A put waited while entries moved down from the heap to make room for it. */
    @Name("dev.strata.HeapReclaim")
    @Label("Strata Heap Reclaim")
    @Category({"Strata", "Memory"})
    @Description("A put found no heap storage memory and moved entries down a tier to take some")
    @StackTrace(false)
    static final class HeapReclaim extends Event {
        @Label("Wanted")
        @Description("The heap weight of the entry being put")
        @DataAmount
        long wantedBytes;

        @Label("Freed")
        @Description("The heap storage memory the moves freed, this cache's or others'")
        @DataAmount
        long freedBytes;

        @Label("Rounds")
        @Description("The rounds of moves it took")
        int rounds;

        @Label("Reserved")
        @Description("Whether the put then had its memory; if not, it went to a lower tier")
        boolean reserved;
    }

    /** A loader ran: a {@code computeIfAbsent} loader, a bulk {@code getAll} loader, or a refresh's reloader. */
    @Name("dev.strata.Load")
    @Label("Strata Load")
    @Category({"Strata", "Cache"})
    @Description("A cache's loader ran: its duration is the loader's")
    @StackTrace(false)
    static final class Load extends Event {
        @Label("Cache")
        @Description("The cache's name")
        String cache;

        @Label("Kind")
        @Description("computeIfAbsent, getAll or refreshAfterWrite")
        String kind;

        @Label("Failed")
        @Description("Whether the loader threw or returned null")
        boolean failed;
    }
}
