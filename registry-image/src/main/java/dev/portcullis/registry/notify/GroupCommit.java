package dev.portcullis.registry.notify;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes concurrent callers' items durable together: a caller that finds no write in progress writes everything queued
 * so far (up to {@code maxGroup} items) in one go, and the callers that arrive meanwhile queue up for the next write.
 * Each caller returns once the write holding its own item has succeeded, or fails with that write's error. One caller
 * on its own pays exactly one write, as before; concurrent pushes share a file and an fsync, or one object PUT.
 *
 * @param <T> what a caller hands in
 */
final class GroupCommit<T> {
    /** Writes a group durably; the items keep the order in which their callers arrived. */
    @FunctionalInterface
    interface GroupWriter<T> {
        void write(List<T> group) throws IOException;
    }

    private static final class Ticket<T> {
        final T item;
        boolean done;
        IOException failure;

        Ticket(T item) {
            this.item = item;
        }
    }

    private final GroupWriter<T> writer;
    private final int maxGroup;
    private final ArrayDeque<Ticket<T>> queue = new ArrayDeque<>();
    private boolean writing;

    GroupCommit(GroupWriter<T> writer, int maxGroup) {
        this.writer = writer;
        this.maxGroup = maxGroup;
    }

    /**
     * Returns once {@code item} is durable. Interrupted while its item still waits in the queue, a caller takes it out
     * and fails; once the item is part of a write, the caller waits for that write's outcome like everyone in it.
     */
    void commit(T item) throws IOException {
        Ticket<T> mine = new Ticket<>(item);
        synchronized (this) {
            queue.add(mine);
        }
        boolean interrupted = false;
        try {
            while (true) {
                List<Ticket<T>> group;
                synchronized (this) {
                    while (!mine.done && writing) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            interrupted = true;
                            if (queue.remove(mine)) {
                                throw new InterruptedIOException("interrupted before the outbox write");
                            }
                        }
                    }
                    if (mine.done) {
                        if (mine.failure != null) {
                            throw new IOException(mine.failure.getMessage(), mine.failure);
                        }
                        return;
                    }
                    writing = true;
                    group = new ArrayList<>(Math.min(queue.size(), maxGroup));
                    while (!queue.isEmpty() && group.size() < maxGroup) {
                        group.add(queue.poll());
                    }
                }
                write(group);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void write(List<Ticket<T>> group) {
        IOException failure = null;
        try {
            List<T> items = new ArrayList<>(group.size());
            group.forEach(t -> items.add(t.item));
            writer.write(items);
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException | Error e) {
            failure = new IOException("writing the outbox: " + e, e);
        } finally {
            synchronized (this) {
                for (Ticket<T> t : group) {
                    t.done = true;
                    t.failure = failure;
                }
                writing = false;
                notifyAll();
            }
        }
    }
}
