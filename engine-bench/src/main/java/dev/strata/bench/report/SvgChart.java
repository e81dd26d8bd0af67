package dev.strata.bench.report;

import dev.strata.Tier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A hand-written SVG bar chart of the tier ladder and the peers: one panel per operation (get, put, mix), one group of
 * horizontal bars per value size, one bar per system (Strata blue, peers orange, raw limits grey), 1 thread, Zipfian
 * keys where measured (else uniform). The throughput axis is logarithmic, because heap and disk differ by orders of
 * magnitude; each bar carries its number.
 *
 * <p>Stateless and thread-safe.
 */
final class SvgChart {

    private static final int WIDTH = 960;
    private static final int LABEL_WIDTH = 250;
    private static final int PLOT_WIDTH = 600;
    private static final int BAR_HEIGHT = 14;
    private static final int BAR_GAP = 4;
    private static final int GROUP_HEADER = 22;
    private static final int PANEL_HEADER = 34;
    private static final int TOP = 64;

    /** A bar to draw. */
    private record Bar(Column column, double mops) {
    }

    /** A value size's bars. */
    private record Group(String label, List<Bar> bars) {
    }

    /** An operation's groups. */
    private record Panel(String operation, List<Group> groups) {
    }

    private SvgChart() {
    }

    /**
     * Renders the chart.
     *
     * @param title the chart's title
     * @param results the results
     * @return a complete SVG document
     */
    static String render(String title, List<BenchResult> results) {
        List<Panel> panels = panels(results);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Panel panel : panels) {
            for (Group group : panel.groups()) {
                for (Bar bar : group.bars()) {
                    min = Math.min(min, bar.mops());
                    max = Math.max(max, bar.mops());
                }
            }
        }
        int lowDecade = panels.isEmpty() ? -1 : (int) Math.floor(Math.log10(min));
        int highDecade = panels.isEmpty() ? 2 : Math.max(lowDecade + 1, (int) Math.ceil(Math.log10(max)));
        Svg grid = new Svg();
        Svg svg = new Svg();
        int y = TOP;
        for (Panel panel : panels) {
            y = panel(grid, svg, panel, y, lowDecade, highDecade);
        }
        if (panels.isEmpty()) {
            svg.text(LABEL_WIDTH, y + 20, "start", 14, "#444", "No tier or peer results in this run.");
            y += 40;
        }
        int height = y + 20;
        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n", WIDTH, height, WIDTH, height));
        out.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                WIDTH, height));
        Svg head = new Svg();
        head.text(16, 26, "start", 18, "#000", title);
        head.text(16, 46, "start", 12, "#444",
                "Throughput, M ops/s (log scale; higher is better). 1 thread, Zipfian keys where measured.");
        legend(head);
        out.append(head.body()).append(grid.body()).append(svg.body()).append("</svg>\n");
        return out.toString();
    }

    private static void legend(Svg svg) {
        int x = WIDTH - 300;
        for (Column.Kind kind : Column.Kind.values()) {
            svg.rect(x, 36, 12, 12, colour(kind));
            String label = switch (kind) {
                case STRATA -> "Strata";
                case PEER -> "peer";
                case RAW -> "raw limit";
            };
            svg.text(x + 16, 46, "start", 12, "#000", label);
            x += 90;
        }
    }

    private static int panel(Svg grid, Svg svg, Panel panel, int top, int lowDecade, int highDecade) {
        int y = top;
        svg.text(16, y + 20, "start", 15, "#000", panel.operation());
        y += PANEL_HEADER;
        int panelTop = y;
        for (Group group : panel.groups()) {
            svg.text(16, y + 15, "start", 12, "#000", "value " + group.label());
            y += GROUP_HEADER;
            for (Bar bar : group.bars()) {
                double fraction = (Math.log10(bar.mops()) - lowDecade) / (highDecade - lowDecade);
                int length = Math.max(1, (int) Math.round(fraction * PLOT_WIDTH));
                svg.text(LABEL_WIDTH - 6, y + BAR_HEIGHT - 3, "end", 11, "#000", bar.column().header());
                svg.rect(LABEL_WIDTH, y, length, BAR_HEIGHT, colour(bar.column().kind()));
                svg.text(LABEL_WIDTH + length + 4, y + BAR_HEIGHT - 3, "start", 11, "#000",
                        Format.significant(bar.mops()));
                y += BAR_HEIGHT + BAR_GAP;
            }
        }
        for (int decade = lowDecade; decade <= highDecade; decade++) {
            int x = LABEL_WIDTH + (int) Math.round((double) (decade - lowDecade) / (highDecade - lowDecade)
                    * PLOT_WIDTH);
            grid.line(x, panelTop, x, y, "#cccccc");
            grid.text(x, y + 12, "middle", 10, "#444", decadeLabel(decade));
        }
        return y + 24;
    }

    private static String decadeLabel(int decade) {
        return decade >= 0 ? String.valueOf((long) Math.pow(10, decade))
                : String.format(Locale.ROOT, "%." + (-decade) + "f", Math.pow(10, decade));
    }

    private static List<Panel> panels(List<BenchResult> results) {
        List<Column> columns = new ArrayList<>();
        Set<Column> seen = new LinkedHashSet<>(Catalog.LADDER);
        columns.addAll(Catalog.LADDER);
        for (Tier tier : Tier.values()) {
            for (Column column : Catalog.columns(tier)) {
                if (seen.add(column)) {
                    columns.add(column);
                }
            }
        }
        List<Panel> panels = new ArrayList<>();
        for (String operation : Catalog.OPERATIONS) {
            List<Group> groups = new ArrayList<>();
            for (int valueSize : valueSizes(results)) {
                List<Bar> bars = new ArrayList<>();
                for (Column column : columns) {
                    BenchResult result = pick(results, column, operation, valueSize);
                    if (result != null && result.opsPerSecond() > 0) {
                        bars.add(new Bar(column, result.opsPerSecond() / 1e6));
                    }
                }
                if (!bars.isEmpty()) {
                    groups.add(new Group(Format.bytes(valueSize), bars));
                }
            }
            if (!groups.isEmpty()) {
                panels.add(new Panel(operation, groups));
            }
        }
        return panels;
    }

    private static BenchResult pick(List<BenchResult> results, Column column, String operation, int valueSize) {
        BenchResult zipf = new Row(valueSize, "ZIPF", 1).find(results, column, operation);
        return zipf != null ? zipf : new Row(valueSize, "UNIFORM", 1).find(results, column, operation);
    }

    private static Set<Integer> valueSizes(List<BenchResult> results) {
        Set<Integer> sizes = new TreeSet<>();
        for (BenchResult result : results) {
            String size = result.param("valueSize");
            if (size != null && size.chars().allMatch(Character::isDigit)) {
                sizes.add(Integer.parseInt(size));
            }
        }
        return sizes;
    }

    private static String colour(Column.Kind kind) {
        return switch (kind) {
            case STRATA -> "#1f77b4";
            case PEER -> "#ff7f0e";
            case RAW -> "#8c8c8c";
        };
    }

    /** Accumulates SVG elements. Not thread-safe. */
    private static final class Svg {
        private final StringBuilder body = new StringBuilder();

        void rect(int x, int y, int width, int height, String fill) {
            body.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", x, y, width, height, fill));
        }

        void line(int x1, int y1, int x2, int y2, String stroke) {
            body.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1\"/>\n",
                    x1, y1, x2, y2, stroke));
        }

        void text(int x, int y, String anchor, int size, String fill, String text) {
            body.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\">%s</text>\n",
                    x, y, anchor, size, fill, escape(text)));
        }

        String body() {
            return body.toString();
        }

        private static String escape(String text) {
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
