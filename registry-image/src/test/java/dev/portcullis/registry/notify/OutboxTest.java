package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox on a real folder: one stored envelope per group of concurrent requests, named with how many requests it
 * holds; what this process wrote is handed over from memory; what a restarted process finds is read back unchanged.
 */
class OutboxTest {
    @TempDir
    Path dir;

    private static byte[] event(String digest) {
        return ("{\"id\":\"" + digest + "\",\"action\":\"push\",\"target\":{\"digest\":\"" + digest + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> digests(byte[] envelope) throws IOException {
        List<String> out = new ArrayList<>();
        EventRecords.JSON.readTree(envelope).path("events").forEach(e -> out.add(e.path("target").path("digest").asText()));
        return out;
    }

    private Outbox outbox(OutboxStore store, EndpointMeters meters) {
        return new Outbox("test", store, "abcdef01", 1000, meters);
    }

    @Test
    void aLoneRequestIsOneEntryAsBeforeGroupCommitAndIsHandedOverFromMemory() throws Exception {
        EndpointMeters meters = new EndpointMeters(new SimpleMeterRegistry(), "test");
        FilesystemOutboxStore store = new FilesystemOutboxStore(dir);
        Outbox outbox = outbox(store, meters);
        assertTrue(outbox.append(EventEnvelope.of(List.of(event("a"), event("b")))));
        assertTrue(outbox.append(EventEnvelope.of(List.of(event("c")))));

        List<String> names = outbox.list();
        assertEquals(2, names.size());
        assertTrue(names.get(0).matches("\\d{13}-abcdef01-0000000001"), names.get(0));
        assertEquals(2, meters.pending.get());
        byte[] stored = Files.readAllBytes(dir.resolve(names.get(0)));
        assertEquals(List.of("a", "b"), digests(stored));
        assertEquals("{\"events\":[" + new String(event("a"), StandardCharsets.UTF_8) + ","
                + new String(event("b"), StandardCharsets.UTF_8) + "]}", new String(stored, StandardCharsets.UTF_8));
        Optional<EventEnvelope> kept = outbox.writtenHere(names.get(0));
        assertTrue(kept.isPresent(), "handed over in memory");
        assertEquals(new String(stored, StandardCharsets.UTF_8), new String(kept.get().json(), StandardCharsets.UTF_8));
        assertEquals(2, kept.get().events());

        outbox.remove(names.get(0));
        assertEquals(1, meters.pending.get());
        assertTrue(outbox.writtenHere(names.get(0)).isEmpty());
        assertFalse(Files.exists(dir.resolve(names.get(0))));
    }

    @Test
    void concurrentRequestsShareOneEntryThatARestartedProcessReadsBack() throws Exception {
        EndpointMeters meters = new EndpointMeters(new SimpleMeterRegistry(), "test");
        FilesystemOutboxStore real = new FilesystemOutboxStore(dir);
        CountDownLatch firstPut = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger puts = new AtomicInteger();
        // The real folder, with the first write held until the other requests have queued behind it.
        OutboxStore gated = new OutboxStore() {
            @Override
            public void put(String name, byte[] content) throws IOException {
                if (puts.getAndIncrement() == 0) {
                    firstPut.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                real.put(name, content);
            }

            @Override
            public List<String> list() throws IOException {
                return real.list();
            }

            @Override
            public Optional<byte[]> get(String name) throws IOException {
                return real.get(name);
            }

            @Override
            public void delete(String name) throws IOException {
                real.delete(name);
            }
        };
        Outbox outbox = outbox(gated, meters);
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            Future<Boolean> first = pool.submit(() -> outbox.append(EventEnvelope.of(List.of(event("first")))));
            assertTrue(firstPut.await(10, TimeUnit.SECONDS));
            List<Thread> queued = new ArrayList<>();
            List<Future<Boolean>> others = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String digest = "d" + i;
                others.add(pool.submit(() -> {
                    synchronized (queued) {
                        queued.add(Thread.currentThread());
                    }
                    return outbox.append(EventEnvelope.of(List.of(event(digest))));
                }));
                long deadline = System.currentTimeMillis() + 10_000;
                int n = i + 1;
                while (true) {
                    long waiting;
                    synchronized (queued) {
                        waiting = queued.stream().filter(t -> t.getState() == Thread.State.WAITING).count();
                    }
                    if (waiting >= n) {
                        break;
                    }
                    assertTrue(System.currentTimeMillis() < deadline, "requests never queued");
                    Thread.sleep(5);
                }
            }
            release.countDown();
            assertTrue(first.get(10, TimeUnit.SECONDS));
            for (Future<Boolean> f : others) {
                assertTrue(f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, puts.get(), "five requests, two writes");
        List<String> names = outbox.list();
        assertEquals(2, names.size());
        assertTrue(names.get(1).endsWith("-4"), "named with the requests it holds: " + names.get(1));
        assertEquals(5, meters.pending.get(), "pending counts requests");
        assertEquals(List.of("d0", "d1", "d2", "d3"), digests(Files.readAllBytes(dir.resolve(names.get(1)))));

        // A restarted process (nothing in memory) reads the entries back, byte for byte.
        EndpointMeters after = new EndpointMeters(new SimpleMeterRegistry(), "test");
        Outbox restarted = outbox(new FilesystemOutboxStore(dir), after);
        assertEquals(names, restarted.list());
        assertEquals(5, after.pending.get());
        assertTrue(restarted.writtenHere(names.get(1)).isEmpty());
        EventEnvelope read = EventEnvelope.parse(restarted.read(names.get(1)).orElseThrow()).orElseThrow();
        assertEquals(4, read.events());
        assertEquals(new String(outbox.writtenHere(names.get(1)).orElseThrow().json(), StandardCharsets.UTF_8),
                new String(read.json(), StandardCharsets.UTF_8));
        restarted.remove(names.get(1));
        assertEquals(1, after.pending.get());
    }

    @Test
    void anEntryDeletedByAnotherReplicaIsForgottenAtTheNextListing() throws Exception {
        EndpointMeters meters = new EndpointMeters(new SimpleMeterRegistry(), "test");
        Outbox outbox = outbox(new FilesystemOutboxStore(dir), meters);
        outbox.append(EventEnvelope.of(List.of(event("x"))));
        String name = outbox.list().get(0);
        Files.delete(dir.resolve(name)); // the other replica delivered it
        assertTrue(outbox.list().isEmpty());
        assertTrue(outbox.writtenHere(name).isEmpty());
        assertEquals(0, meters.pending.get());
    }

    @Test
    void aFolderRemovedUnderneathIsCreatedAgainByTheNextWrite() throws Exception {
        EndpointMeters meters = new EndpointMeters(new SimpleMeterRegistry(), "test");
        Path folder = dir.resolve("outbox");
        Outbox outbox = outbox(new FilesystemOutboxStore(folder), meters);
        Files.delete(folder);
        assertTrue(outbox.list().isEmpty());
        assertTrue(outbox.append(EventEnvelope.of(List.of(event("y")))));
        assertEquals(1, outbox.list().size());
    }

    @Test
    void envelopesJoinWithoutReserialisingAndForeignBytesAreRefused() throws Exception {
        EventEnvelope one = EventEnvelope.of(List.of(event("a")));
        EventEnvelope two = EventEnvelope.of(List.of(event("b"), event("c")));
        EventEnvelope joined = EventEnvelope.join(List.of(one, two));
        assertEquals(3, joined.events());
        JsonNode tree = EventRecords.JSON.readTree(joined.json());
        assertEquals(List.of("a", "b", "c"), digests(joined.json()));
        assertEquals(EventRecords.JSON.writeValueAsString(tree), new String(joined.json(), StandardCharsets.UTF_8),
                "compact JSON, as Jackson writes it");
        assertEquals(one, EventEnvelope.join(List.of(one)));

        assertTrue(EventEnvelope.parse("not an envelope".getBytes(StandardCharsets.UTF_8)).isEmpty());
        assertTrue(EventEnvelope.parse("{\"events\":{}}".getBytes(StandardCharsets.UTF_8)).isEmpty());
        EventEnvelope spaced = EventEnvelope.parse("{ \"events\" : [ {\"id\":\"s\"} ], \"extra\": 1 }\n"
                .getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertEquals("{\"events\":[{\"id\":\"s\"}]}", new String(spaced.json(), StandardCharsets.UTF_8));
        assertEquals(1, spaced.events());
    }
}
