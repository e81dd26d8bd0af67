package dev.strata.memory.arena;

import dev.strata.memory.SlabSource;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Slabs from one {@link Arena#ofShared() shared arena} each, aligned to 4 KiB.
 *
 * <p>This memory is not counted against {@code -XX:MaxDirectMemorySize} and does not show in the JDK's buffer-pool
 * MXBeans: the allocator's own budget and statistics are its only guard and record. Releasing a slab closes its arena:
 * the memory goes back to the operating system at once and every segment sliced from the slab stops being alive
 * (access then throws {@link IllegalStateException} from the FFM API, never a crash).
 *
 * <p>Thread-safe and stateless.
 */
public final class ArenaSlabSource implements SlabSource {

    /** Slabs start on an operating-system page boundary, good for pre-touching and for direct I/O. */
    private static final long SLAB_ALIGNMENT = 4096;

    /** Creates the source. */
    public ArenaSlabSource() {
    }

    @Override
    public SlabSourceKind kind() {
        return SlabSourceKind.ARENA;
    }

    @Override
    public Slab take(long byteSize) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: > 0)");
        }
        Arena arena = Arena.ofShared();
        try {
            return new ArenaSlab(arena, arena.allocate(byteSize, SLAB_ALIGNMENT));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** One arena and the one segment allocated in it. */
    private record ArenaSlab(Arena arena, MemorySegment segment) implements Slab {

        @Override
        public void release() {
            arena.close();
        }
    }
}
