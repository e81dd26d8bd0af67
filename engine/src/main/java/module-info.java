/**
 * Strata: a storage engine for the JVM that keeps data on-heap, off-heap in native memory and on disk, under one
 * memory manager modelled on Spark's executor memory model.
 *
 * <p>Only the API packages are exported; everything else is internal to the module.
 */
module dev.strata.engine {
    requires java.management;
    requires jdk.jfr;
    requires jdk.management;
    requires org.agrona;
    requires static chronicle.bytes;

    exports dev.strata;
    exports dev.strata.cache;
    exports dev.strata.codec;
    exports dev.strata.exec;
    exports dev.strata.management;
}
