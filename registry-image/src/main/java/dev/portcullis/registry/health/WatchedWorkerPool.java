package dev.portcullis.registry.health;

import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Vert.x worker pool that knows how busy it is: how many tasks run, how many wait for a thread and since when. The
 * health monitor reads it on the event loop, so readiness can report an exhausted pool even though every check that
 * would run on the pool is itself stuck in its queue.
 */
public final class WatchedWorkerPool implements WorkerExecutor {
    private final String name;
    private final int threads;
    private final WorkerExecutor delegate;
    private final AtomicInteger running = new AtomicInteger();
    private final Map<Object, Long> waitingSince = new ConcurrentHashMap<>();

    public WatchedWorkerPool(String name, int threads, WorkerExecutor delegate) {
        this.name = name;
        this.threads = threads;
        this.delegate = delegate;
    }

    /**
     * Once the registry stops, the pool refuses new tasks (Vert.x throws its executor's refusal at the caller): the
     * task fails with 503, which its request answers, instead of an exception no handler expects.
     */
    @Override
    public <T> Future<T> executeBlocking(Callable<T> task, boolean ordered) {
        Object ticket = new Object();
        waitingSince.put(ticket, System.nanoTime());
        try {
            return submit(task, ordered, ticket);
        } catch (RejectedExecutionException stopping) {
            waitingSince.remove(ticket);
            return Future.failedFuture(new RegistryException(ErrorCode.UNAVAILABLE, "the registry is stopping"));
        }
    }

    private <T> Future<T> submit(Callable<T> task, boolean ordered, Object ticket) {
        return delegate.executeBlocking(() -> {
            waitingSince.remove(ticket);
            running.incrementAndGet();
            try {
                return task.call();
            } finally {
                running.decrementAndGet();
            }
        }, ordered).onFailure(e -> waitingSince.remove(ticket));
    }

    @Override
    public Future<Void> close() {
        return delegate.close();
    }

    public String name() {
        return name;
    }

    public int threads() {
        return threads;
    }

    public int running() {
        return running.get();
    }

    public int waiting() {
        return waitingSince.size();
    }

    /** How long the task that has waited longest for a thread has waited so far; zero when none waits. */
    public Duration longestWait() {
        long now = System.nanoTime();
        long longest = 0;
        for (long since : waitingSince.values()) {
            longest = Math.max(longest, now - since);
        }
        return Duration.ofNanos(longest);
    }
}
