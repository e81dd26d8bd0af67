package dev.strata.bench.memory;

import dev.strata.memory.Page;
import dev.strata.memory.PageAllocator;
import dev.strata.memory.PageAllocatorConfig;
import dev.strata.memory.SlabSourceKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocate and free one page: Strata's page allocator ({@code DIRECT_BUFFER} and {@code ARENA} slabs) against netty's
 * {@link PooledByteBufAllocator} ({@code directBuffer(size)} + {@code release()}) and plain
 * {@link ByteBuffer#allocateDirect} (allocate only; the garbage collector frees it).
 *
 * <p>Netty is measured twice. {@code nettyPooled} is {@code new PooledByteBufAllocator(true)}: in netty 4.2 its
 * default {@code useCacheForAllThreads} is false, so JMH's plain worker threads get no thread-local cache and every
 * call goes to the arena. {@code nettyPooledThreadCache} sets {@code useCacheForAllThreads = true} (netty's fast
 * path; note netty caches only buffers up to {@code maxCachedBufferCapacity}, 32 KiB by default, so 64 KiB buffers
 * still go to the arena).
 *
 * <p>Allocators are shared by all benchmark threads ({@link Scope#Benchmark}); slabs are pre-touched in
 * {@link #setUp()}. Run the {@link OneThread} and {@link TwoThreads} variants, e.g.
 * {@code java -jar engine-bench/target/benchmarks.jar PageAlloc -f 1 -wi 2 -w 1s -i 3 -r 1s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public abstract class PageAllocBenchmark {

    private static final String OWNER = "bench";
    private static final long BUDGET = 64L << 20;
    private static final long SLAB = 16L << 20;

    /** Bytes per page. */
    @Param({"4096", "65536"})
    public int pageSize;

    private PageAllocator direct;
    private PageAllocator arena;
    private PooledByteBufAllocator nettyPooled;
    private PooledByteBufAllocator nettyPooledThreadCache;

    /** Creates the allocators and takes (and pre-touches) their first slab. */
    @Setup
    public void setUp() {
        direct = create(SlabSourceKind.DIRECT_BUFFER);
        arena = create(SlabSourceKind.ARENA);
        nettyPooled = new PooledByteBufAllocator(true);
        nettyPooledThreadCache = new PooledByteBufAllocator(true, PooledByteBufAllocator.defaultNumHeapArena(),
                PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
                PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                PooledByteBufAllocator.defaultNormalCacheSize(), true);
        nettyPooled.directBuffer(pageSize).release();
        nettyPooledThreadCache.directBuffer(pageSize).release();
    }

    /** Closes the allocators (strict: a leaked page fails the run). */
    @TearDown
    public void tearDown() {
        direct.close();
        arena.close();
    }

    /** {@return a freed handle} Strata, slabs from {@code ByteBuffer.allocateDirect}. */
    @Benchmark
    public Page strataDirect() {
        Page page = direct.allocate(OWNER);
        direct.free(page);
        return page;
    }

    /** {@return a freed handle} Strata, slabs from {@code Arena.ofShared()}. */
    @Benchmark
    public Page strataArena() {
        Page page = arena.allocate(OWNER);
        arena.free(page);
        return page;
    }

    /** {@return a released buffer} Netty pooled, default construction (no thread cache for JMH threads). */
    @Benchmark
    public ByteBuf nettyPooled() {
        ByteBuf buffer = nettyPooled.directBuffer(pageSize);
        buffer.release();
        return buffer;
    }

    /** {@return a released buffer} Netty pooled with {@code useCacheForAllThreads = true}. */
    @Benchmark
    public ByteBuf nettyPooledThreadCache() {
        ByteBuf buffer = nettyPooledThreadCache.directBuffer(pageSize);
        buffer.release();
        return buffer;
    }

    /** {@return a new direct buffer} The JDK, unpooled: freed when the garbage collector gets to it. */
    @Benchmark
    public ByteBuffer jdkAllocateDirect() {
        return ByteBuffer.allocateDirect(pageSize);
    }

    private PageAllocator create(SlabSourceKind kind) {
        PageAllocator allocator = PageAllocator.create(new PageAllocatorConfig("bench-" + kind + "-" + pageSize, kind,
                pageSize, SLAB, BUDGET, true, true));
        allocator.free(allocator.allocate(OWNER));
        return allocator;
    }

    /** One benchmark thread. */
    @Threads(1)
    public static class OneThread extends PageAllocBenchmark {
    }

    /** Two benchmark threads sharing each allocator. */
    @Threads(2)
    public static class TwoThreads extends PageAllocBenchmark {
    }
}
