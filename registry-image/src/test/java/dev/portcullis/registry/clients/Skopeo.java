package dev.portcullis.registry.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drives {@code /usr/bin/skopeo} as a user would, isolated from the machine's own container configuration.
 *
 * <p>Isolation, because containers/image (skopeo 1.9.3 here) reads a lot of ambient state:
 * <ul>
 * <li>credentials: even with --authfile it falls back to $XDG_CONFIG_HOME/containers/auth.json,
 *     $DOCKER_CONFIG/config.json (or ~/.docker/config.json) and ~/.dockercfg; so HOME, XDG_*, DOCKER_CONFIG point
 *     into a private folder and REGISTRY_AUTH_FILE is removed; --authfile is always a private file;</li>
 * <li>registries.conf: this skopeo ignores CONTAINERS_REGISTRIES_CONF (newer ones honour it) but has a hidden global
 *     --registries-conf flag; we pass both. /etc/containers/registries.conf.d drop-ins are still read and cannot be
 *     turned off from the command line; they only matter for short names and mirrors, and we always use
 *     fully-qualified 127.0.0.1:PORT references;</li>
 * <li>certificates: without --cert-dir it looks in /etc/docker/certs.d/HOST:PORT and /etc/containers/certs.d; we
 *     always pass a cert dir (an empty private one when the target has none);</li>
 * <li>signature policy and lookaside: private --policy (accept anything: we test transport, not signing) and
 *     --registries.d.</li>
 * </ul>
 * What cannot be isolated: as root, the blob-info cache is /var/lib/containers/cache/blob-info-cache-v1.boltdb
 * (no flag in 1.9). It only suggests where blobs might already be (that is what makes skopeo try cross-repository
 * mounts); the registry still answers every mount/HEAD, so a stale entry costs a request, not a wrong result.
 */
public final class Skopeo {
    /** Long enough for a 64 MiB layer on a busy 2-core machine, short enough that a hung client fails the test. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

    /** How credentials reach skopeo: on the command line (--creds) or through the private --authfile. */
    public enum CredentialMode { CREDS_FLAG, AUTHFILE }

    /** One side of a copy: an OCI layout folder or a repository in a registry. */
    public sealed interface Location permits OciDir, Remote {}

    /** {@code oci:DIR:TAG}. */
    public record OciDir(Path dir, String tag) implements Location {}

    /** {@code docker://HOST:PORT/REPO[:TAG|@DIGEST]} on {@code registry}. */
    public record Remote(RegistryTarget registry, String repoRef) implements Location {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String binary;
    private final Path home;
    private final Path authFile;
    private final Path policy;
    private final Path registriesConf;
    private final Path registriesD;
    private final Path noCerts;
    private final Path tmp;
    private final CredentialMode credentialMode;
    private final Duration timeout;

    private Skopeo(String binary, Path root, CredentialMode credentialMode, Duration timeout) throws IOException {
        this.binary = binary;
        this.credentialMode = credentialMode;
        this.timeout = timeout;
        this.home = Files.createDirectories(root.resolve("home"));
        Files.createDirectories(root.resolve("run"));
        this.authFile = root.resolve("auth.json");
        Files.writeString(authFile, "{\"auths\":{}}");
        this.policy = root.resolve("policy.json");
        Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        this.registriesConf = root.resolve("registries.conf");
        Files.writeString(registriesConf, "# private and empty: no search registries, mirrors or insecure entries\n");
        this.registriesD = Files.createDirectories(root.resolve("registries.d"));
        this.noCerts = Files.createDirectories(root.resolve("no-certs"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
    }

    /** A skopeo whose configuration lives under {@code workDir}; fails or skips if skopeo is not installed. */
    public static Skopeo create(Path workDir, CredentialMode mode) {
        String bin = RequiredTool.SKOPEO.require();
        try {
            return new Skopeo(bin, Files.createDirectories(workDir), mode, DEFAULT_TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Skopeo create(Path workDir) {
        return create(workDir, CredentialMode.CREDS_FLAG);
    }

    // ---- operations ----

    /** {@code skopeo copy SRC DEST}; {@code extra} are further copy flags, e.g. --preserve-digests. */
    public Exec.Result copy(Location src, Location dest, String... extra) {
        List<String> args = new ArrayList<>(List.of("copy"));
        Set<String> secrets = new HashSet<>();
        args.addAll(List.of(extra));
        remoteFlags(src, "src-", args, secrets);
        remoteFlags(dest, "dest-", args, secrets);
        args.add(transport(src));
        args.add(transport(dest));
        return run(args, secrets).orThrow();
    }

    /** The manifest exactly as the registry serves it ({@code inspect --raw}). */
    public String inspectRaw(RegistryTarget registry, String repoRef) {
        return tryInspect(registry, repoRef, "--raw").orThrow().output();
    }

    /** The manifest digest skopeo reports for {@code repoRef} ({@code --no-tags}: no tag listing needed). */
    public String inspectDigest(RegistryTarget registry, String repoRef) {
        return tryInspect(registry, repoRef, "--no-tags", "--format", "{{.Digest}}").orThrow().output().strip();
    }

    /** Inspect without asserting success, for tests that expect an error. */
    public Exec.Result tryInspect(RegistryTarget registry, String repoRef, String... flags) {
        Remote r = new Remote(registry, repoRef);
        List<String> args = new ArrayList<>(List.of("inspect"));
        args.addAll(List.of(flags));
        Set<String> secrets = new HashSet<>();
        remoteFlags(r, "", args, secrets);
        args.add(transport(r));
        return run(args, secrets);
    }

    public List<String> listTags(RegistryTarget registry, String repository) {
        Remote r = new Remote(registry, repository);
        List<String> args = new ArrayList<>(List.of("list-tags"));
        Set<String> secrets = new HashSet<>();
        remoteFlags(r, "", args, secrets);
        args.add(transport(r));
        Exec.Result res = run(args, secrets).orThrow();
        try {
            List<String> tags = new ArrayList<>();
            JSON.readTree(res.output()).path("Tags").forEach(t -> tags.add(t.asText()));
            return tags;
        } catch (IOException e) {
            throw new AssertionError("list-tags printed no JSON: " + res.describe(), e);
        }
    }

    /** {@code skopeo delete}: deletes the manifest the reference resolves to (Distribution needs delete enabled). */
    public void delete(RegistryTarget registry, String repoRef) {
        Remote r = new Remote(registry, repoRef);
        List<String> args = new ArrayList<>(List.of("delete"));
        Set<String> secrets = new HashSet<>();
        remoteFlags(r, "", args, secrets);
        args.add(transport(r));
        run(args, secrets).orThrow();
    }

    /** The private auth file: in AUTHFILE mode the credentials of every target used are written here. */
    public Path authFile() {
        return authFile;
    }

    // ---- plumbing ----

    private static String transport(Location l) {
        if (l instanceof OciDir o) {
            return "oci:" + o.dir() + ":" + o.tag();
        }
        Remote r = (Remote) l;
        return "docker://" + r.registry().ref(r.repoRef());
    }

    /** Adds --{prefix}tls-verify, --{prefix}cert-dir and credentials for a registry side; nothing for an OCI dir. */
    private void remoteFlags(Location l, String prefix, List<String> args, Set<String> secrets) {
        if (!(l instanceof Remote r)) {
            return;
        }
        RegistryTarget t = r.registry();
        // tls-verify=false is what lets skopeo fall back to plain HTTP (it still tries HTTPS first).
        args.add("--" + prefix + "tls-verify=" + t.tls());
        args.add("--" + prefix + "cert-dir");
        args.add((t.skopeoCertDir() != null ? t.skopeoCertDir() : noCerts).toString());
        if (t.credentials().isPresent()) {
            Credentials c = t.credentials().get();
            secrets.addAll(c.secrets());
            if (credentialMode == CredentialMode.CREDS_FLAG) {
                args.add("--" + prefix + "creds");
                args.add(c.pair());
            } else {
                storeInAuthFile(t.hostPort(), c);
            }
        }
    }

    private synchronized void storeInAuthFile(String hostPort, Credentials c) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(authFile.toFile());
            ObjectNode auths = root.has("auths") ? (ObjectNode) root.get("auths") : root.putObject("auths");
            auths.putObject(hostPort).put("auth",
                    Base64.getEncoder().encodeToString(c.pair().getBytes(StandardCharsets.UTF_8)));
            // Written aside and renamed: a skopeo running concurrently must never read half a file.
            Path tmpFile = authFile.resolveSibling("auth.json.tmp");
            JSON.writeValue(tmpFile.toFile(), root);
            Files.move(tmpFile, authFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Exec.Result run(List<String> subcommand, Set<String> secrets) {
        List<String> cmd = new ArrayList<>(List.of(binary,
                "--policy", policy.toString(),
                "--registries.d", registriesD.toString(),
                "--registries-conf", registriesConf.toString(),
                "--tmpdir", tmp.toString()));
        cmd.add(subcommand.get(0));
        // --authfile is a per-subcommand flag; for copy it serves both sides unless --src/--dest-authfile is given.
        cmd.add("--authfile");
        cmd.add(authFile.toString());
        cmd.addAll(subcommand.subList(1, subcommand.size()));
        return Exec.run(cmd, timeout, secrets, this::isolate);
    }

    private void isolate(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("CONTAINERS_") || k.startsWith("REGISTRY_AUTH")
                || k.startsWith("XDG_") || k.equals("DOCKER_CONFIG") || k.toLowerCase().endsWith("_proxy"));
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("XDG_RUNTIME_DIR", home.getParent().resolve("run").toString());
        env.put("DOCKER_CONFIG", home.resolve(".docker").toString());
        env.put("REGISTRY_AUTH_FILE", authFile.toString());
        env.put("CONTAINERS_REGISTRIES_CONF", registriesConf.toString());
        env.put("TMPDIR", tmp.toString());
    }

    /** Parses a manifest as served, for tests that look inside. */
    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
