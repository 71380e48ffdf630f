package dev.portcullis.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.health.WatchedWorkerPool;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxBootstrap;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A storage task asked for after the registry began to stop: what the request it belongs to answers. */
class StoppedStoragePoolTest {
    @Test
    void aTaskRefusedByTheStoppedPoolFailsWith503InsteadOfThrowing() throws Exception {
        OnDemandThreadPool pools = new OnDemandThreadPool();
        Vertx vertx = VertxBootstrap.create().executorServiceFactory(pools).init().vertx();
        WatchedWorkerPool workers = new WatchedWorkerPool("portcullis-storage", 2,
                vertx.createSharedWorkerExecutor("portcullis-storage", 2, 1, TimeUnit.MINUTES));
        assertEquals("ran", workers.executeBlocking(() -> "ran", false).await(10, TimeUnit.SECONDS));
        // What RegistryServer.close does, while a request in flight may still ask for a storage task.
        vertx.close().await(10, TimeUnit.SECONDS);
        pools.awaitTermination(Duration.ofSeconds(5));
        Future<String> refused = workers.executeBlocking(() -> "ran", false);
        assertTrue(refused.failed(), "refused at once");
        RegistryException e = (RegistryException) refused.cause();
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals(503, e.status());
        assertEquals(0, workers.waiting(), "a refused task does not count as waiting for a thread");
    }
}
