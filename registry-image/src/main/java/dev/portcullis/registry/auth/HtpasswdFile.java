package dev.portcullis.registry.auth;

import dev.portcullis.registry.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * An htpasswd file of bcrypt hashes, re-read when it changes. The change check is a stat at most once a second, and
 * it compares the inode too, so the kubelet's symlink swap of a Secret volume is seen.
 */
public final class HtpasswdFile {
    private static final Logger LOG = Logger.getLogger(HtpasswdFile.class.getName());
    private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

    private final Path path;
    private final Runnable onChange;
    private volatile Snapshot snapshot;
    private volatile long lastCheck;

    private record Stamp(long modified, long size, Object inode) {}

    private record Snapshot(Stamp stamp, Map<String, String> hashes, String dummyHash) {}

    public HtpasswdFile(Path path, Runnable onChange) {
        this.path = path;
        this.onChange = onChange;
        try {
            this.snapshot = load();
        } catch (IOException e) {
            throw new ConfigException("auth.htpasswd.path", "cannot read " + path + ": " + e.getMessage());
        }
        this.lastCheck = System.nanoTime();
    }

    /** The user's hash, or null. */
    public String hash(String user) {
        return current().hashes().get(user);
    }

    /** A hash of the same cost as the file's, to spend equal time on unknown users. */
    public String dummyHash() {
        return current().dummyHash();
    }

    public int size() {
        return current().hashes().size();
    }

    private Snapshot current() {
        long now = System.nanoTime();
        if (now - lastCheck > CHECK_INTERVAL_NANOS) {
            lastCheck = now;
            try {
                if (!stamp().equals(snapshot.stamp())) {
                    snapshot = load();
                    LOG.info("htpasswd file " + path + " reloaded: " + snapshot.hashes().size() + " users");
                    onChange.run();
                }
            } catch (IOException e) {
                // Mid-swap or briefly missing: keep the users we know.
                LOG.fine(() -> "htpasswd file not readable, keeping the previous users: " + e.getMessage());
            }
        }
        return snapshot;
    }

    private Stamp stamp() throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime().toMillis(), a.size(), Objects.requireNonNullElse(a.fileKey(), "none"));
    }

    private Snapshot load() throws IOException {
        Stamp stamp = stamp();
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        Map<String, String> hashes = new HashMap<>();
        int cost = 10;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String user = colon > 0 ? line.substring(0, colon) : null;
            String hash = colon > 0 ? line.substring(colon + 1) : null;
            if (user == null || !Bcrypt.isBcrypt(hash)) {
                // Distribution also accepts only bcrypt; say which line, never what it holds.
                LOG.warning(path + " line " + (i + 1) + " is not user:bcrypt-hash and is ignored");
                continue;
            }
            hashes.put(user, hash);
            cost = Bcrypt.cost(hash);
        }
        return new Snapshot(stamp, Map.copyOf(hashes), Bcrypt.hash("portcullis-dummy", cost));
    }
}
