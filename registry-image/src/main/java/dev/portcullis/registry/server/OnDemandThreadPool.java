package dev.portcullis.registry.server;

import io.vertx.core.spi.ExecutorServiceFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x's worker pools are fixed thread pools, and a fixed pool starts a new thread for every task until it holds its
 * full size, idle threads or not: after a while under any load the registry held all 64 storage threads and the 40 of
 * Vert.x's own pools. Each thread costs its touched stack, and each one that wrote or read a file through a heap buffer
 * also keeps the JDK's cached temporary direct buffer of that size (256 KiB here) for its whole life. After the
 * benchmark's load (bench/compare.sh) that was 124 threads, 13 MiB of stacks and 18 MiB of direct buffers; with this
 * pool 34 threads, 3 MiB and 11 MiB, the same requests served.
 *
 * <p>This pool keeps the same bound but starts a thread only when no started one is idle, and lets a thread end after
 * {@link #KEEP_ALIVE_SECONDS} idle; once the bound is reached, tasks wait in the queue as they did before.
 */
final class OnDemandThreadPool implements ExecutorServiceFactory {
    static final long KEEP_ALIVE_SECONDS = 60;

    private final List<ExecutorService> created = new CopyOnWriteArrayList<>();

    @Override
    public ExecutorService createExecutor(ThreadFactory threadFactory, Integer concurrency, Integer maxConcurrency) {
        int max = maxConcurrency != null ? maxConcurrency : concurrency;
        ExecutorService pool = create(threadFactory, max, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
        created.add(pool);
        return pool;
    }

    /** Stops every pool made here from taking tasks and waits up to {@code timeout} for those running to end. */
    void awaitTermination(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ExecutorService pool : created) {
            pool.shutdown();
            try {
                pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static ThreadPoolExecutor create(ThreadFactory threadFactory, int maxThreads, long keepAlive, TimeUnit unit) {
        HandOffQueue queue = new HandOffQueue();
        // Core size 0: ThreadPoolExecutor offers each task to the queue first, which accepts it only if an idle thread
        // takes it at once; otherwise a thread is started, up to maxThreads; beyond that the rejection handler queues.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, maxThreads, keepAlive, unit, queue, threadFactory,
                (task, executor) -> {
                    if (executor.isShutdown()) {
                        throw new RejectedExecutionException("pool shut down");
                    }
                    // All threads busy: they take it from the queue when one is done, as in a fixed pool.
                    queue.put(task);
                });
        return pool;
    }

    /** Hands a task to a thread already waiting for work, or refuses it so that the executor starts one. */
    private static final class HandOffQueue extends LinkedTransferQueue<Runnable> {
        @Override
        public boolean offer(Runnable task) {
            return tryTransfer(task);
        }
    }
}
