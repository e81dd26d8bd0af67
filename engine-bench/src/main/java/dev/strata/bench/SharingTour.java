package dev.strata.bench;

import dev.strata.DataSize;
import dev.strata.Engine;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.RemovalCause;
import dev.strata.codec.Codecs;
import dev.strata.management.CacheMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMX;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The sharing part of the tour: two caches in one engine's 16 MiB heap region. {@code reports} (heap, then disk) is
 * filled and then nobody reads it; {@code sessions} (heap only) is read cache-aside. Once the engine finds
 * {@code reports} idle it has no share, and {@code sessions} takes its heap (its entries move to its disk tier, where
 * every one still reads back); then {@code sessions}' heap maximum is set while it runs. A removal listener on
 * {@code sessions} counts the entries it evicted (its only tier), by cause. The engine's idle time is
 * 200 ms here (a minute by default) so that the tour waits little; what each step shows depends on the machine's
 * speed (a first look, as the tier part: {@code NoisyNeighbour} measures the sharing).
 */
final class SharingTour {

    private static final int VALUE_BYTES = 1024;
    private static final int REPORTS = 24 * 1024;
    private static final int SESSION_KEYS = 40_000;
    private static final Duration IDLE = Duration.ofMillis(200);

    private SharingTour() {
    }

    static void run() {
        System.out.printf(Locale.ROOT, "Two caches in a 16 MiB heap region, idle time %d ms: 'reports' filled with %d "
                + "entries of %d B and then not read, 'sessions' read cache-aside:%n", IDLE.toMillis(), REPORTS,
                VALUE_BYTES);
        Path dir = TierTour.scratch();
        Map<RemovalCause, LongAdder> told = new EnumMap<>(RemovalCause.class);
        for (RemovalCause cause : RemovalCause.values()) {
            told.put(cause, new LongAdder());
        }
        try (Engine engine = Engine.builder().name("tour-sharing").heap(DataSize.ofMebibytes(16))
                .disk(dir, DataSize.ofMebibytes(256)).idleCacheAfter(IDLE).build();
             Cache<Integer, byte[]> reports = engine.newCache("reports", Codecs.int32(), Codecs.bytes())
                     .tiers(Tier.HEAP, Tier.DISK).build();
             Cache<Integer, byte[]> sessions = engine.newCache("sessions", Codecs.int32(), Codecs.bytes())
                     .tiers(Tier.HEAP).removalListener((key, removed, cause) -> told.get(cause).increment(),
                             Runnable::run).build()) {
            byte[] value = new byte[VALUE_BYTES];
            for (int i = 0; i < REPORTS; i++) {
                reports.put(i, value);
            }
            show("after filling 'reports'", reports, sessions);
            double hitRatio = readSessions(sessions, value, 2 * IDLE.toNanos());
            show(String.format(Locale.ROOT, "after %d ms of reading 'sessions' (hit ratio %.1f%%)",
                    2 * IDLE.toMillis(), 100 * hitRatio), reports, sessions);
            System.out.printf(Locale.ROOT, "  'reports' found idle: %b; its entries that read back: %d of %d%n",
                    bean("reports").isIdle(), readBack(reports), REPORTS);
            long start = System.nanoTime();
            sessions.setMaximumSize(Tier.HEAP, DataSize.ofMebibytes(4));
            show(String.format(Locale.ROOT, "after sessions.setMaximumSize(HEAP, 4 MiB), which took %.1f ms",
                    (System.nanoTime() - start) / 1e6), reports, sessions);
            System.out.printf(Locale.ROOT, "  'sessions' removal listener was told: %s%n", told);
        } finally {
            TierTour.delete(dir);
        }
        System.out.println();
    }

    /** Reads {@code sessions} cache-aside with Zipf-like keys for {@code nanos}; {@return the hit ratio} */
    private static double readSessions(Cache<Integer, byte[]> sessions, byte[] value, long nanos) {
        SplittableRandom random = new SplittableRandom(7);
        long hits = 0;
        long reads = 0;
        for (long end = System.nanoTime() + nanos; System.nanoTime() < end; ) {
            for (int i = 0; i < 1000; i++, reads++) {
                int key = (int) (SESSION_KEYS * Math.pow(random.nextDouble(), 3));   // low keys far more often
                if (sessions.get(key) != null) {
                    hits++;
                } else {
                    sessions.put(key, value);
                }
            }
        }
        return (double) hits / reads;
    }

    private static int readBack(Cache<Integer, byte[]> reports) {
        int found = 0;
        for (int i = 0; i < REPORTS; i++) {
            byte[] read = reports.get(i);
            found += read != null && read.length == VALUE_BYTES ? 1 : 0;
        }
        return found;
    }

    private static void show(String when, Cache<?, ?> reports, Cache<?, ?> sessions) {
        System.out.printf(Locale.ROOT, "  %-64s reports: heap %9s, disk %9s   sessions: heap %9s%n", when,
                DataSize.format(reports.bytes(Tier.HEAP)), DataSize.format(reports.bytes(Tier.DISK)),
                DataSize.format(sessions.bytes(Tier.HEAP)));
    }

    private static CacheMXBean bean(String cache) {
        try {
            return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    new ObjectName("dev.strata:type=Cache,name=" + cache), CacheMXBean.class);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(cache, e);
        }
    }
}
