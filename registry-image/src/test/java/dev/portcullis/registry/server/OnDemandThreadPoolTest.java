package dev.portcullis.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OnDemandThreadPoolTest {

    @Test
    void sequentialTasksReuseOneThread() throws Exception {
        ThreadPoolExecutor pool = OnDemandThreadPool.create(Executors.defaultThreadFactory(), 8, 1, TimeUnit.MINUTES);
        try {
            for (int i = 0; i < 50; i++) {
                pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
                // The worker completes the future before it waits on the queue again: let it get there.
                awaitWaitingThread(pool);
            }
            assertEquals(1, pool.getLargestPoolSize(), "a fixed pool would have started 8 threads");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void boundedAndNothingLostBeyondTheBound() throws Exception {
        ThreadPoolExecutor pool = OnDemandThreadPool.create(Executors.defaultThreadFactory(), 2, 1, TimeUnit.MINUTES);
        try {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < 6; i++) {
                pool.execute(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    done.incrementAndGet();
                });
            }
            assertEquals(2, pool.getPoolSize());
            assertEquals(4, pool.getQueue().size());
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (done.get() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(6, done.get());
            assertEquals(2, pool.getLargestPoolSize());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void idleThreadsEnd() throws Exception {
        ThreadPoolExecutor pool = OnDemandThreadPool.create(Executors.defaultThreadFactory(), 4, 50, TimeUnit.MILLISECONDS);
        try {
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.getPoolSize() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, pool.getPoolSize());
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesAfterShutdown() {
        ThreadPoolExecutor pool = OnDemandThreadPool.create(Executors.defaultThreadFactory(), 1, 1, TimeUnit.MINUTES);
        pool.shutdown();
        assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }));
        assertTrue(pool.isShutdown());
    }

    private static void awaitWaitingThread(ThreadPoolExecutor pool) throws InterruptedException {
        LinkedTransferQueue<Runnable> queue = (LinkedTransferQueue<Runnable>) pool.getQueue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!queue.hasWaitingConsumer() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }
}
