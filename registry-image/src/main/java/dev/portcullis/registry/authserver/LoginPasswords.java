package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The registry passwords handed out by the browser logins ({@code oidc_auth}, {@code google_auth},
 * {@code github_auth}), one file per password in a directory ({@code token_db}); replicas of the issuer that mount the
 * same directory share them, and deleting a file revokes its password at once everywhere.
 * <p>
 * A password is {@code ID.SECRET}: the ID (16 random bytes) names the file, so a lookup never compares secrets; the
 * SECRET (32 random bytes) is stored only as its SHA-256 and compared in constant time. A plain hash suffices: the
 * secret is 256 random bits, not something a person chose, so there is nothing for a slow hash to protect.
 */
final class LoginPasswords {
    private static final System.Logger LOG = System.getLogger(LoginPasswords.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    /** 16 bytes as base64url (22 characters): what an ID looks like, checked before it becomes a file name. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final String SUFFIX = ".json";

    /** A password just issued: shown once, never stored in this form. */
    record Issued(String id, String password, Instant expires) {
        @Override
        public String toString() {
            return "Issued[id=" + id + ", expires=" + expires + "]";
        }
    }

    /** What a stored password says: who it belongs to, which login issued it, until when. */
    record Entry(String id, String account, Map<String, List<String>> labels, String provider, Instant issued,
                 Instant expires) {
    }

    private final Path dir;
    private final Clock clock;

    LoginPasswords(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** Opens (creating, owner-only) the directory; a path that is a file or cannot be made is named in the exception. */
    static LoginPasswords open(Path dir, String key, Clock clock) throws ConfigException {
        try {
            if (!Files.isDirectory(dir)) {
                if (Files.exists(dir)) {
                    throw new ConfigException(key, dir + " is not a directory (Portcullis keeps one file per password "
                            + "there; docker_auth's LevelDB files are not read)");
                }
                Files.createDirectories(dir);
                try {
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: its own permissions apply
                }
            }
            Path probe = Files.createTempFile(dir, ".probe", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot use " + dir + " for login passwords: " + e.getMessage());
        }
        return new LoginPasswords(dir, clock);
    }

    Path directory() {
        return dir;
    }

    /** Issues a password for {@code account}, valid for {@code lifetime}. */
    Issued issue(String account, Map<String, List<String>> labels, String provider, Duration lifetime) throws IOException {
        byte[] idBytes = new byte[16];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secret);
        String id = B64.encodeToString(idBytes);
        String secretText = B64.encodeToString(secret);
        Instant now = clock.instant();
        Instant expires = now.plus(lifetime);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("account", account);
        doc.put("labels", labels);
        doc.put("provider", provider);
        doc.put("issued", now.toString());
        doc.put("expires", expires.toString());
        doc.put("sha256", HexFormat.of().formatHex(sha256(secretText)));
        Path tmp = Files.createTempFile(dir, ".new-", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.write(tmp, JSON.writeValueAsBytes(doc));
            try {
                Files.move(tmp, dir.resolve(id + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(id + SUFFIX));
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Issued(id, id + "." + secretText, expires);
    }

    /**
     * Checks a login: NO_MATCH when the password is not one of ours (not shaped like one, or no such ID here: another
     * backend may hold it), DENIED when it is ours but wrong, for another account, expired or unreadable, ALLOWED with
     * the labels it was issued with.
     */
    LoginResult check(String account, String password) {
        int dot = password == null ? -1 : password.indexOf('.');
        if (dot != 22 || !ID.matcher(password.substring(0, dot)).matches()) {
            return LoginResult.noMatch();
        }
        String id = password.substring(0, dot);
        Entry entry;
        byte[] storedHash;
        try {
            Map<?, ?> doc = JSON.readValue(dir.resolve(id + SUFFIX).toFile(), Map.class);
            entry = entry(id, doc);
            storedHash = HexFormat.of().parseHex(String.valueOf(doc.get("sha256")));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            // Revoked, expired and swept, or issued by another login section (its own token_db): the next backend
            // may hold it, and if none does the login fails.
            LOG.log(System.Logger.Level.DEBUG, "login password not found: id={0} account={1} (revoked, expired or another section's)",
                    id, Scopes.printable(account));
            return LoginResult.noMatch();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "login password refused: reason=unreadable entry id={0}: {1}", id,
                    LogText.firstLine(e.getMessage()));
            return LoginResult.denied();
        }
        // The secret is compared before anything else is said about the entry, in constant time.
        boolean secretOk = MessageDigest.isEqual(storedHash, sha256(password.substring(dot + 1)));
        if (!secretOk) {
            LOG.log(System.Logger.Level.INFO, "login password refused: reason=wrong secret id={0} account={1}", id,
                    Scopes.printable(account));
            return LoginResult.denied();
        }
        if (!MessageDigest.isEqual(entry.account().getBytes(StandardCharsets.UTF_8), account.getBytes(StandardCharsets.UTF_8))) {
            LOG.log(System.Logger.Level.INFO, "login password refused: reason=issued to another account id={0} account={1}",
                    id, Scopes.printable(account));
            return LoginResult.denied();
        }
        if (!clock.instant().isBefore(entry.expires())) {
            LOG.log(System.Logger.Level.INFO, "login password refused: reason=expired at {0} id={1} account={2}",
                    entry.expires(), id, Scopes.printable(account));
            delete(id);
            return LoginResult.denied();
        }
        return LoginResult.allowed(entry.labels());
    }

    /** Every stored password's description (never its hash), for listing and revoking. */
    List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String id = name.substring(0, name.length() - SUFFIX.length());
                if (!ID.matcher(id).matches()) {
                    continue;
                }
                try {
                    out.add(entry(id, JSON.readValue(f.toFile(), Map.class)));
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "skipping unreadable login password entry {0}", id);
                }
            }
        }
        return out;
    }

    /** Revokes one password by its ID (the part before the dot); false when there is none. */
    boolean revoke(String id) throws IOException {
        if (!ID.matcher(id).matches()) {
            return false;
        }
        return Files.deleteIfExists(dir.resolve(id + SUFFIX));
    }

    /** Revokes every password of {@code account}; returns how many. */
    int revokeAccount(String account) throws IOException {
        int n = 0;
        for (Entry e : list()) {
            if (e.account().equals(account) && revoke(e.id())) {
                n++;
            }
        }
        return n;
    }

    /** Deletes expired passwords; returns how many. */
    int sweepExpired() throws IOException {
        Instant now = clock.instant();
        int n = 0;
        for (Entry e : list()) {
            if (!now.isBefore(e.expires()) && revoke(e.id())) {
                n++;
            }
        }
        return n;
    }

    private void delete(String id) {
        try {
            revoke(id);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete expired login password {0}: {1}", id, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Entry entry(String id, Map<?, ?> doc) {
        Map<String, List<String>> labels = new LinkedHashMap<>();
        if (doc.get("labels") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v instanceof List<?> l) {
                    labels.put(String.valueOf(k), l.stream().map(String::valueOf).toList());
                }
            });
        }
        Object account = doc.get("account");
        if (!(account instanceof String a)) {
            throw new IllegalArgumentException("no account");
        }
        return new Entry(id, a, labels, String.valueOf(doc.get("provider")), Instant.parse(String.valueOf(doc.get("issued"))),
                Instant.parse(String.valueOf(doc.get("expires"))));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
