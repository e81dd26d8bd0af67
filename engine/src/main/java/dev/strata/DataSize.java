package dev.strata;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory or disk space, in bytes, with binary-unit factories and a readable {@link #toString()}.
 *
 * <p>Instances are immutable and thread-safe; {@link #equals(Object)} compares the byte counts.
 *
 * {@snippet :
 * DataSize page = DataSize.ofKibibytes(64);
 * DataSize budget = DataSize.parse("256MiB");
 * long pages = budget.bytes() / page.bytes();   // 4096
 * }
 */
public final class DataSize implements Comparable<DataSize> {

    private static final long KIB = 1024L;
    private static final long MIB = KIB * 1024L;
    private static final long GIB = MIB * 1024L;
    private static final long TIB = GIB * 1024L;
    private static final Pattern TEXT = Pattern.compile("\\s*(\\d+)\\s*([KMGT]i?B|[KMGT]|B)?\\s*", Pattern.CASE_INSENSITIVE);

    /** Zero bytes. */
    public static final DataSize ZERO = new DataSize(0);

    private final long bytes;

    private DataSize(long bytes) {
        this.bytes = bytes;
    }

    /**
     * {@return a size of {@code bytes} bytes}
     *
     * @param bytes the number of bytes, not negative
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public static DataSize ofBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("size: " + bytes + " bytes (expected: >= 0)");
        }
        return bytes == 0 ? ZERO : new DataSize(bytes);
    }

    /**
     * {@return a size of {@code kibibytes} × 1024 bytes}
     *
     * @param kibibytes the number of KiB, not negative
     * @throws IllegalArgumentException if negative or if the byte count overflows a {@code long}
     */
    public static DataSize ofKibibytes(long kibibytes) {
        return ofUnits(kibibytes, KIB, "KiB");
    }

    /**
     * {@return a size of {@code mebibytes} × 2<sup>20</sup> bytes}
     *
     * @param mebibytes the number of MiB, not negative
     * @throws IllegalArgumentException if negative or if the byte count overflows a {@code long}
     */
    public static DataSize ofMebibytes(long mebibytes) {
        return ofUnits(mebibytes, MIB, "MiB");
    }

    /**
     * {@return a size of {@code gibibytes} × 2<sup>30</sup> bytes}
     *
     * @param gibibytes the number of GiB, not negative
     * @throws IllegalArgumentException if negative or if the byte count overflows a {@code long}
     */
    public static DataSize ofGibibytes(long gibibytes) {
        return ofUnits(gibibytes, GIB, "GiB");
    }

    /**
     * Parses text such as {@code "4096"}, {@code "64KiB"}, {@code "256 MiB"}, {@code "2g"} or {@code "1TiB"};
     * units are binary (K = KiB = 1024 bytes) and case-insensitive.
     *
     * @param text the text to parse, not null
     * @return the size it names
     * @throws NullPointerException if {@code text} is null
     * @throws IllegalArgumentException if the text is not a whole number with an optional unit
     */
    public static DataSize parse(String text) {
        java.util.Objects.requireNonNull(text, "text");
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("size: '" + text + "' (expected: a whole number with an optional unit B, KiB, MiB, GiB or TiB)");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size: '" + text + "' does not fit in a long", e);
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        return switch (unit.charAt(0)) {
            case 'K' -> ofUnits(amount, KIB, "KiB");
            case 'M' -> ofUnits(amount, MIB, "MiB");
            case 'G' -> ofUnits(amount, GIB, "GiB");
            case 'T' -> ofUnits(amount, TIB, "TiB");
            default -> ofBytes(amount);
        };
    }

    private static DataSize ofUnits(long amount, long unit, String unitName) {
        if (amount < 0) {
            throw new IllegalArgumentException("size: " + amount + " " + unitName + " (expected: >= 0)");
        }
        if (amount > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("size: " + amount + " " + unitName + " overflows a long byte count");
        }
        return ofBytes(amount * unit);
    }

    /** {@return the number of bytes} */
    public long bytes() {
        return bytes;
    }

    /**
     * {@return a readable form with the largest binary unit that keeps three significant digits, e.g. {@code 64 KiB},
     * {@code 1.5 GiB}, {@code 300 B}}
     *
     * @param bytes a byte count; negative counts are shown with a minus sign
     */
    public static String format(long bytes) {
        long abs = Math.abs(bytes);
        String sign = bytes < 0 ? "-" : "";
        if (abs < KIB) {
            return sign + abs + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = abs;
        int i = -1;
        while (value >= 1024 && i < units.length - 1) {
            value /= 1024;
            i++;
        }
        String number = value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
        return sign + number + " " + units[i];
    }

    @Override
    public int compareTo(DataSize other) {
        return Long.compare(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataSize d && d.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytes);
    }

    /** {@return the size in the largest binary unit that reads well, e.g. {@code 64 KiB}} */
    @Override
    public String toString() {
        return format(bytes);
    }
}
