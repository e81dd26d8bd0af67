package dev.strata.memory;

import java.lang.management.ManagementFactory;
import java.util.Objects;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers engine MXBeans in the platform MBean server under {@code dev.strata:type=<type>,name=<name>}.
 *
 * <p>A name that holds characters with a meaning in object names is quoted; a name already taken gets a suffix
 * ({@code name#2}, {@code name#3}, ...) so two engines in one JVM never clash. Registration problems are logged, never
 * thrown: management is an observer and must not stop the engine.
 *
 * <p>Static helpers only; thread-safe.
 */
public final class PlatformMXBeans {

    /** The JMX domain of every engine MXBean. */
    public static final String DOMAIN = "dev.strata";

    private static final System.Logger LOG = System.getLogger(PlatformMXBeans.class.getName());
    private static final int MAX_SUFFIX = 1000;

    private PlatformMXBeans() {
    }

    /**
     * Registers {@code mxBean}.
     *
     * @param type the {@code type} key, e.g. {@code "PageAllocator"}; not null
     * @param name the {@code name} key (quoted if needed); not null
     * @param mxBean an object implementing a public {@code ...MXBean} interface; not null
     * @return the name it was registered under, or null if registration failed (logged)
     * @throws NullPointerException if an argument is null
     */
    public static ObjectName register(String type, String name, Object mxBean) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mxBean, "mxBean");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int attempt = 1; attempt <= MAX_SUFFIX; attempt++) {
            String candidate = attempt == 1 ? name : name + "#" + attempt;
            try {
                ObjectName objectName = objectName(type, candidate);
                server.registerMBean(mxBean, objectName);
                return objectName;
            } catch (InstanceAlreadyExistsException taken) {
                // try the next suffix
            } catch (JMException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot register MXBean " + type + " '" + name + "'", e);
                return null;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "cannot register MXBean " + type + " '" + name + "': " + MAX_SUFFIX
                + " names taken");
        return null;
    }

    /**
     * Unregisters the MXBean registered under {@code objectName}; does nothing if it is null or already gone.
     *
     * @param objectName a name from {@link #register}, or null
     */
    public static void unregister(ObjectName objectName) {
        if (objectName == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
        } catch (InstanceNotFoundException gone) {
            // already unregistered: nothing to do
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot unregister MXBean " + objectName, e);
        }
    }

    /**
     * {@return {@code dev.strata:type=<type>,name=<name>}, with the name quoted if it holds special characters}
     *
     * @param type the {@code type} key
     * @param name the {@code name} key
     * @throws MalformedObjectNameException if {@code type} is not a valid key value
     */
    static ObjectName objectName(String type, String name) throws MalformedObjectNameException {
        return new ObjectName(DOMAIN + ":type=" + type + ",name=" + quoteIfNeeded(name));
    }

    private static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (",=:\"*?\n\\".indexOf(value.charAt(i)) >= 0) {
                return ObjectName.quote(value);
            }
        }
        return value;
    }
}
