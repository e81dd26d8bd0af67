package dev.strata.memory.hugepage;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The three Linux calls huge-page slabs need, {@code mmap}, {@code madvise} and {@code munmap}, bound through the FFM
 * linker, each capturing {@code errno} for its failure message. The constants are those of Linux on x86-64 and
 * AArch64, the only platforms {@link HugePageSlabSource} accepts.
 *
 * <p>Binding a downcall is a restricted operation: load this class only after
 * {@link HugePageSlabSource#unavailableReason()} found native access enabled, or the JDK prints its warning.
 * Thread-safe and stateless.
 */
final class Mmap {

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;
    private static final int ENOMEM = 12;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MMAP = downcall("mmap", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = downcall("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));

    private Mmap() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("no '" + name + "' in the C library"));
        return linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }

    /**
     * Maps {@code length} bytes of private, anonymous, zeroed memory, readable and writable.
     *
     * @return the mapping's address, page-aligned
     * @throws OutOfMemoryError if the kernel refuses for want of memory or address space
     * @throws IllegalStateException if it refuses for another reason
     */
    static long map(long length) {
        return call("mmap of " + length + " bytes", MAP_FAILED, true, state -> (long) MMAP.invokeExact(state, 0L,
                length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L));
    }

    /**
     * Asks the kernel to back {@code [address, address + length)} with transparent huge pages.
     *
     * @throws IllegalStateException if the kernel refuses (for example a kernel built without them)
     */
    static void adviseHugePages(long address, long length) {
        call("madvise(MADV_HUGEPAGE) of " + range(address, length), -1, false,
                state -> (int) MADVISE.invokeExact(state, address, length, MADV_HUGEPAGE));
    }

    /**
     * Unmaps {@code [address, address + length)}.
     *
     * @throws IllegalStateException if the kernel refuses
     */
    static void unmap(long address, long length) {
        call("munmap of " + range(address, length), -1, false,
                state -> (int) MUNMAP.invokeExact(state, address, length));
    }

    /** One native call, given the segment it captures {@code errno} into. */
    @FunctionalInterface
    private interface NativeCall {
        long invoke(MemorySegment callState) throws Throwable;
    }

    /**
     * {@return what {@code call} returned} Throws when it returned {@code failure}, naming {@code what} and the
     * {@code errno}: {@link OutOfMemoryError} for {@code ENOMEM} when {@code enomemIsOutOfMemory}, else
     * {@link IllegalStateException}.
     */
    private static long call(String what, long failure, boolean enomemIsOutOfMemory, NativeCall call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result = call.invoke(state);
            if (result == failure) {
                int errno = errno(state);
                String message = what + " failed: " + describe(errno);
                if (enomemIsOutOfMemory && errno == ENOMEM) {
                    throw new OutOfMemoryError(message);
                }
                throw new IllegalStateException(message);
            }
            return result;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what + " failed", t);
        }
    }

    private static String range(long address, long length) {
        return length + " bytes at 0x" + Long.toHexString(address);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 22 -> "EINVAL";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }
}
