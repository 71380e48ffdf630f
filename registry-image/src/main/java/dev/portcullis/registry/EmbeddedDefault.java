package dev.portcullis.registry;

import dev.portcullis.registry.auth.Bcrypt;
import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.server.RegistryServer;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry you get with no arguments, secure by default: HTTPS with a certificate from a CA generated on first run,
 * and an {@code admin} user with a generated password. Everything lives under {@code ./registry-data}; the password is
 * printed once, on the run that creates it, and kept (readable by its owner only) in {@code auth/admin-password}.
 */
final class EmbeddedDefault {
    static final String USER = "admin";
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final Path data;
    private final String password;

    private EmbeddedDefault(Path data, String password) {
        this.data = data;
        this.password = password;
    }

    /** Prepares ./registry-data (first run: CA, certificate, password) and returns the configuration to serve. */
    static Prepared prepare(Map<String, String> env) throws IOException {
        Path data = Path.of("registry-data").toAbsolutePath();
        Path tls = data.resolve("tls");
        Path auth = data.resolve("auth");
        String firstRunPassword = null;
        if (!Files.exists(tls.resolve("server.key"))) {
            LocalCertificateAuthority ca = LocalCertificateAuthority.create("Portcullis local CA", Duration.ofDays(3650));
            ca.writeCertificate(data.resolve("certs/ca.crt"));
            ca.issue(tls, "server", "localhost", Duration.ofDays(825), true, hostNames());
        }
        if (!Files.exists(auth.resolve("htpasswd"))) {
            firstRunPassword = generatePassword();
            Files.createDirectories(auth);
            writeOwnerOnly(auth.resolve("admin-password"), firstRunPassword + "\n");
            writeOwnerOnly(auth.resolve("htpasswd"), USER + ":" + Bcrypt.hash(firstRunPassword, 10) + "\n");
        }
        String yaml = """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %1$s
                  delete:
                    enabled: true
                http:
                  addr: :5000
                  tls:
                    certificate: %2$s
                    key: %3$s
                auth:
                  htpasswd:
                    realm: portcullis
                    path: %4$s
                """.formatted(data, tls.resolve("server.crt"), tls.resolve("server.key"), auth.resolve("htpasswd"));
        RegistryConfig config = RegistryConfigLoader.parse(yaml, "embedded default", env);
        return new Prepared(config, new EmbeddedDefault(data, firstRunPassword));
    }

    record Prepared(RegistryConfig config, EmbeddedDefault defaults) {}

    private static List<String> hostNames() {
        List<String> names = new ArrayList<>(List.of("localhost", "127.0.0.1", "::1"));
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (!names.contains(host)) {
                names.add(host);
            }
        } catch (IOException unknownHost) {
            // Loopback names are enough to start.
        }
        return names;
    }

    private static String generatePassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Files.writeString(file, content);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Nothing finer to set on this filesystem.
        }
    }

    /**
     * The password is shown once the registry is up. A first run that never got there (its port taken) drops the
     * password it generated, so that the next run generates one and shows it, rather than leaving a password nobody saw.
     */
    void discardUnshownPassword() throws IOException {
        if (password != null) {
            Files.deleteIfExists(data.resolve("auth/htpasswd"));
            Files.deleteIfExists(data.resolve("auth/admin-password"));
        }
    }

    void printWelcome(RegistryServer server) {
        String hostPort = "127.0.0.1:" + server.port();
        Path certs = Path.of("").toAbsolutePath().relativize(data.resolve("certs"));
        String secret = password != null ? password : "$(cat " + Path.of("").toAbsolutePath().relativize(
                data.resolve("auth/admin-password")) + ")";
        StringBuilder out = new StringBuilder();
        out.append("\nPortcullis registry on https://").append(hostPort).append(", storing under ").append(data).append('\n');
        if (password != null) {
            out.append("\nGenerated on this first run (shown once; also in registry-data/auth/admin-password):\n")
                    .append("  user:     ").append(USER).append('\n')
                    .append("  password: ").append(password).append('\n');
        }
        out.append("""

                Push an image (skopeo):
                  skopeo login --cert-dir %1$s -u %2$s -p %3$s %4$s
                  skopeo copy --dest-cert-dir %1$s docker://docker.io/library/alpine:latest docker://%4$s/alpine:latest
                Or with Docker, after trusting the CA once:
                  sudo mkdir -p /etc/docker/certs.d/%4$s && sudo cp %1$s/ca.crt /etc/docker/certs.d/%4$s/
                  docker login -u %2$s %4$s
                  docker push %4$s/alpine:latest
                """.formatted(certs, USER, secret, hostPort));
        System.out.print(out);
        System.out.flush();
    }
}
