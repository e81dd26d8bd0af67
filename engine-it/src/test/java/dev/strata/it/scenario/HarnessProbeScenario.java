package dev.strata.it.scenario;

/**
 * Exercises the harness itself (run by {@code ChildJvmIT}): {@code args[0]} picks what the child does.
 * <ul>
 *   <li>{@code facts}: writes awkward values (line breaks, backslashes, {@code =}) and one passing check;
 *   <li>{@code failCheck}: one passing and one failing check, so the child exits {@link ScenarioReport#CHECK_FAILED};
 *   <li>{@code throw}: throws, so the child exits {@link ScenarioReport#UNCAUGHT};
 *   <li>{@code hang}: writes one fact, then waits forever (joins itself) until the harness destroys it.
 * </ul>
 */
public final class HarnessProbeScenario {

    /** A value with everything the result format has to escape. */
    public static final String AWKWARD_VALUE = "line one\nline two\r\\n is not a break = still the value\\";

    private HarnessProbeScenario() {
    }

    /**
     * Runs the probe.
     *
     * @param args {@code args[0]}: {@code facts}, {@code failCheck}, {@code throw} or {@code hang}
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            report.put("mode", args[0]);
            switch (args[0]) {
                case "facts" -> {
                    report.put("awkward", AWKWARD_VALUE);
                    report.put("java.version", Runtime.version().feature());
                    report.put("env.PROBE", System.getenv("PROBE"));
                    report.check("passes", true);
                }
                case "failCheck" -> {
                    report.check("passes", true);
                    report.check("fails", false);
                }
                case "throw" -> throw new IllegalStateException("probe threw on purpose");
                case "hang" -> Thread.currentThread().join();
                default -> throw new IllegalArgumentException("mode: " + args[0]
                        + " (expected: facts, failCheck, throw or hang)");
            }
        });
    }
}
