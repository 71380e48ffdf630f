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
 * An htpasswd file of bcrypt hashes, re-read when it changes. {@link #refresh()} is called on a timer (see
 * {@link AuthorizerFactory}), not on a login, so a removed user or changed password takes effect even while every client
 * is served from the credential cache. The change check is a stat that compares the inode too, so a replacement by
 * rename and the kubelet's symlink swap of a Secret volume are both seen.
 */
public final class HtpasswdFile {
    private static final Logger LOG = Logger.getLogger(HtpasswdFile.class.getName());
    /** How often the file is compared with what was read: a revocation is in effect within this delay. */
    public static final long CHECK_INTERVAL_MILLIS = 1000;

    private final Path path;
    private final Runnable onChange;
    private volatile Snapshot snapshot;

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
    }

    /** The user's hash, or null. */
    public String hash(String user) {
        return snapshot.hashes().get(user);
    }

    /** A hash of the highest cost in the file, so an unknown user costs as much time as the slowest known one. */
    public String dummyHash() {
        return snapshot.dummyHash();
    }

    public int size() {
        return snapshot.hashes().size();
    }

    /** Re-reads the file if it changed since the last read; blocks (a stat, and a read when it changed). */
    public synchronized void refresh() {
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

    private Stamp stamp() throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime().toMillis(), a.size(), Objects.requireNonNullElse(a.fileKey(), "none"));
    }

    private Snapshot load() throws IOException {
        Stamp stamp = stamp();
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        Map<String, String> hashes = new HashMap<>();
        int cost = 0;
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
            cost = Math.max(cost, Bcrypt.cost(hash));
        }
        // Not the last line's cost: with mixed costs, unknown users would answer faster or slower than known ones.
        return new Snapshot(stamp, Map.copyOf(hashes), Bcrypt.unmatchable(cost == 0 ? 10 : cost));
    }
}
