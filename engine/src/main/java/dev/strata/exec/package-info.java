/**
 * Execution memory: the working memory of tasks (sort buffers, hash tables), after Spark's
 * {@code TaskMemoryManager} and {@code MemoryConsumer}.
 *
 * <p>A {@link dev.strata.exec.TaskMemory} (from {@code Engine.newTask()}) is one task's share of the engine's
 * execution pools. {@link dev.strata.exec.MemoryConsumer}s (sorters, hash tables) take memory and pages from it and
 * must {@link dev.strata.exec.MemoryConsumer#spill spill} to disk when asked. The
 * {@link dev.strata.exec.ExternalSorter} is the engine's own consumer: it sorts more records than fit in its memory
 * by writing sorted runs to temporary files and merging them.
 */
package dev.strata.exec;
