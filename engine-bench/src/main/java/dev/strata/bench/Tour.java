package dev.strata.bench;

/** Placeholder main for the tour; replaced once the engine can be built. */
public final class Tour {
    private Tour() {
    }

    /**
     * Runs the tour.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println("Strata tour on " + Runtime.version());
    }
}
