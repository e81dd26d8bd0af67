package dev.strata.memory.direct;

import dev.strata.memory.SlabSource;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Slabs from {@link ByteBuffer#allocateDirect(int)}, viewed with {@link MemorySegment#ofBuffer}.
 *
 * <p>These slabs count against {@code -XX:MaxDirectMemorySize} and show in the {@code direct} buffer pool MXBean.
 * The JDK frees a direct buffer only when the garbage collector collects it, so the allocator keeps every slab for its
 * whole life; {@link Slab#release()} only drops this source's reference (segments still held elsewhere keep the
 * buffer, and so the memory, alive: a late access never crashes).
 *
 * <p>Thread-safe and stateless.
 */
public final class DirectBufferSlabSource implements SlabSource {

    /** Creates the source. */
    public DirectBufferSlabSource() {
    }

    @Override
    public SlabSourceKind kind() {
        return SlabSourceKind.DIRECT_BUFFER;
    }

    @Override
    public Slab take(long byteSize) {
        if (byteSize <= 0 || byteSize > SlabSourceKind.DIRECT_BUFFER.maxSlabBytes()) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: 1 to 2 GiB - 1 for a direct buffer)");
        }
        return Slab.collectedByGc(MemorySegment.ofBuffer(ByteBuffer.allocateDirect((int) byteSize)));
    }
}
