package dev.strata.bench.workload;

/**
 * JVM flags for benchmark forks, as constants usable in {@code @Fork(jvmArgsAppend = ...)}. Every fork pre-touches a
 * fixed heap so the first seconds measure the code, not page faults; each peer adds only the flags it needs, so the
 * flag lists themselves are part of the comparison.
 */
public final class JvmFlags {
    /** Touch every heap page at start. */
    public static final String PRE_TOUCH = "-XX:+AlwaysPreTouch";
    /** Initial heap, equal to the maximum. */
    public static final String XMS = "-Xms2g";
    /** Maximum heap. */
    public static final String XMX = "-Xmx2g";

    /** OHC: JNA's native access; Strata's {@code HUGE_PAGES} backend: {@code mmap} and {@code madvise}. */
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** Ehcache, OHC, Chronicle: sun.misc.Unsafe memory access without a warning. */
    public static final String UNSAFE_ALLOW = "--sun-misc-unsafe-memory-access=allow";

    /** Chronicle: javac's file manager (runtime code generation). */
    public static final String CHRONICLE_JAVAC = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    /** Chronicle: jdk.internal.ref (cleaners). */
    public static final String CHRONICLE_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** Chronicle: sun.nio.ch. */
    public static final String CHRONICLE_NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle: jdk.internal.misc. */
    public static final String CHRONICLE_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Chronicle: reflective access to java.lang. */
    public static final String CHRONICLE_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** Chronicle: reflective access to java.lang.reflect. */
    public static final String CHRONICLE_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    /** Chronicle: reflective access to java.nio. */
    public static final String CHRONICLE_NIO_OPEN = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** Chronicle: no usage analytics. */
    public static final String CHRONICLE_NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
    /** Chronicle: no start-up banner. */
    public static final String CHRONICLE_NO_ANNOUNCER = "-Dchronicle.announcer.disable=true";

    private JvmFlags() {
    }
}
