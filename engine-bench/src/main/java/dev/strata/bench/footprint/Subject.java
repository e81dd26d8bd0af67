package dev.strata.bench.footprint;

import dev.strata.bench.peer.CacheAdapter;
import dev.strata.bench.peer.ChronicleMapAdapter;
import dev.strata.bench.peer.EhcacheAdapter;
import dev.strata.bench.peer.OhcAdapter;
import dev.strata.bench.tier.StrataAdapter;
import dev.strata.bench.tier.StrataTier;
import dev.strata.bench.workload.JvmFlags;
import java.util.List;

/**
 * The stores whose footprint is measured, each with the JVM flags its child process needs: off-heap stores (the
 * payload is in memory) and disk stores (the payload is in files; what counts is the memory their index keeps).
 */
enum Subject {
    /** Strata's off-heap tier over arena slabs; own counter: pages in use × page size. */
    STRATA_ARENA("Strata off-heap (ARENA)", List.of()),
    /** Strata's off-heap tier over direct-buffer slabs. */
    STRATA_DIRECT("Strata off-heap (DIRECT_BUFFER)", List.of()),
    /** OHC, linked implementation; own counter: {@code memUsed()}. */
    OHC("OHC", List.of(JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ALLOW)),
    /** Chronicle Map in memory; own counter: {@code offHeapMemoryUsed()}. */
    CHRONICLE_MAP("Chronicle Map", List.of(JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ALLOW, JvmFlags.CHRONICLE_JAVAC,
            JvmFlags.CHRONICLE_REF, JvmFlags.CHRONICLE_NIO, JvmFlags.CHRONICLE_MISC, JvmFlags.CHRONICLE_LANG,
            JvmFlags.CHRONICLE_REFLECT, JvmFlags.CHRONICLE_NIO_OPEN, JvmFlags.CHRONICLE_NO_ANALYTICS,
            JvmFlags.CHRONICLE_NO_ANNOUNCER)),
    /** Ehcache's off-heap tier; own counter: the JVM's direct buffer pool (its pool is allocated up front). */
    EHCACHE_OFF_HEAP("Ehcache off-heap", List.of(JvmFlags.UNSAFE_ALLOW)),
    /** Strata's disk tier, a disk-only cache: the cache's nodes and the store's index on the heap. */
    STRATA_DISK("Strata disk", List.of()),
    /** Ehcache's disk tier (not persistent); own counter: the JVM's direct buffer pool, where its index lives. */
    EHCACHE_DISK("Ehcache disk", List.of(JvmFlags.UNSAFE_ALLOW));

    private final String label;
    private final List<String> flags;

    Subject(String label, List<String> flags) {
        this.label = label;
        this.flags = flags;
    }

    String label() {
        return label;
    }

    List<String> flags() {
        return flags;
    }

    /** {@return whether the store keeps its values in files (the table then reports the memory its index keeps)} */
    boolean onDisk() {
        return this == STRATA_DISK || this == EHCACHE_DISK;
    }

    /** Whether the store's capacity is reserved up front, so the smallest capacity that holds the data is searched. */
    boolean preallocates() {
        return this == EHCACHE_OFF_HEAP;
    }

    /**
     * Opens the store.
     *
     * @param entries how many entries it must hold
     * @param valueSize the value size
     * @param capacityBytes the capacity for stores bounded in bytes
     * @return the store
     */
    CacheAdapter open(int entries, int valueSize, long capacityBytes) {
        return switch (this) {
            case STRATA_ARENA -> new StrataAdapter(StrataTier.OFF_HEAP_ARENA, 64L << 20, capacityBytes);
            case STRATA_DIRECT -> new StrataAdapter(StrataTier.OFF_HEAP_DIRECT, 64L << 20, capacityBytes);
            case OHC -> new OhcAdapter(capacityBytes, entries);
            case CHRONICLE_MAP -> new ChronicleMapAdapter(entries, valueSize);
            case EHCACHE_OFF_HEAP -> new EhcacheAdapter(EhcacheAdapter.Tier.OFF_HEAP, entries, capacityBytes);
            case STRATA_DISK -> new StrataAdapter(StrataTier.DISK, 64L << 20, capacityBytes);
            case EHCACHE_DISK -> new EhcacheAdapter(EhcacheAdapter.Tier.DISK, entries, capacityBytes);
        };
    }

    /**
     * {@return the store's own count of its native bytes, or -1 if it has none}
     *
     * @param store a store opened by {@link #open}
     */
    long ownBytes(CacheAdapter store) {
        return switch (store) {
            case StrataAdapter strata -> strata.offHeapBytesInUse();
            case OhcAdapter ohc -> ohc.memUsed();
            case ChronicleMapAdapter chronicle -> chronicle.offHeapMemoryUsed();
            default -> -1;
        };
    }
}
