package dev.strata.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.management.PageAllocatorMXBean;
import java.lang.management.ManagementFactory;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Each open allocator is visible in the platform MBean server with its live numbers, and gone after close. */
class PageAllocatorMXBeanTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void showsLiveNumbersAndDisappearsOnClose() throws Exception {
        ObjectName name = new ObjectName("dev.strata:type=PageAllocator,name=mx-numbers");
        PageAllocator allocator = AllocatorFixtures.small(SlabSourceKind.ARENA, "mx-numbers");
        assertTrue(server.isRegistered(name));
        Page first = allocator.allocate("owner");
        Page second = allocator.allocate("owner");
        Page third = allocator.allocate("owner");
        Page fourth = allocator.allocate("owner");
        Page fifth = allocator.allocate("owner");
        allocator.free(first);

        PageAllocatorMXBean bean = JMX.newMXBeanProxy(server, name, PageAllocatorMXBean.class);
        assertEquals("mx-numbers", bean.getName());
        assertEquals("ARENA", bean.getBackend());
        assertEquals(2, bean.getSlabs());
        assertEquals(8, bean.getPagesTotal());
        assertEquals(4, bean.getPagesUsed());
        assertEquals(4, bean.getPagesFree());
        assertEquals(8 * AllocatorFixtures.PAGE, bean.getBytesReserved());
        assertEquals(AllocatorFixtures.BUDGET, bean.getBudgetBytes());
        assertEquals(AllocatorFixtures.PAGE, bean.getPageSize());
        assertEquals(0, bean.getHugePageBytes(), "ARENA slabs ask for no huge pages");
        assertEquals(4L, server.getAttribute(name, "PagesUsed"), "plain attribute access agrees");

        allocator.free(third);
        assertEquals(3, bean.getPagesUsed());
        allocator.free(fourth);
        allocator.free(fifth);
        allocator.free(second);
        allocator.close();
        assertFalse(server.isRegistered(name));
    }

    @Test
    void quotesOddNamesAndSuffixesDuplicates() throws Exception {
        String odd = "cache, tier=off:heap";
        try (PageAllocator one = AllocatorFixtures.small(SlabSourceKind.HEAP, odd);
             PageAllocator two = AllocatorFixtures.small(SlabSourceKind.HEAP, odd)) {
            ObjectName first = new ObjectName("dev.strata:type=PageAllocator,name=" + ObjectName.quote(odd));
            ObjectName second = new ObjectName("dev.strata:type=PageAllocator,name=" + ObjectName.quote(odd + "#2"));
            assertTrue(server.isRegistered(first));
            assertTrue(server.isRegistered(second));
            Page page = one.allocate("owner");
            assertEquals(1L, server.getAttribute(first, "PagesUsed"));
            assertEquals(0L, server.getAttribute(second, "PagesUsed"));
            one.free(page);
            one.close();
            assertFalse(server.isRegistered(first));
            assertTrue(server.isRegistered(second));
        }
        assertTrue(server.queryNames(new ObjectName("dev.strata:type=PageAllocator,*"), null).stream()
                .noneMatch(n -> n.getKeyProperty("name").startsWith("\"cache")), "all unregistered");
    }
}
