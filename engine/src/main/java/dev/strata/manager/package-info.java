/**
 * Memory managers (internal): per memory mode, a storage pool (cached data) and an execution pool (working memory
 * of tasks) that share one region, arbitrated by a {@link dev.strata.manager.StaticMemoryManager static} or a
 * {@link dev.strata.manager.UnifiedMemoryManager unified} manager after Spark's executor memory model.
 *
 * <p>The cache tiers call the storage side and implement {@link dev.strata.manager.StorageEvictor}; task memory
 * calls the execution side. Not exported from the module.
 */
package dev.strata.manager;
