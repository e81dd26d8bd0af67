package dev.strata.memory.hugepage;

import dev.strata.memory.SlabSource;
import dev.strata.memory.SlabSourceKind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Slabs mapped with {@code mmap(2)} and advised as transparent huge pages ({@code madvise(MADV_HUGEPAGE)}): each
 * slab starts on a 2 MiB boundary and the kernel backs it with 2 MiB pages where it can, so one TLB entry covers 512
 * times the memory of a 4 KiB page. A lookup that lands on a random record then rarely pays a page walk on top of its
 * cache miss.
 *
 * <pre>
 *   mmap(length + 2 MiB) ──► cut the ends off ──► [ 2 MiB | 2 MiB | ... | 2 MiB | tail ] ──► madvise(HUGEPAGE)
 *                            (munmap)             on a 2 MiB boundary; a tail short of 2 MiB stays on 4 KiB pages
 * </pre>
 *
 * <p>Like {@code ARENA} slabs, this memory is not counted against {@code -XX:MaxDirectMemorySize}; releasing a slab
 * closes its arena, which unmaps the memory at once, and every segment sliced from the slab stops being alive (a late
 * access throws {@link IllegalStateException}, never a crash). The kernel zeroes the memory, and backs each 2 MiB at
 * its first touch (a pre-touching allocator takes those faults up front).
 *
 * <p><b>Requirements.</b> Linux on x86-64 or AArch64, transparent huge pages set to {@code madvise} or
 * {@code always}, and native access for the engine's module: {@code mmap} and {@code madvise} are native calls, which
 * the JDK allows without a warning only to modules named by {@code --enable-native-access} (the module
 * {@code dev.strata.engine} on the module path, {@code ALL-UNNAMED} on the class path). {@link #unavailableReason()}
 * says which one is missing. If the kernel has no free 2 MiB page at a fault it falls back to 4 KiB pages for that
 * range: the slab works either way, only its speed differs.
 *
 * <p>Thread-safe and stateless.
 */
public final class HugePageSlabSource implements SlabSource {

    /** The huge page size of x86-64 and of AArch64 with 4 KiB base pages. */
    public static final long HUGE_PAGE_BYTES = 2L << 20;
    /** The base page size: mappings are whole base pages. */
    private static final long SMALL_PAGE_BYTES = 4L << 10;

    /**
     * Creates the source.
     *
     * @throws UnsupportedOperationException if this JVM cannot map huge-page slabs; the message is
     *     {@link #unavailableReason()}
     */
    public HugePageSlabSource() {
        Optional<String> reason = unavailableReason();
        if (reason.isPresent()) {
            throw new UnsupportedOperationException(reason.get());
        }
    }

    /**
     * {@return why this JVM cannot use huge-page slabs, or empty if it can} Checks the machine
     * ({@link #machineUnavailableReason()}), then the engine module's native access, without any native call.
     */
    public static Optional<String> unavailableReason() {
        Optional<String> machine = machineUnavailableReason();
        if (machine.isPresent()) {
            return machine;
        }
        Module module = HugePageSlabSource.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String name = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            return Optional.of("huge-page slabs call mmap and madvise, and native access is not enabled for "
                    + (module.isNamed() ? "module " + name : "the class path") + " (expected: run the JVM with"
                    + " --enable-native-access=" + name + ")");
        }
        return Optional.empty();
    }

    /**
     * {@return why this machine cannot give huge-page slabs to any JVM, or empty if it can: the platform and the
     * kernel's transparent huge page setting, whatever this JVM's flags} For a launcher deciding whether a JVM it
     * starts with native access can use them.
     */
    public static Optional<String> machineUnavailableReason() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
            return Optional.of("huge-page slabs need Linux on x86-64 or AArch64 (this is " + os + " on " + arch + ")");
        }
        String mode = TransparentHugePages.mode(TransparentHugePages.ENABLED);
        if (mode == null) {
            return Optional.of("this kernel shows no transparent huge pages (" + TransparentHugePages.ENABLED
                    + " is missing or unreadable)");
        }
        if (mode.equals("never")) {
            return Optional.of("transparent huge pages are turned off on this machine (" + TransparentHugePages.ENABLED
                    + ": never; expected: madvise or always)");
        }
        return Optional.empty();
    }

    @Override
    public SlabSourceKind kind() {
        return SlabSourceKind.HUGE_PAGES;
    }

    @Override
    @SuppressWarnings("restricted")
    public Slab take(long byteSize) {
        if (byteSize <= 0 || byteSize > SlabSourceKind.HUGE_PAGES.maxSlabBytes()) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: 1 to "
                    + SlabSourceKind.HUGE_PAGES.maxSlabBytes() + " for a huge-page slab)");
        }
        long length = (byteSize + SMALL_PAGE_BYTES - 1) & -SMALL_PAGE_BYTES;
        long start = mapAligned(length);
        try {
            Mmap.adviseHugePages(start, length);
            Arena arena = Arena.ofShared();
            MemorySegment slab = MemorySegment.ofAddress(start).reinterpret(byteSize, arena,
                    unmapped -> Mmap.unmap(start, length));
            return new MappedSlab(arena, slab);
        } catch (RuntimeException | Error e) {
            Mmap.unmap(start, length);                 // nothing owns the mapping yet
            throw e;
        }
    }

    /**
     * {@inheritDoc} Read from {@code /proc/self/smaps} ({@code AnonHugePages} of the mappings holding the slabs), which
     * lists every mapping of the process: a call takes milliseconds.
     */
    @Override
    public long hugePageBytes(List<MemorySegment> slabs) {
        return HugePageUsage.backedBytes(slabs, HugePageUsage.SMAPS);
    }

    /**
     * {@return the address of a new mapping of {@code length} bytes starting on a huge page boundary} Maps one huge
     * page more than asked and unmaps what lies before the first boundary and after the length.
     */
    private static long mapAligned(long length) {
        long mapped = length + HUGE_PAGE_BYTES;
        long base = Mmap.map(mapped);
        long start = (base + HUGE_PAGE_BYTES - 1) & -HUGE_PAGE_BYTES;
        long end = start + length;
        if (start > base) {
            Mmap.unmap(base, start - base);
        }
        if (base + mapped > end) {
            Mmap.unmap(end, base + mapped - end);
        }
        return start;
    }

    /** One mapping, owned by the arena whose closing unmaps it. */
    private record MappedSlab(Arena arena, MemorySegment segment) implements Slab {

        @Override
        public void release() {
            arena.close();
        }
    }
}
