/**
 * Management interfaces (platform MXBeans) through which a running engine reports its memory; see
 * {@link dev.strata.management.PageAllocatorMXBean}.
 */
package dev.strata.management;
