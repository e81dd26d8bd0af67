package dev.strata;

/**
 * Thrown when the engine cannot give memory it was asked for within its configured budget: the page allocator has
 * no free page and may take no further slab, or a memory consumer cannot get the minimum it needs. The engine throws
 * this instead of letting the JVM fail with an {@link OutOfMemoryError}; the message names the request and the state
 * of the budget or pool that refused it.
 *
 * <p>Nothing already stored is lost when this is thrown.
 */
public class MemoryBudgetExceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The number of bytes that were asked for. */
    private final long requestedBytes;
    /** The number of bytes that could still be had when the request was refused. */
    private final long availableBytes;

    /**
     * Creates the exception.
     *
     * @param message what was refused and why, with the numbers
     * @param requestedBytes the bytes asked for
     * @param availableBytes the bytes that could still be had
     */
    public MemoryBudgetExceededException(String message, long requestedBytes, long availableBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.availableBytes = availableBytes;
    }

    /** {@return the number of bytes that were asked for} */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** {@return the number of bytes that could still be had when the request was refused} */
    public long availableBytes() {
        return availableBytes;
    }
}
