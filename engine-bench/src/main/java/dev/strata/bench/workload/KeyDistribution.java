package dev.strata.bench.workload;

/** How the benchmark picks which key to touch next. */
public enum KeyDistribution {
    /** Every key equally likely. */
    UNIFORM,
    /** Zipfian with exponent {@link ZipfianIndices#DEFAULT_EXPONENT}: a few hot keys, a long cold tail. */
    ZIPF
}
