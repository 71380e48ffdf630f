package dev.portcullis.registry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Readiness turns false while the storage pool is exhausted, though no check can run on it then. */
class PoolExhaustionTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void readinessReportsAPoolWhoseQueueWaitsTooLong() throws Exception {
        WatchedWorkerPool pool = new WatchedWorkerPool("test-pool", 2, vertx.createSharedWorkerExecutor("test-pool", 2));
        HealthMonitor monitor = new HealthMonitor(vertx, pool).watch(pool, Duration.ofMillis(200));
        assertTrue(monitor.ready());
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            pool.executeBlocking(() -> release.await(30, TimeUnit.SECONDS), false);
        }
        Thread.sleep(400);
        assertFalse(monitor.ready(), "a task has waited 400 ms for one of the 2 threads");
        assertEquals(1, monitor.exhaustedPools().size());
        assertTrue(monitor.exhaustedPools().get(0).startsWith("test-pool: all 2 threads busy"), monitor.exhaustedPools().get(0));
        release.countDown();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!monitor.ready() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(monitor.ready(), "ready again once the queue drains");
        assertEquals(0, pool.waiting());
    }
}
