package dev.strata.it.scenario;

import dev.strata.Engine;
import dev.strata.MemoryMode;
import dev.strata.manager.MemoryManager;
import java.lang.reflect.Field;

/**
 * Squeezes storage with execution memory: a task asks the engine's memory manager for a whole region of execution
 * memory, which makes the unified manager evict (demote) cached entries down to the protected region R, and then
 * releases it, round after round.
 *
 * <p><b>Stopgap until {@code engine.newTask()} is on main.</b> The public way is an {@code ExternalSorter} on a
 * {@code TaskMemory} from {@code engine.newTask()} (branch {@code exec}); until the engine exposes it, this reaches the
 * engine's {@link MemoryManager} by reflection (the scenarios run on the class path, so the internal package is
 * visible) and acquires execution memory directly, which is what a sorter's page requests come down to. Replace
 * {@link #round()} with a sort through {@code engine.newTask()} once merged.
 *
 * <p>Thread-safe as the manager is; one instance per squeezing thread (it is one task).
 */
final class ExecutionSqueeze {

    private final MemoryManager manager;
    private final long taskId;

    ExecutionSqueeze(Engine engine, long taskId) {
        this.manager = memoryManagerOf(engine);
        this.taskId = taskId;
    }

    /** Takes as much execution memory as each mode's region and gives it back. {@return the bytes granted} */
    long round() throws InterruptedException {
        long granted = 0;
        for (MemoryMode mode : MemoryMode.values()) {
            long region = manager.state(mode).regionBytes();
            if (region > 0) {
                long got = manager.acquireExecutionMemory(region, taskId, mode);
                granted += got;
                if (got > 0) {
                    manager.releaseExecutionMemory(got, taskId, mode);
                }
            }
        }
        return granted;
    }

    private static MemoryManager memoryManagerOf(Engine engine) {
        try {
            Field field = Engine.class.getDeclaredField("memoryManager");
            field.setAccessible(true);
            return (MemoryManager) field.get(engine);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the engine's memory manager (stopgap until engine.newTask())", e);
        }
    }
}
