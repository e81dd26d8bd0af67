package dev.strata.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The goals mode's result file: the plan, the machine, the command, and every round's raw results, each in the shape
 * of a JMH JSON result ({@code benchmark}, {@code mode}, {@code threads}, {@code params},
 * {@code primaryMetric.score/scoreError/scoreUnit}) so that {@link ResultsFile#result} reads it back.
 *
 * <pre>
 * { "format": "strata-goals-paired/1", "command": ..., "started": ..., "finished": ..., "jdkVersion": ...,
 *   "vmName": ..., "machine": {...}, "plan": {"rounds": 5, "valueSizes": [...], "threads": [...], ...},
 *   "notes": [...], "failures": [...],
 *   "rounds": [ {"round": 1, "valueSize": 100, "keys": "ZIPF", "threads": 1, "started": ..., "order": [...],
 *                "results": [ {JMH result}, ... ]}, ... ] }
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
final class GoalsJson {

    /** The value of the document's {@code format} field. */
    static final String FORMAT = "strata-goals-paired/1";

    private GoalsJson() {
    }

    /**
     * {@return the run as JSON text}
     *
     * @param run the run
     */
    static String write(GoalsRun run) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("format", FORMAT);
        document.put("command", run.command());
        document.put("started", run.started());
        document.put("finished", run.finished());
        document.put("jdkVersion", run.jdkVersion());
        document.put("vmName", run.vmName());
        MachineInfo machine = run.machine();
        Map<String, Object> machineObject = new LinkedHashMap<>();
        machineObject.put("cpus", machine.cpus());
        machineObject.put("cpuModel", machine.cpuModel());
        machineObject.put("memory", machine.memory());
        machineObject.put("loadAverage", machine.loadAverage());
        machineObject.put("jdk", machine.jdk());
        document.put("machine", machineObject);
        GoalPlan plan = run.plan();
        Map<String, Object> planObject = new LinkedHashMap<>();
        planObject.put("rounds", plan.rounds());
        planObject.put("valueSizes", plan.valueSizes());
        planObject.put("threads", plan.threads());
        planObject.put("keys", GoalPlan.KEYS);
        planObject.put("forksPerRound", 1);
        planObject.put("warmupIterations", plan.warmupIterations());
        planObject.put("warmupSeconds", plan.warmupSeconds());
        planObject.put("measurementIterations", plan.measurementIterations());
        planObject.put("measurementSeconds", plan.measurementSeconds());
        document.put("plan", planObject);
        document.put("notes", run.notes());
        document.put("failures", run.failures());
        List<Object> rounds = new ArrayList<>();
        for (PairedRound round : run.rounds()) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("round", round.number());
            object.put("valueSize", round.point().valueSize());
            object.put("keys", round.point().keys());
            object.put("threads", round.point().threads());
            object.put("started", round.started());
            object.put("order", plan.order(round.number() - 1).stream().map(Competitor::label).toList());
            object.put("results", round.results().stream().map(GoalsJson::result).toList());
            rounds.add(object);
        }
        document.put("rounds", rounds);
        return Json.write(document);
    }

    /**
     * Reads a run back (for the goal groups of this build: {@link GoalGroup#ALL}).
     *
     * @param text the JSON text
     * @return the run
     * @throws IllegalArgumentException if the text is not a goals result file
     */
    static GoalsRun read(String text) {
        if (!(Json.parse(text) instanceof Map<?, ?> document) || !FORMAT.equals(document.get("format"))) {
            throw new IllegalArgumentException("goals JSON: expected an object with \"format\": \"" + FORMAT + "\"");
        }
        Map<?, ?> planObject = (Map<?, ?>) document.get("plan");
        GoalPlan plan = new GoalPlan(integer(planObject, "rounds"), integers(planObject, "valueSizes"),
                integers(planObject, "threads"), integer(planObject, "warmupIterations"),
                integer(planObject, "warmupSeconds"), integer(planObject, "measurementIterations"),
                integer(planObject, "measurementSeconds"), GoalGroup.ALL);
        Map<?, ?> machineObject = (Map<?, ?>) document.get("machine");
        MachineInfo machine = new MachineInfo(integer(machineObject, "cpus"), text(machineObject, "cpuModel"),
                text(machineObject, "memory"), text(machineObject, "loadAverage"), text(machineObject, "jdk"));
        List<PairedRound> rounds = new ArrayList<>();
        for (Object item : (List<?>) document.get("rounds")) {
            Map<?, ?> object = (Map<?, ?>) item;
            List<BenchResult> results = new ArrayList<>();
            for (Object result : (List<?>) object.get("results")) {
                results.add(ResultsFile.result((Map<?, ?>) result));
            }
            rounds.add(new PairedRound(integer(object, "round"),
                    new Row(integer(object, "valueSize"), text(object, "keys"), integer(object, "threads")),
                    text(object, "started"), results));
        }
        return new GoalsRun(plan, text(document, "command"), text(document, "started"), text(document, "finished"),
                text(document, "jdkVersion"), text(document, "vmName"), machine, texts(document, "notes"), rounds,
                texts(document, "failures"));
    }

    private static Map<String, Object> result(BenchResult result) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("benchmark", result.benchmark());
        object.put("mode", result.mode());
        object.put("threads", result.threads());
        object.put("params", new TreeMap<>(result.params()));
        Map<String, Object> metric = new LinkedHashMap<>();
        metric.put("score", result.score());
        metric.put("scoreError", Double.isNaN(result.scoreError()) ? "NaN" : result.scoreError());
        metric.put("scoreUnit", result.unit());
        object.put("primaryMetric", metric);
        return object;
    }

    private static int integer(Map<?, ?> object, String key) {
        if (!(object.get(key) instanceof Double number)) {
            throw new IllegalArgumentException("goals JSON: '" + key + "' is not a number: " + object.get(key));
        }
        return number.intValue();
    }

    private static List<Integer> integers(Map<?, ?> object, String key) {
        return ((List<?>) object.get(key)).stream().map(value -> ((Double) value).intValue()).toList();
    }

    private static List<String> texts(Map<?, ?> object, String key) {
        return object.get(key) instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    private static String text(Map<?, ?> object, String key) {
        Object value = object.get(key);
        return value == null ? "?" : String.valueOf(value);
    }
}
