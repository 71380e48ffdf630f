package dev.portcullis.registry.storage.driver;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mutex under which an expired storage lock is broken (and under which a holder renews or releases its lock when
 * it is about to expire), across processes sharing one filesystem.
 *
 * <p>It is a POSIX record lock ({@code fcntl}) on one file, held for a few file operations at a time. The kernel drops
 * it when the process dies, so a crash never leaves it stuck. On NFSv4 record locks are part of the protocol (a dead
 * client's lock is released when its lease runs out, about 90 s); on NFSv3 they go through NLM (lockd), and a volume
 * mounted with {@code nolock} makes them local to each node, so breaking a stale lock is then arbitrated per node only.
 * Record locks belong to the process, not the thread or channel, so one JVM-wide lock per file serialises this
 * process's own threads first (the JDK would otherwise refuse a second overlapping lock from the same process).
 */
final class LockBreaking {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    interface Action<T> {
        T run() throws IOException;
    }

    private final Path file;
    private final ReentrantLock inProcess;

    LockBreaking(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.inProcess = IN_PROCESS.computeIfAbsent(this.file, f -> new ReentrantLock());
    }

    <T> T run(Action<T> action) throws IOException {
        inProcess.lock();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            return action.run();
        } finally {
            inProcess.unlock();
        }
    }
}
