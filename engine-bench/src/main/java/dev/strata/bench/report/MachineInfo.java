package dev.strata.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the report says about the machine: CPU count and model ({@code /proc/cpuinfo}), memory
 * ({@code /proc/meminfo}), load average ({@code /proc/loadavg}) and the runner's JDK. Anything unreadable (not Linux)
 * shows as {@code "unknown"}.
 *
 * @param cpus available processors
 * @param cpuModel the first {@code model name} in {@code /proc/cpuinfo}
 * @param memory total memory, as {@code MemTotal}
 * @param loadAverage the 1/5/15-minute load averages when the report was written
 * @param jdk the runner JVM's version and vendor
 */
record MachineInfo(int cpus, String cpuModel, String memory, String loadAverage, String jdk) {

    /** {@return this machine, now} */
    static MachineInfo current() {
        return new MachineInfo(
                Runtime.getRuntime().availableProcessors(),
                field(Path.of("/proc/cpuinfo"), "model name"),
                memory(field(Path.of("/proc/meminfo"), "MemTotal")),
                firstWords(Path.of("/proc/loadavg"), 3),
                Runtime.version() + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("java.vendor") + ")");
    }

    private static String memory(String memTotal) {
        String[] parts = memTotal.split(" ");
        if (parts.length == 2 && parts[1].equals("kB") && parts[0].chars().allMatch(Character::isDigit)) {
            return Format.significant(Long.parseLong(parts[0]) / 1024.0 / 1024.0) + " GiB";
        }
        return memTotal;
    }

    private static String field(Path file, String name) {
        for (String line : lines(file)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return line.substring(colon + 1).trim().replaceAll("\\s+", " ");
            }
        }
        return "unknown";
    }

    private static String firstWords(Path file, int count) {
        List<String> lines = lines(file);
        if (lines.isEmpty()) {
            return "unknown";
        }
        String[] words = lines.getFirst().trim().split("\\s+");
        return String.join(" ", java.util.Arrays.copyOf(words, Math.min(count, words.length)));
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
