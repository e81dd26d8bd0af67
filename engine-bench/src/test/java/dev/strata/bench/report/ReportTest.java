package dev.strata.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report from a small JMH JSON fixture: parsing, every table's figures and ratios, and a well-formed chart. */
class ReportTest {

    private static final MachineInfo MACHINE = new MachineInfo(2, "Test CPU", "24 GiB", "0.00 0.00 0.00", "25");

    private static String json;
    private static List<BenchResult> results;
    private static String markdown;

    @BeforeAll
    static void readFixture() throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream("fixture.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        results = ResultsFile.parse(json);
        markdown = MarkdownReport.render("fixture", results, ResultsFile.settings(json), MACHINE,
                List.of("machine busy"), "fixture.svg");
    }

    @Test
    void parsesEveryResultWithItsParametersScoreAndUnit() {
        assertEquals(21, results.size());
        BenchResult first = results.getFirst();
        assertEquals("StrataTierBenchmark", first.className());
        assertEquals("dev.strata.bench.tier", first.packageName());
        assertEquals("get", first.method());
        assertEquals(Map.of("keys", "ZIPF", "valueSize", "1024", "tier", "HEAP"), first.params());
        assertEquals(20.0, first.score());
        assertEquals(20.0e6, first.opsPerSecond());
        assertTrue(Double.isNaN(results.get(7).scoreError()), "JMH writes NaN errors as a string");
        assertTrue(Double.isNaN(results.get(13).opsPerSecond()), "ns/op is not a throughput");
    }

    @Test
    void readsTheRunSettings() {
        ResultsFile.RunSettings settings = ResultsFile.settings(json);
        assertEquals("25.0.3", settings.jdkVersion());
        assertEquals(1, settings.forks());
        assertEquals("1 x 1 s", settings.warmup());
        assertEquals("2 x 1 s", settings.measurement());
    }

    @Test
    void headerNamesTheMachineTheJdkAndTheNotes() {
        assertTrue(markdown.contains("| CPUs | 2 × Test CPU |"), markdown);
        assertTrue(markdown.contains("| JDK (benchmarks) | 25.0.3, OpenJDK 64-Bit Server VM |"), markdown);
        assertTrue(markdown.contains("> machine busy"), markdown);
        assertTrue(markdown.contains("![tier ladder and peers](fixture.svg)"), markdown);
    }

    @Test
    void tierLadderShowsEachTierAndTheSlowdownFactors() {
        assertTrue(markdown.contains("| 1 KiB | ZIPF | 1 | 20.0 | 10.0 | 8.00 | 0.500 | 1 : 2.00 : 40.0 |"), markdown);
        assertTrue(markdown.contains("| 1 KiB | ZIPF | 1 | 4.00 | — | — | — | 1 : — : — |"), markdown);
    }

    @Test
    void offHeapTableDividesStrataByEachPeerAndByTheRawSlabCopy() {
        assertTrue(markdown.contains("| value | keys | threads | Strata off-heap (ARENA) | Strata off-heap (DIRECT_BUFFER)"
                + " | OHC | Ehcache off-heap | raw slab copy |"), "Chronicle Map has no result, so no column");
        assertTrue(markdown.contains("| 1 KiB | ZIPF | 1 | 10.0 | 8.00 (1.25×) | 5.00 (2.00×) | 2.50 (4.00×) "
                + "| 20.0 (0.500×) |"), markdown);
        assertTrue(markdown.contains("| 100 B | UNIFORM | 1 | — | — | 3.00 | — | — |"),
                "no ratio where Strata has no figure: " + markdown);
    }

    @Test
    void heapAndDiskTablesCompareWithTheirPeersAndRawLimits() {
        assertTrue(markdown.contains("| 1 KiB | ZIPF | 1 | 20.0 | 25.0 (0.800×) |"), markdown);
        assertTrue(markdown.contains("| 1 KiB | ZIPF | 1 | 0.500 | 0.250 (2.00×) | 1.00 (0.500×) |"), markdown);
        assertTrue(markdown.contains("| 16 KiB | — | 1 | — | 2.00 |"), "sequential write has no key distribution");
    }

    @Test
    void allocatorTableInvertsTimesSoAboveOneMeansStrataIsFaster() {
        assertTrue(markdown.contains("| PageAllocatorBenchmark.allocateFree {pageSize=65536} | 50.0 ± 0.100 ns/op "
                + "| 100 ± 0.100 ns/op | 2.00× |"), markdown);
    }

    @Test
    void nestedBenchmarkClassesKeepTheirPackageAndOuterClass() {
        BenchResult nested = results.get(16);
        assertEquals("dev.strata.bench.memory", nested.packageName());
        assertEquals("PageAllocBenchmark.OneThread", nested.className());
        assertEquals("strataArena", nested.method());
    }

    @Test
    void allocatorTableComparesEachStrataVariantWithEachNettyVariant() {
        assertTrue(markdown.contains("| PageAllocBenchmark.OneThread.* {pageSize=65536} | 30.0 ops/us | 20.0 ops/us "
                + "| 10.0 ops/us | 3.00× | 2.00× |"), markdown);
        assertTrue(markdown.contains("| PageAllocBenchmark.TwoThreads.* {pageSize=65536} (2 threads) | 40.0 ops/us "
                + "| 50.0 ops/us | 0.800× |"), markdown);
    }

    @Test
    void allocationPerOperationComesFromTheGcProfilerWhereTheRunHadIt() {
        assertEquals(24.0, results.stream().filter(r -> r.benchmark().endsWith("StrataTierBenchmark.get")
                && "HEAP".equals(r.param("tier"))).findFirst().orElseThrow().allocBytesPerOp());
        assertTrue(results.stream().filter(r -> r.benchmark().endsWith(".put"))
                .allMatch(r -> Double.isNaN(r.allocBytesPerOp())), "no profiler data: NaN");
        assertTrue(markdown.contains("## Allocation per operation"), markdown);
        assertTrue(markdown.contains("| 1 KiB | ZIPF | 1 | 24.0 | 1064 |"), markdown);
        assertFalse(markdown.contains("| 100 B | UNIFORM | 1 | — | — | — | — | — |"), "rows without data are left out");
    }

    @Test
    void otherResultsAreListed() {
        assertTrue(markdown.contains("| CodecBenchmark.encode | {codec=UTF8 & \"friends\"} | 1 | 123 ± 0.100 | ns/op |"),
                markdown);
        assertFalse(markdown.contains("OhcBenchmark.get |"), "results in tier tables are not repeated");
    }

    @Test
    void chartIsWellFormedSvgWithOneBarPerMeasuredSystem() throws Exception {
        String svg = SvgChart.render("fixture <&> \"quoted\"", results);
        Document document = parse(svg);
        Element root = document.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        NodeList rects = document.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        int bars = 0;
        int strataBars = 0;
        for (int i = 0; i < rects.getLength(); i++) {
            Element rect = (Element) rects.item(i);
            if (rect.getAttribute("height").equals("14")) {
                bars++;
                if (rect.getAttribute("fill").equals("#1f77b4")) {
                    strataBars++;
                }
            }
        }
        // get: 100 B OHC; 1 KiB four Strata tiers, Caffeine, OHC, Ehcache off-heap and disk, slab, pread;
        // put: 1 KiB Strata heap; 16 KiB sequential write
        assertEquals(13, bars);
        assertEquals(5, strataBars);
        assertTrue(document.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text").item(0).getTextContent()
                .equals("fixture <&> \"quoted\""), "the title survives escaping");
    }

    @Test
    void emptyResultsGiveAValidChartAndAReportThatSaysSo() throws Exception {
        parse(SvgChart.render("empty", List.of()));
        String empty = MarkdownReport.render("empty", List.of(), ResultsFile.settings("[]"), MACHINE, List.of(),
                null);
        assertTrue(empty.contains("_No Strata tier results in this run"), empty);
        assertTrue(empty.contains("_No allocator results in this run._"), empty);
    }

    @Test
    void writesMarkdownAndSvgBesideTheJson(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("2026-01-01-quick.json");
        Files.writeString(file, json);
        ReportFiles.Written written = ReportFiles.write(file, "2026-01-01-quick", List.of());
        assertEquals(directory.resolve("2026-01-01-quick.md"), written.markdown());
        assertEquals(directory.resolve("2026-01-01-quick.svg"), written.chart());
        parse(Files.readString(written.chart()));
        assertTrue(Files.readString(written.markdown()).contains("1 : 2.00 : 40.0"));
    }

    @Test
    void badJsonIsRejectedWithItsOffset() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ResultsFile.parse("[{\"benchmark\": }]"));
        assertTrue(error.getMessage().contains("offset 15"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResultsFile.parse("{}"));
        assertThrows(IllegalArgumentException.class, () -> ResultsFile.parse("[{\"mode\": \"thrpt\"}]"));
    }

    @Test
    void jsonReaderHandlesEscapesNumbersAndLiterals() {
        Object value = Json.parse("{\"a\": [1, -2.5e3, true, false, null], \"b\": \"x\\\"\\u00e9\\n\"}");
        assertEquals(Map.of("a", java.util.Arrays.asList(1.0, -2500.0, true, false, null), "b", "x\"é\n"), value);
    }

    @Test
    void formatsFiguresForPeople() {
        assertEquals("123", Format.significant(123.4));
        assertEquals("12.3", Format.significant(12.34));
        assertEquals("1.23", Format.significant(1.234));
        assertEquals("0.123", Format.significant(0.1234));
        assertEquals("2.00×", Format.ratio(4, 2));
        assertEquals("—", Format.ratio(Double.NaN, 2));
        assertEquals("100 B", Format.bytes(100));
        assertEquals("16 KiB", Format.bytes(16384));
    }

    @Test
    void aMachineWithoutHugePagesSkipsOnlyTheHugePageBenchmark() {
        assertEquals(List.of(), BenchRunner.excludes(true));
        List<String> excludes = BenchRunner.excludes(false);
        assertEquals(1, excludes.size());
        Pattern exclude = Pattern.compile(excludes.getFirst());
        assertTrue(exclude.matcher("dev.strata.bench.tier.StrataHugePagesBenchmark.get").find());
        assertFalse(exclude.matcher("dev.strata.bench.tier.StrataTierBenchmark.get").find());
        assertFalse(exclude.matcher("dev.strata.bench.peer.OhcBenchmark.get").find());
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
