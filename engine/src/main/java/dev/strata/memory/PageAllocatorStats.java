package dev.strata.memory;

/**
 * A snapshot of one {@link PageAllocator}'s numbers. Taken while other threads allocate, the fields may come from
 * slightly different instants; at a quiescent point {@code pagesUsed + pagesFree == pagesTotal} and
 * {@code bytesReserved == pagesTotal * pageSize <= budgetBytes}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the allocator's name
 * @param backend the slab source kind, e.g. {@code "ARENA"}
 * @param slabs the number of slabs held
 * @param pagesTotal the pages in those slabs
 * @param pagesUsed the pages allocated now
 * @param pagesFree the pages in held slabs that are free now
 * @param bytesReserved the bytes of all held slabs
 * @param budgetBytes the most bytes of slabs the allocator may hold
 * @param pageSize bytes per page
 */
public record PageAllocatorStats(String name, String backend, int slabs, long pagesTotal, long pagesUsed,
                                 long pagesFree, long bytesReserved, long budgetBytes, long pageSize) {
}
