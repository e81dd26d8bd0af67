package dev.strata.it.scenario;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.OffHeapBackend;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.CacheStats;
import dev.strata.codec.Codecs;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP service that uses Strata as its cache (run by {@code CacheServiceIT} with a small {@code -Xmx} and
 * {@code -XX:MaxDirectMemorySize}): the JDK's {@link HttpServer} on 127.0.0.1, an ephemeral port, four handler
 * threads, and a heap (2 MiB) + off-heap (4 MiB, {@code DIRECT_BUFFER}) + disk cache in front of a slow backing
 * store ({@link ItemValues}); the items read add up to more than the memory tiers hold.
 * <ul>
 *   <li>{@code GET /item/ID}: the item's current value, through {@code computeIfAbsent} (the store is asked on a miss);
 *   <li>{@code PUT /item/ID} with a version number as body: the store takes the version, then the cache the new value
 *       (204);
 *   <li>{@code GET /admin/stats}: {@code key=value} lines: hits, misses, hitRate, loads, entries per tier,
 *       evictedForExecution, squeezeRounds;
 *   <li>{@code POST /admin/squeeze}: starts {@value #SQUEEZE_ROUNDS} rounds of execution memory taking the storage
 *       region (see {@link ExecutionSqueeze}) on a background thread, while the service keeps serving (202);
 *   <li>{@code POST /admin/shutdown}: stops the service; the child writes its facts and exits.
 * </ul>
 * Prints {@code port=N} once it listens. A {@link Watchdog} bounds the whole run. {@code args[0]}: the disk directory.
 */
public final class CacheServiceScenario {

    static final int SQUEEZE_ROUNDS = 300;
    static final long WATCHDOG_SECONDS = 150;

    private final Engine engine;
    private final Cache<Long, byte[]> cache;
    private final ConcurrentHashMap<Long, Long> store = new ConcurrentHashMap<>();
    private final CountDownLatch shutdown = new CountDownLatch(1);
    private final AtomicLong squeezeRounds = new AtomicLong();
    private final AtomicLong handlerFailures = new AtomicLong();
    private volatile Thread squeezer;

    private CacheServiceScenario(Engine engine, Cache<Long, byte[]> cache) {
        this.engine = engine;
        this.cache = cache;
    }

    /**
     * Runs the service; see the class comment.
     *
     * @param args {@code args[0]}: the disk directory
     */
    public static void main(String[] args) {
        ScenarioReport.run(report -> {
            Watchdog watchdog = Watchdog.start(report, Duration.ofSeconds(WATCHDOG_SECONDS));
            try (Engine engine = Engine.builder().heap(DataSize.ofMebibytes(2))
                    .offHeap(DataSize.ofMebibytes(4), OffHeapBackend.DIRECT_BUFFER)
                    .disk(Path.of(args[0]), DataSize.ofGibibytes(1)).build();
                 Cache<Long, byte[]> cache = engine.newCache("items", Codecs.int64(), Codecs.bytes())
                         .tiers(Tier.HEAP, Tier.OFF_HEAP, Tier.DISK).build()) {
                new CacheServiceScenario(engine, cache).serve(report);
            } finally {
                watchdog.close();
            }
        });
    }

    private void serve(ScenarioReport report) throws IOException, InterruptedException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService handlers = Executors.newFixedThreadPool(4);
        server.setExecutor(handlers);
        server.createContext("/item/", exchange -> handle(exchange, this::item));
        server.createContext("/admin/stats", exchange -> handle(exchange, e -> reply(e, 200, stats())));
        server.createContext("/admin/squeeze", exchange -> handle(exchange, this::startSqueeze));
        server.createContext("/admin/shutdown", exchange -> handle(exchange, e -> {
            reply(e, 200, "bye".getBytes(StandardCharsets.US_ASCII));
            shutdown.countDown();
        }));
        server.start();
        System.out.println("port=" + server.getAddress().getPort());
        System.out.flush();
        shutdown.await();
        server.stop(0);
        handlers.shutdown();
        Thread squeezing = squeezer;
        if (squeezing != null) {
            squeezing.join();
        }
        CacheStats stats = cache.stats();
        report.put("hits", stats.hits());
        report.put("misses", stats.misses());
        report.put("hitRate", stats.hitRate());
        report.put("loads", stats.loads());
        for (CacheStats.TierStats tier : stats.tiers()) {
            report.put(tier.tier() + ".entries", tier.entries());
            report.put(tier.tier() + ".bytes", tier.bytes());
        }
        report.put("evictedForExecution", engine.stats().manager().storageEvictedForExecutionBytes());
        report.put("squeezeRounds", squeezeRounds.get());
        report.put("handlerFailures", handlerFailures.get());
        report.check("handlersNeverFailed", handlerFailures.get() == 0);
        report.check("hitRateAboveZero", stats.hitRate() > 0 && stats.hits() > 0);
        report.check("moreThanOneTierInUse", stats.tiers().stream().filter(t -> t.entries() > 0).count() > 1);
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private void handle(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            handler.handle(exchange);
        } catch (IOException | RuntimeException | Error e) {
            handlerFailures.incrementAndGet();
            e.printStackTrace();
            throw e;
        }
    }

    private void item(HttpExchange exchange) throws IOException {
        long id = Long.parseLong(exchange.getRequestURI().getPath().substring("/item/".length()));
        switch (exchange.getRequestMethod()) {
            case "GET" -> reply(exchange, 200, cache.computeIfAbsent(id,
                    key -> ItemValues.render(key, store.getOrDefault(key, 0L))));
            case "PUT" -> {
                long version = Long.parseLong(new String(exchange.getRequestBody().readAllBytes(),
                        StandardCharsets.US_ASCII).strip());
                store.put(id, version);
                cache.put(id, ItemValues.render(id, version));
                exchange.sendResponseHeaders(204, -1);
            }
            default -> reply(exchange, 405, new byte[0]);
        }
    }

    private void startSqueeze(HttpExchange exchange) throws IOException {
        synchronized (this) {
            if (squeezer == null) {
                squeezer = Thread.ofPlatform().name("squeezer").start(() -> {
                    ExecutionSqueeze squeeze = new ExecutionSqueeze(engine, 7);
                    try {
                        for (int round = 0; round < SQUEEZE_ROUNDS; round++) {
                            squeeze.round();
                            squeezeRounds.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
        reply(exchange, 202, new byte[0]);
    }

    private byte[] stats() {
        CacheStats stats = cache.stats();
        StringBuilder text = new StringBuilder();
        text.append("hits=").append(stats.hits()).append('\n').append("misses=").append(stats.misses()).append('\n')
                .append("hitRate=").append(stats.hitRate()).append('\n').append("loads=").append(stats.loads())
                .append('\n');
        for (CacheStats.TierStats tier : stats.tiers()) {
            text.append(tier.tier()).append(".entries=").append(tier.entries()).append('\n');
        }
        text.append("evictedForExecution=").append(engine.stats().manager().storageEvictedForExecutionBytes())
                .append('\n').append("squeezeRounds=").append(squeezeRounds.get()).append('\n');
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
