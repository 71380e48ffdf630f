package dev.portcullis.registry.storage.driver;

import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The filesystem driver's lock: a file holding its owner and expiry. It is published complete by a hard link from a
 * private temp file: link(2) fails if the name exists, is atomic on local filesystems and on NFS (where it is the
 * classic lock primitive, unlike an exclusive create on NFSv2), so no racer ever reads a half-written lock. An expired
 * lock is broken only under {@link LockBreaking}, after re-reading that it is still the same expired lock, so two
 * racers cannot both clear it and then each take a fresh one.
 */
final class FileLockFile implements StorageLock {
    /** How close to its expiry a holder renews or releases its lock under the breaking mutex (at most half the TTL). */
    private static final Duration BREAK_MARGIN = Duration.ofSeconds(2);

    private final Path file;
    private final String owner;
    private final Duration ttl;
    private final LockBreaking breaking;
    /**
     * Renewing or releasing this close to expiry could interleave with a racer breaking the lock, so those are done
     * under {@link #breaking}; far from expiry no racer may touch it and the cheap path is safe.
     */
    private final Duration margin;

    private FileLockFile(Path file, String owner, Duration ttl, LockBreaking breaking) {
        this.file = file;
        this.owner = owner;
        this.ttl = ttl;
        this.breaking = breaking;
        this.margin = ttl.dividedBy(2).compareTo(BREAK_MARGIN) < 0 ? ttl.dividedBy(2) : BREAK_MARGIN;
    }

    static Optional<StorageLock> tryAcquire(Path file, LockBreaking breaking, Duration ttl) throws IOException {
        String owner = UUID.randomUUID().toString();
        for (int attempt = 0; attempt < 2; attempt++) {
            if (publish(file, owner, ttl)) {
                return Optional.of(new FileLockFile(file, owner, ttl, breaking));
            }
            Optional<LockContent> held = LockContent.read(file);
            if (held.isPresent() && !held.get().expired(Instant.now())) {
                return Optional.empty();
            }
            if (held.isPresent()) {
                // The holder died without releasing (or stopped renewing): clear exactly that lock, then race once more.
                breaking.run(() -> {
                    Optional<LockContent> now = LockContent.read(file);
                    if (now.equals(held) && now.get().expired(Instant.now())) {
                        Files.deleteIfExists(file);
                    }
                    return null;
                });
            }
        }
        return Optional.empty();
    }

    private static boolean publish(Path file, String owner, Duration ttl) throws IOException {
        Path temp = file.resolveSibling(".new-" + owner);
        Files.writeString(temp, new LockContent(owner, Instant.now().plus(ttl)).text(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        try {
            Files.createLink(file, temp);
            return true;
        } catch (FileAlreadyExistsException held) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** What a lock file says: who holds it and until when. */
    private record LockContent(String owner, Instant expires) {
        String text() {
            return owner + " " + expires;
        }

        boolean expired(Instant now) {
            return now.isAfter(expires);
        }

        /** Empty when there is no lock file; a file we cannot parse counts as expired (nobody could renew it). */
        static Optional<LockContent> read(Path file) throws IOException {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (NoSuchFileException gone) {
                return Optional.empty();
            }
            String[] parts = text.split(" ");
            try {
                return Optional.of(new LockContent(parts[0], Instant.parse(parts[1])));
            } catch (RuntimeException unreadable) {
                return Optional.of(new LockContent(text, Instant.EPOCH));
            }
        }
    }

    /** The expiry of this lock if the file is still ours and not expired. */
    private Optional<Instant> held() throws IOException {
        return LockContent.read(file)
                .filter(c -> c.owner().equals(owner) && !c.expired(Instant.now()))
                .map(LockContent::expires);
    }

    private boolean nearExpiry(Instant expires) {
        return Instant.now().plus(margin).isAfter(expires);
    }

    private void rewrite() throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID());
        Files.writeString(tmp, new LockContent(owner, Instant.now().plus(ttl)).text(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public boolean renew() throws IOException {
        Optional<Instant> expires = held();
        if (expires.isEmpty()) {
            return false;
        }
        if (!nearExpiry(expires.get())) {
            rewrite();
            return true;
        }
        return breaking.run(() -> {
            if (held().isEmpty()) {
                return false;
            }
            rewrite();
            return true;
        });
    }

    @Override
    public void close() throws IOException {
        Optional<Instant> expires = held();
        if (expires.isEmpty()) {
            return;
        }
        if (!nearExpiry(expires.get())) {
            Files.deleteIfExists(file);
            return;
        }
        breaking.run(() -> {
            if (held().isPresent()) {
                Files.deleteIfExists(file);
            }
            return null;
        });
    }
}
