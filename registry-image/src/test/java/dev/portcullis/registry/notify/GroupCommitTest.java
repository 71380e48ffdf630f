package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Callers that arrive while a write is in progress share the next one; each returns only once its own item was
 * written, and a failed write fails exactly the callers whose items it held.
 */
class GroupCommitTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Waits until {@code n} threads of the pool are parked in the commit (their items queued behind a write). */
    private static void awaitWaiting(List<Thread> threads, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (threads.stream().filter(t -> t.getState() == Thread.State.WAITING).count() < n) {
            assertTrue(System.currentTimeMillis() < deadline, "callers never queued");
            Thread.sleep(5);
        }
    }

    @Test
    void aLoneCallerWritesItsItemAtOnce() throws Exception {
        List<List<Integer>> writes = new ArrayList<>();
        GroupCommit<Integer> commits = new GroupCommit<>(group -> writes.add(List.copyOf(group)), 100);
        commits.commit(1);
        commits.commit(2);
        assertEquals(List.of(List.of(1), List.of(2)), writes);
    }

    @Test
    void callersArrivingDuringAWriteShareTheNextOneInArrivalOrder() throws Exception {
        List<List<Integer>> writes = Collections.synchronizedList(new ArrayList<>());
        Set<Integer> durable = ConcurrentHashMap.newKeySet();
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        GroupCommit<Integer> commits = new GroupCommit<>(group -> {
            if (group.contains(0)) {
                firstWriteStarted.countDown();
                try {
                    releaseFirstWrite.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            writes.add(List.copyOf(group));
            durable.addAll(group);
        }, 100);
        Future<Boolean> first = pool.submit(() -> {
            commits.commit(0);
            return durable.contains(0);
        });
        assertTrue(firstWriteStarted.await(10, TimeUnit.SECONDS));
        List<Thread> waiting = Collections.synchronizedList(new ArrayList<>());
        List<Future<Boolean>> others = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            int item = i;
            others.add(pool.submit(() -> {
                waiting.add(Thread.currentThread());
                commits.commit(item);
                return durable.contains(item);
            }));
            // One at a time, so that the arrival order is known.
            awaitWaiting(waiting, i);
        }
        releaseFirstWrite.countDown();
        assertTrue(first.get(10, TimeUnit.SECONDS), "returned after its write");
        for (Future<Boolean> f : others) {
            assertTrue(f.get(10, TimeUnit.SECONDS), "returned after its write");
        }
        assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4, 5)), writes);
    }

    @Test
    void aGroupIsAtMostMaxGroupItems() throws Exception {
        List<List<Integer>> writes = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        GroupCommit<Integer> commits = new GroupCommit<>(group -> {
            if (group.contains(0)) {
                firstWriteStarted.countDown();
                try {
                    releaseFirstWrite.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            writes.add(List.copyOf(group));
        }, 2);
        Future<?> first = pool.submit(() -> {
            commits.commit(0);
            return null;
        });
        assertTrue(firstWriteStarted.await(10, TimeUnit.SECONDS));
        List<Thread> waiting = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            int item = i;
            others.add(pool.submit(() -> {
                waiting.add(Thread.currentThread());
                commits.commit(item);
                return null;
            }));
            awaitWaiting(waiting, i);
        }
        releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<?> f : others) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(List.of(0), List.of(1, 2), List.of(3, 4), List.of(5)), writes);
    }

    @Test
    void aFailedWriteFailsTheCallersItHeldAndNoOthers() throws Exception {
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        List<List<Integer>> writes = Collections.synchronizedList(new ArrayList<>());
        GroupCommit<Integer> commits = new GroupCommit<>(group -> {
            if (group.contains(0)) {
                firstWriteStarted.countDown();
                try {
                    releaseFirstWrite.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return;
            }
            if (group.contains(1)) {
                throw new IOException("disk full");
            }
            writes.add(List.copyOf(group));
        }, 100);
        Future<?> first = pool.submit(() -> {
            commits.commit(0);
            return null;
        });
        assertTrue(firstWriteStarted.await(10, TimeUnit.SECONDS));
        List<Thread> waiting = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> failing = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            int item = i;
            failing.add(pool.submit(() -> {
                waiting.add(Thread.currentThread());
                commits.commit(item);
                return null;
            }));
            awaitWaiting(waiting, i);
        }
        releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<?> f : failing) {
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IOException && e.getCause().getMessage().equals("disk full"), e.toString());
        }
        commits.commit(3);
        assertEquals(List.of(List.of(3)), writes, "the next write goes ahead");
    }
}
