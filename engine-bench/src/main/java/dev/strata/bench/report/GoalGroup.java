package dev.strata.bench.report;

import dev.strata.bench.peer.CaffeineBenchmark;
import dev.strata.bench.peer.ChronicleMapBenchmark;
import dev.strata.bench.peer.OhcBenchmark;
import dev.strata.bench.raw.RawIndexBenchmark;
import dev.strata.bench.tier.StrataHugePagesBenchmark;
import dev.strata.bench.tier.StrataTierBenchmark;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Benchmarks that a paired round runs back to back because their ratios are compared: Strata's first, then the
 * systems it is divided by. {@link #ALL} holds issue 4's goals: Strata off-heap get and put at least 1.5× OHC and
 * Chronicle Map, Strata heap get at least Caffeine's, and the raw hash index as the floor of an off-heap get and of
 * an off-heap put. The off-heap goals are measured for two of Strata's configurations: the default {@code ARENA}
 * backend, which needs no JVM flag, and {@code HUGE_PAGES}, which needs native access (as OHC does).
 *
 * @param title the report section's title, e.g. {@code Off-heap get}
 * @param competitors the benchmarks, Strata's first (the order of round 1)
 * @param goals the ratios, each between two of the competitors
 */
record GoalGroup(String title, List<Competitor> competitors, List<Goal> goals) {

    private static final Competitor ARENA_GET = strata(Catalog.STRATA_ARENA, "get");
    private static final Competitor ARENA_PUT = strata(Catalog.STRATA_ARENA, "put");
    private static final Competitor HUGE_PAGES_GET =
            new Competitor(Catalog.STRATA_HUGE_PAGES, "get", StrataHugePagesBenchmark.class);
    private static final Competitor HUGE_PAGES_PUT =
            new Competitor(Catalog.STRATA_HUGE_PAGES, "put", StrataHugePagesBenchmark.class);
    private static final Competitor HEAP_GET = strata(Catalog.STRATA_HEAP, "get");
    private static final Competitor OHC_GET = new Competitor(Catalog.OHC, "get", OhcBenchmark.class);
    private static final Competitor OHC_PUT = new Competitor(Catalog.OHC, "put", OhcBenchmark.class);
    private static final Competitor CHRONICLE_GET =
            new Competitor(Catalog.CHRONICLE_MAP, "get", ChronicleMapBenchmark.class);
    private static final Competitor CHRONICLE_PUT =
            new Competitor(Catalog.CHRONICLE_MAP, "put", ChronicleMapBenchmark.class);
    private static final Competitor RAW_GET = new Competitor(Catalog.RAW_INDEX, "get", RawIndexBenchmark.class);
    private static final Competitor RAW_PUT = new Competitor(Catalog.RAW_INDEX, "put", RawIndexBenchmark.class);
    private static final Competitor CAFFEINE_GET = new Competitor(Catalog.CAFFEINE, "get", CaffeineBenchmark.class);

    /** Issue 4's goals, in report order. */
    static final List<GoalGroup> ALL = List.of(
            new GoalGroup("Off-heap get", List.of(ARENA_GET, HUGE_PAGES_GET, OHC_GET, CHRONICLE_GET, RAW_GET),
                    offHeapGoals(List.of(ARENA_GET, HUGE_PAGES_GET), OHC_GET, CHRONICLE_GET, RAW_GET)),
            new GoalGroup("Off-heap put", List.of(ARENA_PUT, HUGE_PAGES_PUT, OHC_PUT, CHRONICLE_PUT, RAW_PUT),
                    offHeapGoals(List.of(ARENA_PUT, HUGE_PAGES_PUT), OHC_PUT, CHRONICLE_PUT, RAW_PUT)),
            new GoalGroup("Heap get", List.of(HEAP_GET, CAFFEINE_GET), List.of(
                    new Goal(HEAP_GET, CAFFEINE_GET, 1.0))));

    GoalGroup {
        Objects.requireNonNull(title, "title");
        competitors = List.copyOf(competitors);
        goals = List.copyOf(goals);
        for (Goal goal : goals) {
            if (!competitors.contains(goal.strata()) || !competitors.contains(goal.other())) {
                throw new IllegalArgumentException("goal group '" + title + "': a goal compares a benchmark the "
                        + "group does not run (" + goal.strata().label() + " / " + goal.other().label() + ")");
            }
        }
    }

    /**
     * {@return the order of one round: the groups, and the competitors inside each group, both rotated left by the
     * round's index, so that the benchmarks a ratio compares always run next to one another and, round after round,
     * each leads its group in turn}
     *
     * @param groups the groups
     * @param round the round, from 0
     */
    static List<Competitor> order(List<GoalGroup> groups, int round) {
        if (round < 0) {
            throw new IllegalArgumentException("round: " + round + " (expected: 0 or more)");
        }
        List<Competitor> order = new ArrayList<>();
        for (GoalGroup group : rotate(groups, round)) {
            order.addAll(rotate(group.competitors(), round));
        }
        return order;
    }

    /**
     * {@return every goal of the groups, in report order}
     *
     * @param groups the groups
     */
    static List<Goal> goals(List<GoalGroup> groups) {
        return groups.stream().flatMap(group -> group.goals().stream()).toList();
    }

    private static <T> List<T> rotate(List<T> list, int by) {
        if (list.isEmpty()) {
            return list;
        }
        int shift = by % list.size();
        List<T> rotated = new ArrayList<>(list.subList(shift, list.size()));
        rotated.addAll(list.subList(0, shift));
        return rotated;
    }

    /**
     * {@return the goals of an off-heap group: each Strata configuration at least 1.5 times OHC and Chronicle Map,
     * and its share of the raw index's floor}
     */
    private static List<Goal> offHeapGoals(List<Competitor> strata, Competitor ohc, Competitor chronicle,
                                           Competitor raw) {
        List<Goal> goals = new ArrayList<>();
        for (Competitor configuration : strata) {
            goals.add(new Goal(configuration, ohc, 1.5));
            goals.add(new Goal(configuration, chronicle, 1.5));
            goals.add(new Goal(configuration, raw, Double.NaN));
        }
        return goals;
    }

    /** {@return the Strata benchmarks of this group, in order} */
    List<Competitor> strataCompetitors() {
        return competitors.stream().filter(c -> c.column().kind() == Column.Kind.STRATA).toList();
    }

    /**
     * {@return the header of a goal's ratio column in this group: {@link Goal#ratioHeader()}, after the Strata
     * configuration's name when the group measures more than one, e.g. {@code HUGE_PAGES vs OHC}}
     *
     * @param goal one of this group's goals
     */
    String ratioHeader(Goal goal) {
        return strataCompetitors().size() > 1 ? goal.strata().column().variant() + " " + goal.ratioHeader()
                : goal.ratioHeader();
    }

    private static Competitor strata(Column column, String operation) {
        return new Competitor(column, operation, StrataTierBenchmark.class);
    }
}
