package dev.strata.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a JMH JSON file into the Markdown report and the SVG chart beside it ({@code x.json -> x.md, x.svg}).
 *
 * <p>Stateless and thread-safe.
 */
final class ReportFiles {

    /**
     * Where the report went.
     *
     * @param markdown the Markdown file
     * @param chart the SVG file
     */
    record Written(Path markdown, Path chart) {
    }

    private ReportFiles() {
    }

    /**
     * Writes the report and the chart.
     *
     * @param json the JMH JSON results
     * @param title the report's title
     * @param notes paragraphs to show under the machine table
     * @return the files written
     * @throws IOException if a file cannot be read or written
     */
    static Written write(Path json, String title, List<String> notes) throws IOException {
        String text = Files.readString(json, StandardCharsets.UTF_8);
        List<BenchResult> results = ResultsFile.parse(text);
        String base = json.getFileName().toString().replaceFirst("\\.json$", "");
        Path markdown = json.resolveSibling(base + ".md");
        Path chart = json.resolveSibling(base + ".svg");
        Files.writeString(chart, SvgChart.render("Strata: tier ladder and peers, " + title, results),
                StandardCharsets.UTF_8);
        Files.writeString(markdown, MarkdownReport.render(title, results, ResultsFile.settings(text),
                MachineInfo.current(), notes, chart.getFileName().toString()), StandardCharsets.UTF_8);
        return new Written(markdown, chart);
    }
}
