package dev.strata.bench.report;

import java.util.Locale;

/** Number formatting for the report. Stateless and thread-safe. */
final class Format {
    private Format() {
    }

    /**
     * {@return operations per second as millions with three significant digits, e.g. {@code 12.3}; a dash for NaN}
     *
     * @param opsPerSecond the throughput
     */
    static String mops(double opsPerSecond) {
        if (Double.isNaN(opsPerSecond)) {
            return "—";
        }
        return significant(opsPerSecond / 1e6);
    }

    /**
     * {@return a ratio as {@code 2.31×}; a dash when either side is missing}
     *
     * @param numerator the numerator
     * @param denominator the denominator
     */
    static String ratio(double numerator, double denominator) {
        if (Double.isNaN(numerator) || Double.isNaN(denominator) || denominator == 0) {
            return "—";
        }
        return significant(numerator / denominator) + "×";
    }

    /**
     * {@return a value with three significant digits (at least one decimal below 100)}
     *
     * @param value the value
     */
    static String significant(double value) {
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }

    /**
     * {@return a byte count for people: {@code 100 B}, {@code 1 KiB}, {@code 16 KiB}, {@code 1.5 MiB}}
     *
     * @param bytes the count
     */
    static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.valueOf((long) value) : significant(value)) + " " + units[unit];
    }
}
