package dev.strata.it.scenario;

/**
 * Runs an action and hands back what it threw, {@link Error}s included, so a scenario can report an
 * {@link OutOfMemoryError} by name instead of dying of it. Stateless and thread-safe.
 */
public final class Caught {

    private Caught() {
    }

    /** An action that may throw anything. */
    @FunctionalInterface
    public interface Action {
        /**
         * Runs.
         *
         * @throws Throwable anything
         */
        void run() throws Throwable;
    }

    /**
     * {@return what {@code action} threw, or null if it returned normally}
     *
     * @param action the action
     */
    public static Throwable thrownBy(Action action) {
        try {
            action.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
