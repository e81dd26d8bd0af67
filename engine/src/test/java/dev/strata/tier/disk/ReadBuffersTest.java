package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The disk store's read buffers: bounded native memory however many reads are in flight, and no buffer lent twice. */
class ReadBuffersTest {

    @Test
    void moreReadsInFlightThanPooledBuffersAllocateNoMorePooledOnes() {
        try (ReadBuffers buffers = new ReadBuffers()) {
            for (int round = 0; round < 10; round++) {
                List<ReadBuffers.Lease> leases = new ArrayList<>();
                for (int i = 0; i < ReadBuffers.MAX_POOLED + 4; i++) {
                    ReadBuffers.Lease lease = buffers.borrow(100 + i);
                    assertEquals(100 + i, lease.segment().byteSize());
                    lease.segment().fill((byte) i);
                    leases.add(lease);
                }
                for (int i = 0; i < leases.size(); i++) {
                    MemorySegment segment = leases.get(i).segment();
                    assertEquals((byte) i, segment.get(ValueLayout.JAVA_BYTE, segment.byteSize() - 1));
                }
                leases.forEach(ReadBuffers.Lease::close);
            }
            assertEquals(ReadBuffers.MAX_POOLED, buffers.pooledAllocated());
        }
    }

    @Test
    void concurrentReadersNeverShareABuffer() throws Exception {
        int threads = 24;                                  // more than pooled buffers: slots are shared
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (ReadBuffers buffers = new ReadBuffers()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte mark = (byte) (t + 1);
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < 5_000; i++) {
                        try (ReadBuffers.Lease lease = buffers.borrow(i % 3 == 0 ? 70_000 : 512)) {
                            MemorySegment segment = lease.segment();
                            segment.fill(mark);
                            Thread.yield();
                            if (segment.get(ValueLayout.JAVA_BYTE, 0) != mark
                                    || segment.get(ValueLayout.JAVA_BYTE, segment.byteSize() - 1) != mark) {
                                failures.add("thread " + mark + ": its buffer was written by another reader");
                            }
                        }
                    }
                }));
            }
            start.countDown();
            for (Thread reader : readers) {
                reader.join();
            }
            assertTrue(buffers.pooledAllocated() <= ReadBuffers.MAX_POOLED);
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.peek());
    }

    @Test
    void aBorrowAfterCloseIsRefused() {
        ReadBuffers buffers = new ReadBuffers();
        buffers.borrow(10).close();
        buffers.close();
        buffers.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> buffers.borrow(10));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
