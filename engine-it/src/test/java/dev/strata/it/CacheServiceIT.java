package dev.strata.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.it.harness.ChildJvm;
import dev.strata.it.harness.ChildProcess;
import dev.strata.it.harness.ChildResult;
import dev.strata.it.scenario.CacheServiceScenario;
import dev.strata.it.scenario.ItemValues;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM service that uses Strata as its cache ({@link CacheServiceScenario}), in a child JVM with {@code -Xmx96m} and
 * {@code -XX:MaxDirectMemorySize=32m}, under {@value #CLIENTS} concurrent HTTP clients of {@value #REQUESTS_PER_CLIENT}
 * requests each (a bounded count, an overall timeout). Reads are skewed to a hot set (70% of them to 200 of 3,000 items) so the cache has hits; each
 * client writes only the items it owns ({@code id % CLIENTS == client}) so it knows their exact current version.
 * Every response must be the value of the asked item at some version, and an owned item's value must be at exactly
 * the version the client last wrote. Half-way through, a client asks the service to squeeze storage with execution
 * memory; the service must keep serving. At the end the child reports hit rate, tier sizes and storage evicted for
 * execution, and the test checks them.
 */
class CacheServiceIT {

    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = 500;
    private static final int ITEMS = 3_000;
    private static final int HOT_ITEMS = 200;
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path workDirectory;

    @Test
    void serviceAnswersEveryRequestCorrectlyWhileTheCacheSpillsAndIsSqueezed() throws Exception {
        try (ChildProcess child = ChildJvm.scenario(CacheServiceScenario.class, workDirectory)
                .jvmFlags("-Xmx96m", "-XX:MaxDirectMemorySize=32m")
                .args(workDirectory.resolve("disk").toString()).timeout(Duration.ofSeconds(180)).start();
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(10)).build()) {
            String base = "http://127.0.0.1:" + child.awaitLine(l -> l.startsWith("port=")).substring(5);
            List<String> problems = runClients(http, base);
            String liveStats = send(http, HttpRequest.newBuilder(URI.create(base + "/admin/stats")).GET());
            send(http, HttpRequest.newBuilder(URI.create(base + "/admin/shutdown"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            ChildResult result = child.awaitExit();

            assertEquals(List.of(), problems, result::describe);
            assertTrue(liveStats.contains("hitRate="), liveStats);
            assertEquals("", result.value("failedChecks"), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
            assertTrue(Double.parseDouble(result.value("hitRate")) > 0, result::describe);
            long tiersInUse = List.of("HEAP", "OFF_HEAP", "DISK").stream()
                    .filter(tier -> result.longValue(tier + ".entries") > 0).count();
            assertTrue(tiersInUse > 1, result::describe);
            assertTrue(result.longValue("evictedForExecution") > 0, result::describe);
            assertEquals(0, result.longValue("handlerFailures"), result::describe);
        }
    }

    private static List<String> runClients(HttpClient http, String base) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                int id = client;
                results.add(clients.submit(() -> client(id, http, base)));
            }
            List<String> problems = new ArrayList<>();
            long deadline = System.nanoTime() + LOAD_TIMEOUT.toNanos();
            for (Future<List<String>> result : results) {
                problems.addAll(result.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return problems;
        } finally {
            clients.shutdownNow();
        }
    }

    /** {@return what went wrong for this client, empty if nothing} */
    private static List<String> client(int client, HttpClient http, String base) throws Exception {
        Random random = new Random(client * 31L + 5);
        Map<Long, Long> ownedVersions = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (int request = 0; request < REQUESTS_PER_CLIENT && problems.size() < 10; request++) {
            if (client == 0 && request == REQUESTS_PER_CLIENT / 2) {
                send(http, HttpRequest.newBuilder(URI.create(base + "/admin/squeeze"))
                        .POST(HttpRequest.BodyPublishers.noBody()));
            }
            if (random.nextInt(100) < 20) {
                long id = (long) random.nextInt(ITEMS / CLIENTS) * CLIENTS + client;
                long version = ownedVersions.getOrDefault(id, 0L) + 1;
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + "/item/" + id))
                        .PUT(HttpRequest.BodyPublishers.ofString(Long.toString(version))).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 204) {
                    problems.add("PUT /item/" + id + ": status " + response.statusCode());
                }
                ownedVersions.put(id, version);
            } else {
                long id = random.nextInt(100) < 70 ? random.nextInt(HOT_ITEMS) : random.nextInt(ITEMS);
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + "/item/" + id))
                        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                long version = response.statusCode() == 200 ? ItemValues.versionOf(id, response.body()) : -1;
                if (version < 0) {
                    problems.add("GET /item/" + id + ": status " + response.statusCode() + ", not a value of the item");
                } else if (id % CLIENTS == client && version != ownedVersions.getOrDefault(id, 0L)) {
                    problems.add("GET /item/" + id + ": version " + version + ", last written "
                            + ownedVersions.getOrDefault(id, 0L));
                }
            }
        }
        return problems;
    }

    private static String send(HttpClient http, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() / 100 == 2, () -> request + ": status " + response.statusCode());
        return response.body();
    }
}
